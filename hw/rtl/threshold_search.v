// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * threshold_search: per channel, the number of its thresholds that the input reaches
 * (value >= threshold) by binary search, for many thresholds per channel: the count
 * threshold_unit computes, with STAGES = clog2(N_THRES + 1)
 * comparators per channel where threshold_unit has N_THRES, and the thresholds in memories
 * where threshold_unit takes them all at once from a word of N_THRES fields.
 *
 * The thresholds of a channel, ascending and padded to 2^STAGES - 1 with a value no input
 * reaches, form a search tree: stage s compares the input with the element at
 * (2p + 1) 2^(STAGES-1-s) - 1, p being the s decisions taken so far (the high bits of the
 * count), and appends its decision to p. Stage s of lane l reads its threshold from its own
 * memory of NF 2^s words (fold f, prefix p at f 2^s + p), loaded from the file
 * THRES_FILE_sSS_pLLL.mem (stage and lane in decimal): flow/ops/thresholds.py writes them.
 * A tree whose memories are not in order still counts monotonically (a larger input never
 * takes a smaller branch); flow/ops/thresholds.py reads back the thresholds it acts as.
 *
 * Pipeline: per stage, a registered threshold read, then the compare into the next stage's
 * registers. Latency 2 STAGES cycles (activation.v adds the bias). No handshake: it advances
 * every cycle, in_valid travels with the data.
 */
module threshold_search #
(
    // channels thresholded side by side (lanes)
    parameter PE = 1,
    // threshold sets per lane, chosen per input by in_fold
    parameter NF = 1,
    // width of an input value
    parameter IN_BITS = 8,
    // input values are two's complement (1) or unsigned (0)
    parameter IN_SIGNED = 1,
    // thresholds per channel
    parameter N_THRES = 255,
    // width of a stored (two's complement) threshold: it holds the input range and one
    // value above it, the padding
    parameter THRES_BITS = 10,
    // stem of the memory files (THRES_FILE_sSS_pLLL.mem); "" = no contents (elaboration alone)
    parameter THRES_FILE = "",
    // stage memories this deep or deeper are block RAM, the others LUTs (synthesis only)
    parameter BLOCK_DEPTH = 512
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                  clk,
    input  wire                  rst,

    // channel p at [p*IN_BITS +: IN_BITS], its threshold set in_fold
    input  wire                  in_valid,
    input  wire [FOLD_BITS-1:0]  in_fold,
    input  wire [PE*IN_BITS-1:0] in_data,

    // channel p's count at [p*STAGES +: STAGES]
    output wire                  out_valid,
    output wire [PE*STAGES-1:0]  out_data
    /* verilator coverage_on */
);

localparam FOLD_BITS = NF > 1 ? $clog2(NF) : 1;
localparam STAGES = $clog2(N_THRES + 1);

initial begin
    if (PE < 1 || NF < 1 || IN_BITS < 1 || N_THRES < 1) begin
        $error("threshold_search: PE, NF, IN_BITS, N_THRES must be >= 1");
        $finish;
    end
    if (THRES_BITS < IN_BITS + 1 - IN_SIGNED) begin
        $error("threshold_search: THRES_BITS=%0d cannot hold a %0d-bit %0s input", THRES_BITS, IN_BITS,
               IN_SIGNED != 0 ? "signed" : "unsigned");
        $finish;
    end
end

// the decimal digit d (0 = units) of n, as a character
function [7:0] digit(input integer n, input integer d);
    integer i, v;
    begin
        v = n;
        for (i = 0; i < d; i = i + 1) begin
            v = v / 10;
        end
        v = 48 + v % 10;
        digit = v[7:0];
    end
endfunction

