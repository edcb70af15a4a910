// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * add_chain: y = ((a if a_keep else 0) ^ a_flip) + (b ^ b_flip) + ci, W bits (wrapping), each
 * flip inverting every bit of its operand. With a flip and a carry-in, an operand is negated
 * (-v = ~v + 1), so adders of signed terms need no negation of their own (pm_tree).
 * For synthesis: per bit one LUT6_2 (O6 the carry chain's propagate, O5 its generate input),
 * then CARRY4s, the carry-in at the chain's start: a LUT per bit. Yosys maps the same
 * arithmetic to two LUTs per bit wherever an operand is logic (the chain's generate input is
 * then a LUT of its own), and does not pack the two into one LUT6_2 as Vivado does.
 * Elsewhere the arithmetic as written. tests/rtl/test_pm_tree.py proves the two equal.
 */
module add_chain #
(
    parameter W = 8
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire [W-1:0] a,
    input  wire         a_keep,
    input  wire         a_flip,
    input  wire [W-1:0] b,
    input  wire         b_flip,
    input  wire         ci,
    output wire [W-1:0] y
    /* verilator coverage_on */
);

`ifdef SYNTHESIS
// the LUT6_2's two tables over I4..I0 = {b_flip, b, a_flip, a_keep, a}: O5 the generate input
// (operand a as added), O6 the propagate (a ^ b as added); I5 = 1 selects O6's upper half
function [63:0] lut_init(input integer unused);
    integer v;
    reg ao, bo;
    begin
        lut_init = 64'd0;
        for (v = 0; v < 32; v = v + 1) begin
            ao = ((v & 1) != 0 && (v & 2) != 0) ^ ((v & 4) != 0);
            bo = ((v & 8) != 0) ^ ((v & 16) != 0);
            lut_init[v] = ao;
            lut_init[32 + v] = ao ^ bo;
        end
    end
endfunction
localparam [63:0] INIT = lut_init(0);
localparam BLOCKS = (W + 3) / 4;

wire [4*BLOCKS-1:0] s, di, o;
wire [4*BLOCKS:0] carry;
assign carry[0] = 1'b0;

genvar i;
generate
for (i = 0; i < 4*BLOCKS; i = i + 1) begin : bit_
    if (i < W) begin : g_lut
        LUT6_2 #(.INIT(INIT)) lut (
            .I0(a[i]), .I1(a_keep), .I2(a_flip), .I3(b[i]), .I4(b_flip), .I5(1'b1),
            .O6(s[i]), .O5(di[i])
        );
    end else begin : g_pad
        assign s[i] = 1'b0;
        assign di[i] = 1'b0;
    end
end
for (i = 0; i < BLOCKS; i = i + 1) begin : block
    wire [3:0] co;
    CARRY4 chain (
        .CI(carry[4*i]), .CYINIT(i == 0 ? ci : 1'b0),
        .DI(di[4*i +: 4]), .S(s[4*i +: 4]), .O(o[4*i +: 4]), .CO(co)
    );
    assign carry[4*(i+1)] = co[3];
end
endgenerate
assign y = o[W-1:0];
`else
assign y = ((a_keep ? a : {W{1'b0}}) ^ {W{a_flip}}) + (b ^ {W{b_flip}}) + {{(W-1){1'b0}}, ci};
`endif

endmodule

`resetall
