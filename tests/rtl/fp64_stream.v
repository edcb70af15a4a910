// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * fp64_stream: test fixture for fp64_add and fp64_mul (tests/rtl/test_fp64_units.py). Input
 * words {op, a, b} (op 0: a + b, 1: a - b, 2: a * b), output words {range_error, y}.
 * Both units run free; a word issues only while credit_fifo has room for its result, so
 * output back-pressure loses nothing.
 */
module fp64_stream
(
    input  wire          clk,
    input  wire          rst,

    /*
     * AXI-Stream input: b in bits 63:0, a in 127:64, op in 129:128
     */
    input  wire [129:0]  s_axis_tdata,
    input  wire          s_axis_tvalid,
    output wire          s_axis_tready,

    /*
     * AXI-Stream output: y in bits 63:0, range_error in bit 64
     */
    output wire [64:0]   m_axis_tdata,
    output wire          m_axis_tvalid,
    input  wire          m_axis_tready
);

// the units' latency
localparam LATENCY = 4;
// a credit returns LATENCY + 3 cycles after its word issued (FIFO write, FIFO read, handshake)
localparam CREDITS = LATENCY + 3;

wire credit_ok;
wire issue = s_axis_tvalid && credit_ok;

assign s_axis_tready = credit_ok;

wire [63:0] b = s_axis_tdata[63:0];
wire [63:0] a = s_axis_tdata[127:64];
wire [1:0] op = s_axis_tdata[129:128];

wire [63:0] sum;
wire sum_error;
wire [63:0] product;
wire product_error;

fp64_add add (
    .clk(clk),
    .a(a),
    .b(b),
    .subtract(op == 2'd1),
    .y(sum),
    .range_error(sum_error)
);

fp64_mul mul (
    .clk(clk),
    .a(a),
    .b(b),
    .y(product),
    .range_error(product_error)
);

// which unit's result, and whether a word issued, LATENCY cycles ago
reg [LATENCY-1:0] is_mul = 0;
reg [LATENCY-1:0] valid = 0;

always @(posedge clk) begin
    is_mul <= {is_mul[LATENCY-2:0], op == 2'd2};
    if (rst) begin
        valid <= 0;
    end else begin
        valid <= {valid[LATENCY-2:0], issue};
    end
end

wire last_mul = is_mul[LATENCY-1];

credit_fifo #(
    .WIDTH(65),
    .CREDITS(CREDITS)
)
out_fifo (
    .clk(clk),
    .rst(rst),
    .take(issue),
    .credit_ok(credit_ok),
    .in_data(last_mul ? {product_error, product} : {sum_error, sum}),
    .in_valid(valid[LATENCY-1]),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`resetall
