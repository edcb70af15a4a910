// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * add_streams: the element-wise sum of two channels-last streams, the join of a residual
 * block. A word of each input is taken together, when both are valid and the output queue has
 * room; element pe of the output is A[pe] + B[pe], each sign- or zero-extended to OUT_BITS.
 * Semantics: flow/ops/add_streams.py. One word per cycle; m_axis_tvalid comes from the queue's
 * registers, and each input's ready from the queue's count and the other input's valid.
 */
module add_streams #
(
    // elements per word
    parameter PE = 2,
    // width of an element of input A (s0), and whether it is two's complement (1)
    parameter A_BITS = 4,
    parameter A_SIGNED = 0,
    // width of an element of input B (s1), and whether it is two's complement (1)
    parameter B_BITS = 4,
    parameter B_SIGNED = 0,
    // width of an output element: holds every sum of the two
    parameter OUT_BITS = 5
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                    clk,
    input  wire                    rst,

    /*
     * AXI-Stream input A: PE elements of A_BITS, element 0 in the LSBs
     */
    input  wire [PE*A_BITS-1:0]    s0_axis_tdata,
    input  wire                    s0_axis_tvalid,
    output wire                    s0_axis_tready,

    /*
     * AXI-Stream input B: PE elements of B_BITS
     */
    input  wire [PE*B_BITS-1:0]    s1_axis_tdata,
    input  wire                    s1_axis_tvalid,
    output wire                    s1_axis_tready,

    /*
     * AXI-Stream output: PE elements of OUT_BITS
     */
    output wire [PE*OUT_BITS-1:0]  m_axis_tdata,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready
    /* verilator coverage_on */
);

wire [2:0] held;
wire room = held != 3'd4;
wire take = s0_axis_tvalid && s1_axis_tvalid && room;

assign s0_axis_tready = s1_axis_tvalid && room;
assign s1_axis_tready = s0_axis_tvalid && room;

wire [PE*OUT_BITS-1:0] sum;

genvar pe;
generate
    for (pe = 0; pe < PE; pe = pe + 1) begin : lane
        wire [A_BITS-1:0] a = s0_axis_tdata[pe*A_BITS +: A_BITS];
        wire [B_BITS-1:0] b = s1_axis_tdata[pe*B_BITS +: B_BITS];
        wire [OUT_BITS-1:0] a_wide = {{(OUT_BITS-A_BITS){A_SIGNED != 0 && a[A_BITS-1]}}, a};
        wire [OUT_BITS-1:0] b_wide = {{(OUT_BITS-B_BITS){B_SIGNED != 0 && b[B_BITS-1]}}, b};
        assign sum[pe*OUT_BITS +: OUT_BITS] = a_wide + b_wide;
    end
endgenerate

out_queue #(
    .WIDTH(PE*OUT_BITS)
) queue (
    .clk(clk),
    .rst(rst),
    .push(take),
    .push_data(sum),
    .count(held),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`resetall
