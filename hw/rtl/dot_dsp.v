// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * dot_dsp: LANES accumulators, each adding N unsigned values per step: LUT_LEVELS levels of
 * LUT adders (pairs), then levels of pairs added in DSP48 slices, the pairs of every lane
 * packed side by side into the slices' 48 bits (dsp_add; a field one bit wider than its
 * addends, so no carry crosses fields), until two values per lane are left, which the last
 * slices add to their accumulators (ACC_BITS-wide fields). A popcount's upper levels are few
 * but wide adders: in LUTs they cost a LUT per bit, packed they share one slice per 48 bits.
 *
 * in_tag[0] marks a valid step, in_tag[1] the first step of a fold (the accumulator restarts).
 * out_tag is the tag of the step the accumulators take in this cycle; out_acc holds it from
 * the next cycle on (as mvau.v's LUT accumulators after adder_tree's sum).
 * Latency to out_tag: (LUT_LEVELS > 0) + the DSP pair levels, one register each.
 */
module dot_dsp #
(
    parameter LANES = 1,
    // values per lane and step
    parameter N = 8,
    // width of a value (unsigned)
    parameter IN_BITS = 2,
    // adder levels in LUTs before the slices
    parameter LUT_LEVELS = 1,
    // width of an accumulator: holds the sum of a whole fold
    parameter ACC_BITS = 10,
    parameter TAG_BITS = 2
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                      clk,
    input  wire                      rst,
    // lane l, value i at [(l*N + i)*IN_BITS +: IN_BITS]
    input  wire [LANES*N*IN_BITS-1:0] in_data,
    input  wire [TAG_BITS-1:0]        in_tag,
    output wire [TAG_BITS-1:0]        out_tag,
    // lane l at [l*ACC_BITS +: ACC_BITS]
    output wire [LANES*ACC_BITS-1:0]  out_acc
    /* verilator coverage_on */
);

// the level after which at most two values per lane are left: the accumulating slices' input
localparam TREE_LEVELS = N > 1 ? $clog2(N) : 0;
localparam LAST = TREE_LEVELS > LUT_LEVELS + 1 ? TREE_LEVELS - 1 : LUT_LEVELS;
localparam LAST_N = (N + (1 << LAST) - 1) >> LAST;
localparam LAST_BITS = IN_BITS + LAST;
// lanes per accumulating slice
localparam ACC_LANES = 48 / ACC_BITS;
localparam ACC_SLICES = (LANES + ACC_LANES - 1) / ACC_LANES;

initial begin
    if (LANES < 1 || N < 1 || IN_BITS < 1 || LUT_LEVELS < 0 || TAG_BITS < 2) begin
        $error("dot_dsp: LANES, N, IN_BITS must be >= 1, LUT_LEVELS >= 0, TAG_BITS >= 2");
        $finish;
    end
    if (ACC_BITS > 48 || ACC_BITS < LAST_BITS + (LAST_N > 1 ? 1 : 0)) begin
        $error("dot_dsp: ACC_BITS=%0d must hold a step's sum (%0d bits) and fit a slice's 48",
               ACC_BITS, LAST_BITS + (LAST_N > 1 ? 1 : 0));
        $finish;
    end
end