genvar s, l;
generate
for (s = 0; s < STAGES; s = s + 1) begin : stage
    // the stage's inputs: valid, fold and per lane the value
    wire                  valid;
    wire [FOLD_BITS-1:0]  fold;
    wire [PE*IN_BITS-1:0] data;

    if (s == 0) begin : g_in
        assign valid = in_valid;
        assign fold = in_fold;
        assign data = in_data;
    end else begin : g_chain
        assign valid = stage[s-1].next_valid;
        assign fold = stage[s-1].g_pass.next_fold;
        assign data = stage[s-1].g_pass.next_data;
    end

    // read cycle: the thresholds arrive beside the registered inputs
    reg                  r_valid = 1'b0;
    reg [PE*IN_BITS-1:0] r_data = 0;
    always @(posedge clk) begin
        r_data <= data;
        if (rst) begin
            r_valid <= 1'b0;
        end else begin
            r_valid <= valid;
        end
    end
    // the s decisions taken per lane before this stage (lane l's at [l*s +: s]), after stage 0
    if (s > 0) begin : g_decided
        wire [PE*s-1:0] prefix = stage[s-1].next_prefix;
        reg  [PE*s-1:0] r_prefix = 0;
        always @(posedge clk) begin
            r_prefix <= prefix;
        end
    end

    // compare cycle: each lane's decision joins its prefix (the next stage's inputs; the last
    // stage passes on the count and valid only)
    reg                  next_valid = 1'b0;
    reg [PE*(s+1)-1:0]   next_prefix = 0;
    always @(posedge clk) begin
        if (rst) begin
            next_valid <= 1'b0;
        end else begin
            next_valid <= r_valid;
        end
    end
    if (s < STAGES - 1) begin : g_pass
        reg [FOLD_BITS-1:0]  r_fold = 0;
        reg [FOLD_BITS-1:0]  next_fold = 0;
        reg [PE*IN_BITS-1:0] next_data = 0;
        always @(posedge clk) begin
            r_fold <= fold;
            next_fold <= r_fold;
            next_data <= r_data;
        end
    end

    for (l = 0; l < PE; l = l + 1) begin : lane
        localparam DEPTH = NF << s;
        localparam ADDR_BITS = DEPTH > 1 ? $clog2(DEPTH) : 1;
        localparam FILE = {THRES_FILE, "_s", digit(s, 1), digit(s, 0),
                           "_p", digit(l, 2), digit(l, 1), digit(l, 0), ".mem"};
        // address {fold, prefix}: the fold's 2^s words, the prefix within them
        wire [ADDR_BITS-1:0] addr;
        if (NF > 1 && s > 0) begin : g_fold_prefix
            assign addr = {fold, g_decided.prefix[l*s +: s]};
        end else if (NF > 1) begin : g_fold
            assign addr = fold;
        end else if (s > 0) begin : g_prefix
            assign addr = g_decided.prefix[l*s +: s];
        end else begin : g_single
            assign addr = 1'b0;
        end

        // the stage's thresholds, read beside the registered inputs
        wire [THRES_BITS-1:0] t;
        rom #(
            .WIDTH(THRES_BITS),
            .DEPTH(DEPTH),
            .FILE(THRES_FILE != "" ? FILE : ""),
            .STYLE(DEPTH >= BLOCK_DEPTH ? "block" : "distributed")
        )
        thresholds (
            .clk(clk),
            .addr(addr),
            .data(t)
        );

        // the value at the thresholds' (signed) width; a signed value may have it already
        wire [IN_BITS-1:0] x = r_data[l*IN_BITS +: IN_BITS];
        wire [THRES_BITS-1:0] xe;
        if (THRES_BITS > IN_BITS) begin : g_extend
            assign xe = {{(THRES_BITS - IN_BITS){IN_SIGNED != 0 && x[IN_BITS-1]}}, x};
        end else begin : g_same
            assign xe = x;
        end
        wire ge = $signed(xe) >= $signed(t);
        if (s > 0) begin : g_append
            always @(posedge clk) begin
                next_prefix[l*(s+1) +: s+1] <= {g_decided.r_prefix[l*s +: s], ge};
            end
        end else begin : g_first
            always @(posedge clk) begin
                next_prefix[l] <= ge;
            end
        end
    end
end
endgenerate

// the count is the last stage's prefix
assign out_valid = stage[STAGES-1].next_valid;
assign out_data = stage[STAGES-1].next_prefix;

endmodule

`resetall
