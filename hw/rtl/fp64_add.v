// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * fp64_add: IEEE 754 binary64 a + b or a - b, rounded to nearest, ties to even: bit for bit
 * C's double on x86-64 (SSE2). A free-running pipeline with no enable and no reset.
 * Latency: 4 cycles, fixed (instantiators rely on it): the result of the operands presented
 * in cycle t is on y and range_error in cycle t + 4.
 *
 * Contract: operands are +-0 and normal numbers; zeros signed as IEEE says (x + (-x) = +0,
 * -0 + -0 = -0). Outside it range_error is 1 in y's cycle and y is unspecified: a subnormal,
 * infinite or NaN operand, a nonzero result below 2^-1022 (such a sum is exact: it would be
 * subnormal), or a result that rounds to 2^1024 or more.
 *
 * Significands are 56 bits: hidden bit (55), fraction, guard, round and sticky bits (2:0).
 *   1 align      larger magnitude first; the other's significand shifted right by the
 *                exponent difference, what is shifted out ORed into the sticky bit
 *   2 add        sum or difference (57 bits), and its leading zero count
 *   3 normalise  shift left by that count; exponent, guard bit and sticky bit
 *   4 round      to nearest even on the packed exponent and fraction (a carry out of the
 *                fraction increments the exponent), range check
 * Three bits below the significand suffice: the sticky bit is set only when the exponents
 * differ by 4 or more, a difference then loses at most one leading bit, and the sticky bit
 * stays below the half-ulp position; with exponents 0 or 1 apart the sum is exact.
 */
module fp64_add
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire        clk,

    input  wire [63:0] a,
    input  wire [63:0] b,
    // 1: a - b, 0: a + b
    input  wire        subtract,

    // a + b or a - b, 4 cycles after the operands
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

// leading zeros of v, 57 when v is 0
function [5:0] leading_zeros(input [56:0] v);
    integer i;
    begin
        leading_zeros = 6'd57;
        for (i = 0; i < 57; i = i + 1) begin
            if (v[i]) begin
                leading_zeros = 6'd56 - i[5:0];
            end
        end
    end
endfunction

/*
 * Stage 1: align
 */
wire b_sign = b[63] ^ subtract;
// for normal numbers and zeros the order of the magnitudes is that of the bit patterns
wire a_first = a[62:0] >= b[62:0];
wire [10:0] exp_a = a[62:52];
wire [10:0] exp_b = b[62:52];
wire [55:0] sig_a = {exp_a != 11'd0, a[51:0], 3'b000};
wire [55:0] sig_b = {exp_b != 11'd0, b[51:0], 3'b000};
wire [55:0] sig_small = a_first ? sig_b : sig_a;
wire [10:0] exp_diff = a_first ? exp_a - exp_b : exp_b - exp_a;
// 56 or more shifts everything out: 63 does the same
wire [5:0] shift = exp_diff[10:6] != 5'd0 ? 6'd63 : exp_diff[5:0];
wire sticky = (sig_small & ~({56{1'b1}} << shift)) != 56'd0;

reg [55:0] big1 = 0;
reg [55:0] small1 = 0;
reg [10:0] exp1 = 0;
// sign of the larger magnitude: the sign of a nonzero result
reg sign1 = 1'b0;
// sign of a zero result: negative only for -0 + -0 (IEEE, rounding to nearest)
reg zero_sign1 = 1'b0;
reg sub1 = 1'b0;
reg bad1 = 1'b0;

always @(posedge clk) begin
    big1 <= a_first ? sig_a : sig_b;
    small1 <= (sig_small >> shift) | {55'd0, sticky};
    exp1 <= a_first ? exp_a : exp_b;
    sign1 <= a_first ? a[63] : b_sign;
    zero_sign1 <= a[63] && b_sign;
    sub1 <= a[63] != b_sign;
    bad1 <= out_of_contract(a[62:0]) || out_of_contract(b[62:0]);
end

/*
 * Stage 2: add
 */
wire [56:0] sum = sub1 ? {1'b0, big1} - {1'b0, small1} : {1'b0, big1} + {1'b0, small1};

// bit 56 of a nonzero sum shifted left by its leading zeros is 1: it is not kept
reg [55:0] sum2 = 0;
reg [5:0] lz2 = 0;
reg [10:0] exp2 = 0;
reg sign2 = 1'b0;
reg zero_sign2 = 1'b0;
reg bad2 = 1'b0;

always @(posedge clk) begin
    sum2 <= sum[55:0];
    lz2 <= leading_zeros(sum);
    exp2 <= exp1;
    sign2 <= sign1;
    zero_sign2 <= zero_sign1;
    bad2 <= bad1;
end

/*
 * Stage 3: normalise
 */
// the bits below the leading one
wire [55:0] norm = sum2 << lz2;
wire zero = lz2 == 6'd57;
// biased exponent of the leading one (bit 55 has exp2's), two's complement
wire [12:0] exp_n = {2'b00, exp2} + 13'd1 - {7'd0, lz2};
// below 2^-1022 (0 or negative), or 2^1024 and up, before rounding
wire exp_out = exp_n[12] || exp_n[11] || exp_n[10:0] == 11'd0 || &exp_n[10:0];

reg [51:0] frac3 = 0;
reg guard3 = 1'b0;
reg sticky3 = 1'b0;
reg [10:0] exp3 = 0;
reg zero3 = 1'b0;
reg sign3 = 1'b0;
reg bad3 = 1'b0;

always @(posedge clk) begin
    frac3 <= norm[55:4];
    guard3 <= norm[3];
    sticky3 <= norm[2:0] != 3'd0;
    exp3 <= exp_n[10:0];
    zero3 <= zero;
    sign3 <= zero ? zero_sign2 : sign2;
    bad3 <= bad2 || (!zero && exp_out);
end

/*
 * Stage 4: round
 */
wire round_up = guard3 && (sticky3 || frac3[0]);
wire [62:0] rounded = {exp3, frac3} + {62'd0, round_up};

reg [63:0] y4 = 0;
reg error4 = 1'b0;

always @(posedge clk) begin
    y4 <= {sign3, zero3 ? 63'd0 : rounded};
    // rounding up to exponent 2047: overflow
    error4 <= bad3 || (!zero3 && &rounded[62:52]);
end

assign y = y4;
assign range_error = error4;

endmodule

`resetall