genvar k, ln, i, d, f;
generate
for (k = 0; k <= LAST; k = k + 1) begin : lvl
    // values per lane and their width at level k
    localparam NK = (N + (1 << k) - 1) >> k;
    localparam WK = IN_BITS + k;
    // a level's values: another name of the inputs, of the LUT sums' register or of the
    // slices' fields, so toggle activity counts them there
    /* verilator coverage_off */
    wire [LANES*NK*WK-1:0] v;
    /* verilator coverage_on */
    wire [TAG_BITS-1:0] tag;

    if (k == 0) begin : g_in
        assign v = in_data;
        assign tag = in_tag;
    end else if (k <= LUT_LEVELS) begin : g_lut
        // pairs in LUT adders, registered after the last LUT level
        localparam NP = (N + (1 << (k - 1)) - 1) >> (k - 1);
        wire [LANES*NK*WK-1:0] sum;
        for (ln = 0; ln < LANES; ln = ln + 1) begin : lane
            for (i = 0; i < NK; i = i + 1) begin : pair
                /* verilator coverage_off */
                wire [WK-2:0] a = lvl[k-1].v[(ln*NP + 2*i)*(WK-1) +: WK-1];
                /* verilator coverage_on */
                if (2*i + 1 < NP) begin : g_two
                    /* verilator coverage_off */
                    wire [WK-2:0] b = lvl[k-1].v[(ln*NP + 2*i + 1)*(WK-1) +: WK-1];
                    /* verilator coverage_on */
                    assign sum[(ln*NK + i)*WK +: WK] = {1'b0, a} + {1'b0, b};
                end else begin : g_one
                    assign sum[(ln*NK + i)*WK +: WK] = {1'b0, a};
                end
            end
        end
        if (k == LUT_LEVELS) begin : g_reg
            reg [LANES*NK*WK-1:0] sum_reg = 0;
            reg [TAG_BITS-1:0] tag_reg = 0;
            always @(posedge clk) begin
                sum_reg <= sum;
                tag_reg <= rst ? {TAG_BITS{1'b0}} : lvl[k-1].tag;
            end
            assign v = sum_reg;
            assign tag = tag_reg;
        end else begin : g_comb
            assign v = sum;
            assign tag = lvl[k-1].tag;
        end
    end else begin : g_dsp
        // pairs of all lanes, FIELDS to a slice
        localparam NP = (N + (1 << (k - 1)) - 1) >> (k - 1);
        localparam PAIRS = LANES * NK;
        localparam FIELDS = 48 / WK;
        localparam SLICES = (PAIRS + FIELDS - 1) / FIELDS;
        reg [TAG_BITS-1:0] tag_reg = 0;
        always @(posedge clk) begin
            tag_reg <= rst ? {TAG_BITS{1'b0}} : lvl[k-1].tag;
        end
        assign tag = tag_reg;
        for (d = 0; d < SLICES; d = d + 1) begin : slice
            // the slice's operands and sum: fields of the values (wiring)
            /* verilator coverage_off */
            wire [47:0] ab, c, p;
            /* verilator coverage_on */
            for (f = 0; f < FIELDS; f = f + 1) begin : field
                localparam J = d*FIELDS + f;
                localparam LN = J / NK;
                localparam I = J % NK;
                if (J < PAIRS) begin : g_pair
                    assign ab[f*WK +: WK] = {1'b0, lvl[k-1].v[(LN*NP + 2*I)*(WK-1) +: WK-1]};
                    if (2*I + 1 < NP) begin : g_two
                        assign c[f*WK +: WK] = {1'b0, lvl[k-1].v[(LN*NP + 2*I + 1)*(WK-1) +: WK-1]};
                    end else begin : g_one
                        assign c[f*WK +: WK] = {WK{1'b0}};
                    end
                    assign v[J*WK +: WK] = p[f*WK +: WK];
                end else begin : g_none
                    assign ab[f*WK +: WK] = {WK{1'b0}};
                    assign c[f*WK +: WK] = {WK{1'b0}};
                end
            end
            if (FIELDS*WK < 48) begin : g_top
                assign ab[47:FIELDS*WK] = 0;
                assign c[47:FIELDS*WK] = 0;
            end
            dsp_add add (
                .clk(clk), .rst(rst), .ce(1'b1), .acc(1'b0), .ab(ab), .c(c), .p(p)
            );
        end
    end
end

// the accumulating slices: a lane's field adds its (at most) two values to its accumulator
for (d = 0; d < ACC_SLICES; d = d + 1) begin : acc_slice
    /* verilator coverage_off */
    wire [47:0] ab, c, p;
    /* verilator coverage_on */
    for (f = 0; f < ACC_LANES; f = f + 1) begin : field
        localparam LN = d*ACC_LANES + f;
        if (LN < LANES) begin : g_lane
            assign ab[f*ACC_BITS +: ACC_BITS] = {{(ACC_BITS - LAST_BITS){1'b0}},
                                                 lvl[LAST].v[LN*LAST_N*LAST_BITS +: LAST_BITS]};
            if (LAST_N > 1) begin : g_two
                assign c[f*ACC_BITS +: ACC_BITS] = {{(ACC_BITS - LAST_BITS){1'b0}},
                                                    lvl[LAST].v[(LN*LAST_N + 1)*LAST_BITS +: LAST_BITS]};
            end else begin : g_one
                assign c[f*ACC_BITS +: ACC_BITS] = {ACC_BITS{1'b0}};
            end
            assign out_acc[LN*ACC_BITS +: ACC_BITS] = p[f*ACC_BITS +: ACC_BITS];
        end else begin : g_none
            assign ab[f*ACC_BITS +: ACC_BITS] = {ACC_BITS{1'b0}};
            assign c[f*ACC_BITS +: ACC_BITS] = {ACC_BITS{1'b0}};
        end
    end
    if (ACC_LANES*ACC_BITS < 48) begin : g_top
        assign ab[47:ACC_LANES*ACC_BITS] = 0;
        assign c[47:ACC_LANES*ACC_BITS] = 0;
    end
    dsp_add add (
        .clk(clk), .rst(rst), .ce(lvl[LAST].tag[0]), .acc(!lvl[LAST].tag[1]), .ab(ab), .c(c), .p(p)
    );
end
endgenerate

assign out_tag = lvl[LAST].tag;

endmodule

`resetall
