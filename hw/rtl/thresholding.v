// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * thresholding: standalone multi-threshold activation on a channels-last stream. A word
 * carries PE channels; words cycle through the C/PE channel folds, and fold cf reads word
 * cf of the threshold ROM (field pe*N_THRES + k: threshold k of channel cf*PE + pe).
 * Output of a channel = ACT_BIAS + number of thresholds reached (activation.v: compared
 * at once, or with THRES_SEARCH by binary search in memories of its own).
 * Semantics: flow/ops/thresholding.py. One word per cycle.
 *
 * Pipeline (free running, no stall): issue (fold counter, threshold read) -> activation
 * -> output FIFO. The issue stage takes a credit per word and stalls when the FIFO could
 * fill, so s_axis_tready and m_axis_tvalid come from registers only.
 */
module thresholding #
(
    // channels
    parameter C = 4,
    // channels per word, divides C
    parameter PE = 2,
    // width of an input element
    parameter IN_BITS = 4,
    // input elements are two's complement (1) or unsigned (0)
    parameter IN_SIGNED = 1,
    // thresholds per channel
    parameter N_THRES = 3,
    // width of a threshold (two's complement)
    parameter THRES_BITS = 5,
    // width of an output element
    parameter OUT_BITS = 2,
    // added to the threshold count: the lowest output level
    parameter ACT_BIAS = 0,
    // thresholds by binary search (activation.v: THRES_FILE is the stem of its files,
    // THRES_BITS their width) rather than compared all at once
    parameter THRES_SEARCH = 0,
    // $readmemh file of the thresholds: word cf, field pe*N_THRES + k (or the stem above)
    parameter THRES_FILE = ""
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                    clk,
    input  wire                    rst,

    /*
     * AXI-Stream input: PE elements of IN_BITS, element 0 in the LSBs
     */
    input  wire [PE*IN_BITS-1:0]   s_axis_tdata,
    input  wire                    s_axis_tvalid,
    output wire                    s_axis_tready,

    /*
     * AXI-Stream output: PE elements of OUT_BITS
     */
    output wire [PE*OUT_BITS-1:0]  m_axis_tdata,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready
    /* verilator coverage_on */
);

// channel folds
localparam CF = C / PE;
localparam CF_BITS = CF > 1 ? $clog2(CF) : 1;
localparam CF_LAST_I = CF - 1;
localparam [CF_BITS-1:0] CF_LAST = CF_LAST_I[CF_BITS-1:0];

// cycles from issue to the output FIFO's input (only sizes the FIFO; see activation)
localparam COUNT_LEVELS = N_THRES > 1 ? $clog2(N_THRES) : 1;
localparam LATENCY = THRES_SEARCH != 0 ? 1 + 2 * $clog2(N_THRES + 1) + 1 : 1 + 2 + (COUNT_LEVELS + 3) / 4;
// a credit returns LATENCY + 3 cycles after its word issued (FIFO write, FIFO read,
// handshake); this many keep one word per cycle moving
localparam CREDITS = LATENCY + 3;

initial begin
    if (PE < 1 || C % PE != 0) begin
        $error("thresholding: PE=%0d must divide C=%0d", PE, C);
        $finish;
    end
    if (N_THRES < 1) begin
        $error("thresholding: N_THRES=%0d must be >= 1", N_THRES);
        $finish;
    end
end

/*
 * Issue: one word per cycle while credits last
 */
reg [CF_BITS-1:0] cf = 0;
wire credit_ok;
wire issue = s_axis_tvalid && credit_ok;

assign s_axis_tready = credit_ok;

always @(posedge clk) begin
    if (rst) begin
        cf <= 0;
    end else if (issue) begin
        cf <= cf == CF_LAST ? {CF_BITS{1'b0}} : cf + 1'b1;
    end
end

/*
 * Stage 1: the word (its fold's thresholds are read beside it)
 */
reg [PE*IN_BITS-1:0] x1 = 0;
reg valid1 = 1'b0;

always @(posedge clk) begin
    x1 <= s_axis_tdata;
    if (rst) begin
        valid1 <= 1'b0;
    end else begin
        valid1 <= issue;
    end
end

/*
 * Stage 2: activation into the output FIFO
 */
wire [PE*OUT_BITS-1:0] out2;
wire valid2;

activation #(
    .PE(PE),
    .NF(CF),
    .IN_BITS(IN_BITS),
    .IN_SIGNED(IN_SIGNED),
    .N_THRES(N_THRES),
    .THRES_BITS(THRES_BITS),
    .THRES_SIGNED(1),
    .OUT_BITS(OUT_BITS),
    .ACT_BIAS(ACT_BIAS),
    .THRES_SEARCH(THRES_SEARCH),
    .THRES_FILE(THRES_FILE)
)
act (
    .clk(clk),
    .rst(rst),
    .fold(cf),
    .in_valid(valid1),
    .in_data(x1),
    .out_valid(valid2),
    .out_data(out2)
);

credit_fifo #(
    .WIDTH(PE*OUT_BITS),
    .CREDITS(CREDITS)
)
out_fifo (
    .clk(clk),
    .rst(rst),
    .take(issue),
    .credit_ok(credit_ok),
    .in_data(out2),
    .in_valid(valid2),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`resetall
