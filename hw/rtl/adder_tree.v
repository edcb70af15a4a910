// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * adder_tree: LANES independent sums of N addends each, as a balanced binary tree of adders
 * whose widths grow by one bit per level, with a pipeline register every LEVELS_PER_REG
 * levels and after the last level. No handshake: it advances every cycle, and a tag
 * (sideband bits, reset to 0; a valid bit among them) travels with the data.
 * Latency: max(1, ceil(clog2(N) / LEVELS_PER_REG)) cycles (N = 1: one register).
 * Shared by mvau (dot products, popcounts) and threshold_unit (threshold counts).
 */
module adder_tree #
(
    // independent sums computed side by side
    parameter LANES = 1,
    // addends per sum
    parameter N = 4,
    // width of one addend in bits
    parameter IN_BITS = 1,
    // addends are two's complement (1) or unsigned (0)
    parameter SIGNED = 0,
    // width of a sum: the exact sum is extended to it, or wrapped when narrower
    parameter OUT_BITS = 3,
    // adder levels between pipeline registers
    parameter LEVELS_PER_REG = 3,
    // sideband bits delayed along with the data
    parameter TAG_BITS = 1
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                      clk,
    input  wire                      rst,

    // lane l, addend i at [(l*N + i)*IN_BITS +: IN_BITS]
    input  wire [LANES*N*IN_BITS-1:0] in_data,
    input  wire [TAG_BITS-1:0]        in_tag,

    // lane l at [l*OUT_BITS +: OUT_BITS]
    output wire [LANES*OUT_BITS-1:0]  out_data,
    output wire [TAG_BITS-1:0]        out_tag
    /* verilator coverage_on */
);

// adder levels; a single addend still passes one (registered) level
localparam LEVELS = N > 1 ? $clog2(N) : 1;
// exact width of a sum
localparam SUM_BITS = IN_BITS + LEVELS;

initial begin
    if (LANES < 1 || N < 1 || IN_BITS < 1 || OUT_BITS < 1 || TAG_BITS < 1) begin
        $error("adder_tree: LANES, N, IN_BITS, OUT_BITS, TAG_BITS must be >= 1");
        $finish;
    end
    if (LEVELS_PER_REG < 1) begin
        $error("adder_tree: LEVELS_PER_REG must be >= 1 (got %0d)", LEVELS_PER_REG);
        $finish;
    end
end

genvar l, ln, k;
generate
for (l = 0; l <= LEVELS; l = l + 1) begin : lvl
    // a register after this level
    localparam REG = l > 0 && (l % LEVELS_PER_REG == 0 || l == LEVELS);
    wire [TAG_BITS-1:0] tag;

    if (l == 0) begin : g_in
        assign tag = in_tag;
    end else if (REG) begin : g_reg
        reg [TAG_BITS-1:0] tag_reg = 0;
        always @(posedge clk) begin
            if (rst) begin
                tag_reg <= 0;
            end else begin
                tag_reg <= lvl[l-1].tag;
            end
        end
        assign tag = tag_reg;
    end else begin : g_comb
        assign tag = lvl[l-1].tag;
    end

    // each node a signal of its own (not a field of a level-wide vector), so a simulator
    // handles it as one small number
    for (ln = 0; ln < LANES; ln = ln + 1) begin : lane
        // nodes per lane and node width at this level
        localparam NL = (N + (1 << l) - 1) >> l;
        localparam WL = IN_BITS + l;
        for (k = 0; k < NL; k = k + 1) begin : node
            // the node (after its register, if it has one): another name of in_data's field, of the
            // sum or of its register, so toggle activity counts it there
            /* verilator coverage_off */
            wire [WL-1:0] v;
            /* verilator coverage_on */
            if (l == 0) begin : g_in
                assign v = in_data[(ln*N + k)*IN_BITS +: IN_BITS];
            end else begin : g_add
                // nodes of the level below, NP per lane
                localparam NP = (N + (1 << (l - 1)) - 1) >> (l - 1);
                /* verilator coverage_off */
                wire [WL-2:0] a = lvl[l-1].lane[ln].node[2*k].v;
                wire a_ext = SIGNED != 0 && a[WL-2];
                /* verilator coverage_on */
                wire [WL-1:0] sum;
                if (2*k + 1 < NP) begin : g_pair
                    /* verilator coverage_off */
                    wire [WL-2:0] b = lvl[l-1].lane[ln].node[2*k + 1].v;
                    wire b_ext = SIGNED != 0 && b[WL-2];
                    /* verilator coverage_on */
                    assign sum = {a_ext, a} + {b_ext, b};
                end else begin : g_single
                    assign sum = {a_ext, a};
                end
                if (REG) begin : g_reg
                    reg [WL-1:0] data_reg = 0;
                    always @(posedge clk) begin
                        data_reg <= sum;
                    end
                    assign v = data_reg;
                end else begin : g_comb
                    assign v = sum;
                end
            end
        end
    end
end

for (ln = 0; ln < LANES; ln = ln + 1) begin : out_lane
    // bits above OUT_BITS are dropped when the sum wraps
    /* verilator coverage_off */
    wire [SUM_BITS-1:0] s = lvl[LEVELS].lane[ln].node[0].v;
    /* verilator coverage_on */
    if (OUT_BITS > SUM_BITS) begin : g_extend
        assign out_data[ln*OUT_BITS +: OUT_BITS] =
            {{(OUT_BITS - SUM_BITS){SIGNED != 0 && s[SUM_BITS-1]}}, s};
    end else begin : g_wrap
        assign out_data[ln*OUT_BITS +: OUT_BITS] = s[OUT_BITS-1:0];
    end
end
endgenerate

assign out_tag = lvl[LEVELS].tag;

endmodule

`resetall
