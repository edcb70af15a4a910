// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * fp64_mul: IEEE 754 binary64 a * b, rounded to nearest, ties to even: bit for bit C's
 * double on x86-64 (SSE2). A free-running pipeline with no enable and no reset.
 * Latency: 4 cycles, fixed (instantiators rely on it): the product of the operands presented
 * in cycle t is on y and range_error in cycle t + 4.
 *
 * Contract: operands are +-0 and normal numbers; a zero product's sign is the XOR of the
 * signs. Outside it range_error is 1 in y's cycle and y is unspecified: a subnormal, infinite
 * or NaN operand, a nonzero exact product below 2^-1022 (also the few that IEEE would round
 * up to 2^-1022), or a product that rounds to 2^1024 or more.
 *
 *   1 operands   significands (hidden bit included) registered, exponent sum, sign
 *   2 product    the 106-bit significand product (DSP48 multipliers)
 *   3 product    registered again: synthesis may move both registers into the DSP48s
 *   4 round      normalise (the product is in [1, 4): a shift of 0 or 1), guard and sticky
 *                bits, round to nearest even on the packed exponent and fraction (a carry out
 *                of the fraction increments the exponent), range check
 */
module fp64_mul
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire        clk,

    input  wire [63:0] a,
    input  wire [63:0] b,

    // a * b, 4 cycles after the operands
    output wire [63:0] y,
    // y is outside the contract (above)
    output wire        range_error
    /* verilator coverage_on */
);

// a subnormal, infinite or NaN operand (its magnitude bits)
function out_of_contract(input [62:0] x);
    begin
        out_of_contract = &x[62:52] || (x[62:52] == 11'd0 && x[51:0] != 52'd0);
    end
endfunction

/*
 * Stage 1: operands
 */
reg [52:0] sig_a1 = 0;
reg [52:0] sig_b1 = 0;
// biased exponent of a product in [1, 2), two's complement
reg [12:0] exp1 = 0;
reg sign1 = 1'b0;
reg zero1 = 1'b0;
reg bad1 = 1'b0;

always @(posedge clk) begin
    sig_a1 <= {a[62:52] != 11'd0, a[51:0]};
    sig_b1 <= {b[62:52] != 11'd0, b[51:0]};
    exp1 <= {2'b00, a[62:52]} + {2'b00, b[62:52]} - 13'd1023;
    sign1 <= a[63] ^ b[63];
    zero1 <= a[62:0] == 63'd0 || b[62:0] == 63'd0;
    bad1 <= out_of_contract(a[62:0]) || out_of_contract(b[62:0]);
end

/*
 * Stages 2 and 3: product
 */
wire [105:0] product = sig_a1 * sig_b1;

reg [105:0] prod2 = 0;
reg [105:0] prod3 = 0;
// the exponent sum, sign, zero and contract flags beside the product
reg [15:0] beside2 = 0;
reg [15:0] beside3 = 0;

always @(posedge clk) begin
    prod2 <= product;
    prod3 <= prod2;
    beside2 <= {exp1, sign1, zero1, bad1};
    beside3 <= beside2;
end

wire [12:0] exp3 = beside3[15:3];
wire sign3 = beside3[2];
wire zero3 = beside3[1];
wire bad3 = beside3[0];

/*
 * Stage 4: normalise and round
 */
// a product in [2, 4): one more in the exponent, one more bit below the fraction
wire high = prod3[105];
wire [51:0] frac = high ? prod3[104:53] : prod3[103:52];
wire guard = high ? prod3[52] : prod3[51];
wire sticky = prod3[50:0] != 51'd0 || (high && prod3[51]);
wire [12:0] exp_n = exp3 + {12'd0, high};
// below 2^-1022 (0 or negative), or 2^1024 and up, before rounding
wire exp_out = exp_n[12] || exp_n[11] || exp_n[10:0] == 11'd0 || &exp_n[10:0];
wire round_up = guard && (sticky || frac[0]);
wire [62:0] rounded = {exp_n[10:0], frac} + {62'd0, round_up};

reg [63:0] y4 = 0;
reg error4 = 1'b0;

always @(posedge clk) begin
    y4 <= {sign3, zero3 ? 63'd0 : rounded};
    // rounding up to exponent 2047: overflow
    error4 <= bad3 || (!zero3 && (exp_out || &rounded[62:52]));
end

assign y = y4;
assign range_error = error4;

endmodule

`resetall
