// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * fp64_lerp: p + (q - p) * w in IEEE 754 binary64, each step rounded to nearest even as C's
 * double rounds it (no fused multiply-add): Pillow's bilinear interpolation, upper + (lower -
 * upper) * weight. A free-running pipeline of fp64_add, fp64_mul, fp64_add with no enable and no
 * reset. Latency: 12 cycles, fixed (instantiators rely on it); range_error (any of the three
 * units' contract left) comes with y.
 */
module fp64_lerp
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire        clk,

    input  wire [63:0] p,
    input  wire [63:0] q,
    input  wire [63:0] w,

    // p + (q - p) * w, 12 cycles after the operands
    output wire [63:0] y,
    output wire        range_error
    /* verilator coverage_on */
);

// each unit's latency (fp64_add, fp64_mul)
localparam UNIT = 4;

// p beside the difference and the product; w beside the difference; the first two units'
// errors beside the rest
reg [63:0] p_delay [0:2 * UNIT-1];
reg [63:0] w_delay [0:UNIT-1];
reg [2 * UNIT-1:0] difference_errors = 0;
reg [UNIT-1:0] product_errors = 0;
wire [63:0] difference, product;
wire difference_error, product_error, sum_error;
integer i;

always @(posedge clk) begin
    p_delay[0] <= p;
    w_delay[0] <= w;
    for (i = 1; i < 2 * UNIT; i = i + 1) begin
        p_delay[i] <= p_delay[i-1];
    end
    for (i = 1; i < UNIT; i = i + 1) begin
        w_delay[i] <= w_delay[i-1];
    end
    difference_errors <= {difference_errors[2 * UNIT-2:0], difference_error};
    product_errors <= {product_errors[UNIT-2:0], product_error};
end

fp64_add span (.clk(clk), .a(q), .b(p), .subtract(1'b1), .y(difference), .range_error(difference_error));
fp64_mul scale (.clk(clk), .a(difference), .b(w_delay[UNIT-1]), .y(product), .range_error(product_error));
fp64_add offset (.clk(clk), .a(p_delay[2 * UNIT-1]), .b(product), .subtract(1'b0), .y(y), .range_error(sum_error));

assign range_error = sum_error || difference_errors[2 * UNIT-1] || product_errors[UNIT-1];

endmodule

`resetall
