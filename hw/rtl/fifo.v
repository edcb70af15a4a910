// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * fifo: AXI-Stream FIFO between dataflow ops. Synchronous-read memory (LUTRAM or BRAM)
 * followed by an output register, so one word moves per cycle in and out.
 * Capacity is DEPTH + 1 words (memory plus the output register). DEPTH 0 is no FIFO: the
 * stream passes straight through (where FIFO sizing finds one unneeded).
 */
module fifo #
(
    // word width in bits
    parameter WIDTH = 8,
    // memory depth in words, a power of two, or 0 (a wire)
    parameter DEPTH = 2,
    // "auto", "distributed" (LUTRAM) or "block" (BRAM); read by synthesis only
    parameter RAM_STYLE = "auto"
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire             clk,
    input  wire             rst,

    /*
     * AXI-Stream input
     */
    input  wire [WIDTH-1:0] s_axis_tdata,
    input  wire             s_axis_tvalid,
    output wire             s_axis_tready,

    /*
     * AXI-Stream output
     */
    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready
    /* verilator coverage_on */
);

localparam ADDR_BITS = DEPTH > 1 ? $clog2(DEPTH) : 1;

initial begin
    if (DEPTH != 0 && (DEPTH < 2 || (DEPTH & (DEPTH - 1)) != 0)) begin
        $error("fifo: DEPTH must be 0 or a power of two >= 2 (got %0d)", DEPTH);
        $finish;
    end
    if (WIDTH < 1) begin
        $error("fifo: WIDTH must be >= 1 (got %0d)", WIDTH);
        $finish;
    end
end

generate
if (DEPTH == 0) begin : g_wire
    assign m_axis_tdata = s_axis_tdata;
    assign m_axis_tvalid = s_axis_tvalid;
    assign s_axis_tready = m_axis_tready;
end else begin : g_fifo
    (* ram_style = RAM_STYLE *)
    reg [WIDTH-1:0] mem [0:DEPTH-1];
    reg [ADDR_BITS:0] wr_ptr = 0;
    reg [ADDR_BITS:0] rd_ptr = 0;
    reg [WIDTH-1:0] out_data = 0;
    reg out_valid = 1'b0;

    wire empty = wr_ptr == rd_ptr;
    wire full = wr_ptr == {~rd_ptr[ADDR_BITS], rd_ptr[ADDR_BITS-1:0]};
    wire write = s_axis_tvalid && !full;
    // refill the output register whenever it is free or being drained this cycle
    wire read = !empty && (!out_valid || m_axis_tready);

    assign s_axis_tready = !full;
    assign m_axis_tdata = out_data;
    assign m_axis_tvalid = out_valid;

    always @(posedge clk) begin
        if (write) begin
            mem[wr_ptr[ADDR_BITS-1:0]] <= s_axis_tdata;
        end
        if (read) begin
            out_data <= mem[rd_ptr[ADDR_BITS-1:0]];
        end
    end

    always @(posedge clk) begin
        if (rst) begin
            wr_ptr <= 0;
            rd_ptr <= 0;
            out_valid <= 1'b0;
        end else begin
            if (write) begin
                wr_ptr <= wr_ptr + 1'b1;
            end
            if (read) begin
                rd_ptr <= rd_ptr + 1'b1;
                out_valid <= 1'b1;
            end else if (m_axis_tready) begin
                out_valid <= 1'b0;
            end
        end
    end

    `ifdef VERILATOR
    // Simulation only: the most words ever held, read by FIFO sizing (flow/size_fifos.py).
    reg [ADDR_BITS+1:0] max_fill = 0;
    wire [ADDR_BITS+1:0] fill = {1'b0, wr_ptr - rd_ptr} + {{(ADDR_BITS+1){1'b0}}, out_valid};
    always @(posedge clk) begin
        if (fill > max_fill) begin
            max_fill <= fill;
        end
    end
    final begin
        $display("FIFO_MAX_FILL %m %0d", max_fill);
    end
    `endif
end
endgenerate

endmodule

`resetall
