// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * activation: multi-threshold activation of PE channels side by side, with its thresholds.
 * Output of a channel = ACT_BIAS + the number of its N_THRES thresholds (of threshold set
 * `fold`) that the input reaches (value >= threshold), in OUT_BITS two's complement; a bipolar
 * output (OUT_BITS = 1, ACT_BIAS = 0, N_THRES = 1) is the count itself. The count comes from
 * threshold_unit, every threshold compared at once (the NF sets in one memory, a word per set,
 * field pe*N_THRES + k), or with THRES_SEARCH from threshold_search (THRES_FILE the stem of
 * its files). Shared by mvau (absorbed activations) and thresholding (standalone).
 *
 * `fold` is the set of the value that arrives a cycle later: the parent gives it beside its
 * last register, so the compare's memory read overlaps that register. No handshake: it
 * advances every cycle, in_valid travels with the data. Latency: the count's (threshold_unit:
 * 1 + max(1, ceil(clog2(N_THRES) / 4)); threshold_search: 2 clog2(N_THRES + 1)), then the
 * bias register.
 */
module activation #
(
    // channels side by side
    parameter PE = 1,
    // threshold sets per channel
    parameter NF = 1,
    // width of an input value
    parameter IN_BITS = 8,
    // input values are two's complement (1) or unsigned (0)
    parameter IN_SIGNED = 1,
    // thresholds per channel
    parameter N_THRES = 1,
    // width of a threshold
    parameter THRES_BITS = 8,
    // thresholds are two's complement (1) or unsigned (0); the search stores them signed
    parameter THRES_SIGNED = 1,
    // width of an output value
    parameter OUT_BITS = 1,
    // added to the count: the lowest output level
    parameter ACT_BIAS = 0,
    // thresholds by binary search (threshold_search) rather than compared all at once
    parameter THRES_SEARCH = 0,
    // $readmemh file of the thresholds (or the stem of the search's files); "" = no contents
    parameter THRES_FILE = ""
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                   clk,
    input  wire                   rst,

    // the threshold set of the value arriving next cycle
    input  wire [FOLD_BITS-1:0]   fold,
    // channel p at [p*IN_BITS +: IN_BITS]
    input  wire                   in_valid,
    input  wire [PE*IN_BITS-1:0]  in_data,

    // channel p at [p*OUT_BITS +: OUT_BITS]
    output wire                   out_valid,
    output wire [PE*OUT_BITS-1:0] out_data
    /* verilator coverage_on */
);

localparam FOLD_BITS = NF > 1 ? $clog2(NF) : 1;
// width of a channel's count: the search's decisions, or the output width
localparam COUNT_BITS = THRES_SEARCH != 0 ? $clog2(N_THRES + 1) : OUT_BITS;
// the bias as an OUT_BITS two's complement constant
localparam [OUT_BITS-1:0] BIAS = ACT_BIAS[OUT_BITS-1:0];

initial begin
    if (OUT_BITS < 31 && N_THRES >= (1 << OUT_BITS)) begin
        $error("activation: %0d thresholds give %0d levels, more than OUT_BITS=%0d hold",
               N_THRES, N_THRES + 1, OUT_BITS);
        $finish;
    end
end

wire [PE*COUNT_BITS-1:0] count;
wire count_valid;

generate
if (THRES_SEARCH != 0) begin : g_search
    // the search takes the set beside its value
    reg [FOLD_BITS-1:0] in_fold = 0;
    always @(posedge clk) begin
        in_fold <= fold;
    end

    threshold_search #(
        .PE(PE),
        .NF(NF),
        .IN_BITS(IN_BITS),
        .IN_SIGNED(IN_SIGNED),
        .N_THRES(N_THRES),
        .THRES_BITS(THRES_BITS),
        .THRES_FILE(THRES_FILE)
    )
    search (
        .clk(clk),
        .rst(rst),
        .in_valid(in_valid),
        .in_fold(in_fold),
        .in_data(in_data),
        .out_valid(count_valid),
        .out_data(count)
    );
end else begin : g_compare
    // a fold's thresholds, read a cycle after its input: a ROM in LUTs (the estimate's style,
    // which synthesis follows rather than choosing block RAM by its own costs)
    wire [PE*N_THRES*THRES_BITS-1:0] thres;
    rom #(
        .WIDTH(PE*N_THRES*THRES_BITS),
        .DEPTH(NF),
        .FILE(THRES_FILE),
        .STYLE("distributed")
    ) thresholds (
        .clk(clk),
        .addr(fold),
        .data(thres)
    );

    threshold_unit #(
        .PE(PE),
        .IN_BITS(IN_BITS),
        .IN_SIGNED(IN_SIGNED),
        .N_THRES(N_THRES),
        .THRES_BITS(THRES_BITS),
        .THRES_SIGNED(THRES_SIGNED),
        .OUT_BITS(COUNT_BITS)
    )
    compare (
        .clk(clk),
        .rst(rst),
        .in_valid(in_valid),
        .in_data(in_data),
        .in_thres(thres),
        .out_valid(count_valid),
        .out_data(count)
    );
end
endgenerate

// the level: count + bias
reg [PE*OUT_BITS-1:0] level = 0;
reg level_valid = 1'b0;

genvar p;
generate
for (p = 0; p < PE; p = p + 1) begin : chan
    wire [OUT_BITS-1:0] count_ext;
    if (OUT_BITS > COUNT_BITS) begin : g_extend
        assign count_ext = {{(OUT_BITS - COUNT_BITS){1'b0}}, count[p*COUNT_BITS +: COUNT_BITS]};
    end else begin : g_same
        assign count_ext = count[p*COUNT_BITS +: COUNT_BITS];
    end
    always @(posedge clk) begin
        level[p*OUT_BITS +: OUT_BITS] <= count_ext + BIAS;
    end
end
endgenerate

always @(posedge clk) begin
    if (rst) begin
        level_valid <= 1'b0;
    end else begin
        level_valid <= count_valid;
    end
end

assign out_valid = level_valid;
assign out_data = level;

endmodule

`resetall
