// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * pm_tree: LANES sums of N values each added or subtracted (a binary MVAU's dot product: an
 * input times a weight of +-1), as a tree of add_chain adders, a register after every level.
 * A subtracted value is added as its ones' complement and owes a carry-in of 1: an adder
 * takes its left operand's debt as its carry-in and passes the right one's up, where another
 * adder's carry-in pays it. So each adder is one LUT a bit with no negation of its own, and
 * one debt per lane is left at the root, which mvau.v's accumulator pays with its carry-in.
 * Latency: max(1, clog2(N)) cycles.
 */
module pm_tree #
(
    parameter LANES = 1,
    parameter N = 4,
    // width of a value
    parameter IN_BITS = 8,
    // values are two's complement (1) or unsigned (0)
    parameter IN_SIGNED = 0,
    // width of a sum: the exact sum is extended to it, or wrapped when narrower
    parameter OUT_BITS = 12,
    parameter TAG_BITS = 1
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                       clk,
    input  wire                       rst,
    // lane l, value i at [(l*N + i)*IN_BITS +: IN_BITS]; its sign at in_neg[l*N + i] (1: subtract)
    input  wire [LANES*N*IN_BITS-1:0] in_data,
    input  wire [LANES*N-1:0]         in_neg,
    input  wire [TAG_BITS-1:0]        in_tag,
    // lane l's sum is (out_data ^ out_flip) + out_carry, out_data at [l*OUT_BITS +: OUT_BITS]
    // (out_flip: a single value, N = 1, that is subtracted)
    output wire [LANES*OUT_BITS-1:0]  out_data,
    output wire [LANES-1:0]           out_flip,
    output wire [LANES-1:0]           out_carry,
    output wire [TAG_BITS-1:0]        out_tag
    /* verilator coverage_on */
);

localparam LEVELS = N > 1 ? $clog2(N) : 1;
// a value with room for its negation, then one bit more per level
localparam W0 = IN_BITS + 1;
localparam SUM_BITS = W0 + LEVELS;

initial begin
    if (LANES < 1 || N < 1 || IN_BITS < 1 || OUT_BITS < 1 || TAG_BITS < 1) begin
        $error("pm_tree: LANES, N, IN_BITS, OUT_BITS, TAG_BITS must be >= 1");
        $finish;
    end
end

genvar l, ln, k;
generate
for (l = 0; l <= LEVELS; l = l + 1) begin : lvl
    localparam NL = (N + (1 << l) - 1) >> l;
    localparam WL = W0 + l;
    wire [TAG_BITS-1:0] tag;
    if (l == 0) begin : g_in
        assign tag = in_tag;
    end else begin : g_reg
        reg [TAG_BITS-1:0] tag_reg = 0;
        always @(posedge clk) begin
            tag_reg <= rst ? {TAG_BITS{1'b0}} : lvl[l-1].tag;
        end
        assign tag = tag_reg;
    end
    for (ln = 0; ln < LANES; ln = ln + 1) begin : lane
        for (k = 0; k < NL; k = k + 1) begin : node
            // the node: its value as stored, whether that is to be complemented (a value that
            // has passed up alone), and its debt; a value starts complemented and in debt
            // where it is subtracted. Other names of the inputs or of the level's registers, so
            // toggle activity counts them there
            // other names of the inputs or of the level's registers, so toggle activity counts them there
            /* verilator coverage_off */
            wire [WL-1:0] v;
            wire flip;
            wire debt;
            /* verilator coverage_on */
            if (l == 0) begin : g_in
                /* verilator coverage_off */
                wire [IN_BITS-1:0] x = in_data[(ln*N + k)*IN_BITS +: IN_BITS];
                /* verilator coverage_on */
                assign v = {IN_SIGNED != 0 && x[IN_BITS-1], x};
                assign flip = in_neg[ln*N + k];
                assign debt = in_neg[ln*N + k];
            end else begin : g_level
                localparam NP = (N + (1 << (l - 1)) - 1) >> (l - 1);
                /* verilator coverage_off */
                wire [WL-2:0] a = lvl[l-1].lane[ln].node[2*k].v;
                /* verilator coverage_on */
                wire [WL-1:0] sum;
                /* verilator coverage_off */
                wire sum_flip;
                wire sum_debt;
                /* verilator coverage_on */
                if (2*k + 1 < NP) begin : g_pair
                    // the left operand's debt is this adder's carry-in, the right's moves up
                    /* verilator coverage_off */
                    wire [WL-2:0] b = lvl[l-1].lane[ln].node[2*k + 1].v;
                    /* verilator coverage_on */
                    add_chain #(.W(WL)) add (
                        .a({a[WL-2], a}), .a_keep(1'b1), .a_flip(lvl[l-1].lane[ln].node[2*k].flip),
                        .b({b[WL-2], b}), .b_flip(lvl[l-1].lane[ln].node[2*k + 1].flip),
                        .ci(lvl[l-1].lane[ln].node[2*k].debt), .y(sum)
                    );
                    assign sum_flip = 1'b0;
                    assign sum_debt = lvl[l-1].lane[ln].node[2*k + 1].debt;
                end else begin : g_single
                    assign sum = {a[WL-2], a};
                    assign sum_flip = lvl[l-1].lane[ln].node[2*k].flip;
                    assign sum_debt = lvl[l-1].lane[ln].node[2*k].debt;
                end
                reg [WL-1:0] v_reg = 0;
                reg flip_reg = 1'b0;
                reg debt_reg = 1'b0;
                always @(posedge clk) begin
                    v_reg <= sum;
                    flip_reg <= sum_flip;
                    debt_reg <= sum_debt;
                end
                assign v = v_reg;
                assign flip = flip_reg;
                assign debt = debt_reg;
            end
        end
    end
end

for (ln = 0; ln < LANES; ln = ln + 1) begin : out_lane
    /* verilator coverage_off */
    wire [SUM_BITS-1:0] s = lvl[LEVELS].lane[ln].node[0].v;
    /* verilator coverage_on */
    if (OUT_BITS > SUM_BITS) begin : g_extend
        assign out_data[ln*OUT_BITS +: OUT_BITS] = {{(OUT_BITS - SUM_BITS){s[SUM_BITS-1]}}, s};
    end else begin : g_wrap
        assign out_data[ln*OUT_BITS +: OUT_BITS] = s[OUT_BITS-1:0];
    end
    assign out_flip[ln] = lvl[LEVELS].lane[ln].node[0].flip;
    assign out_carry[ln] = lvl[LEVELS].lane[ln].node[0].debt;
end
endgenerate

assign out_tag = lvl[LEVELS].tag;

endmodule

`resetall
