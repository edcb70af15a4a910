// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * credit_fifo: the output FIFO of a free-running pipeline, and the credits that keep it from
 * overflowing. The pipeline takes a credit (take) when it starts an output word and may only
 * do so while credit_ok; a credit returns when a word leaves on m_axis. Credits equal the
 * words the FIFO can hold, so nothing in flight ever waits, and credit_ok comes from a
 * register and a compare only (the producers' s_axis_tready derives from it).
 * Shared by mvau and thresholding.
 */
module credit_fifo #
(
    // width of a word
    parameter WIDTH = 8,
    // credits the pipeline needs to keep issuing: words in flight between take and m_axis
    parameter CREDITS = 2
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire             clk,
    input  wire             rst,

    // the pipeline starts an output word this cycle (only while credit_ok)
    input  wire             take,
    output wire             credit_ok,

    // the words, in the order of their credits
    input  wire [WIDTH-1:0] in_data,
    input  wire             in_valid,

    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready
    /* verilator coverage_on */
);

localparam FIFO_DEPTH = CREDITS > 2 ? 1 << $clog2(CREDITS) : 2;
// words the FIFO holds (memory and output register): the credits handed out
localparam CAP = FIFO_DEPTH + 1;
localparam CREDIT_BITS = $clog2(CAP + 1);
localparam [CREDIT_BITS-1:0] CAP_C = CAP[CREDIT_BITS-1:0];

initial begin
    if (WIDTH < 1 || CREDITS < 1) begin
        $error("credit_fifo: WIDTH=%0d and CREDITS=%0d must be >= 1", WIDTH, CREDITS);
        $finish;
    end
end

reg [CREDIT_BITS-1:0] credits_used = 0;
wire out_taken = m_axis_tvalid && m_axis_tready;

assign credit_ok = credits_used != CAP_C;

always @(posedge clk) begin
    if (rst) begin
        credits_used <= 0;
    end else if (take && !out_taken) begin
        credits_used <= credits_used + 1'b1;
    end else if (!take && out_taken) begin
        credits_used <= credits_used - 1'b1;
    end
end

// never refuses a word: the credits keep it from filling (checked in simulation, below)
wire fifo_ready;

fifo #(
    .WIDTH(WIDTH),
    .DEPTH(FIFO_DEPTH),
    .RAM_STYLE("distributed")
)
words (
    .clk(clk),
    .rst(rst),
    .s_axis_tdata(in_data),
    .s_axis_tvalid(in_valid),
    .s_axis_tready(fifo_ready),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

`ifdef VERILATOR
// a refused word would be lost: the credits were miscounted
always @(posedge clk) begin
    if (!rst && in_valid && !fifo_ready) begin
        $error("credit_fifo: a word arrived while the FIFO was full");
    end
end
`endif

endmodule

`resetall
