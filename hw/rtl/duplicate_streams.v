// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * duplicate_streams: one AXI-Stream sent on two. Each input word is offered on both outputs
 * and taken from the input once both have accepted it, in the same cycle or in different ones
 * (a flag per output remembers that it already took the word). Semantics:
 * flow/ops/duplicate_streams.py. One word per cycle. The input's ready follows the outputs'
 * readies (in the stitched design each is a FIFO's, from its registers).
 */
module duplicate_streams #
(
    // width of a word
    parameter WIDTH = 8
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire              clk,
    input  wire              rst,

    input  wire [WIDTH-1:0]  s_axis_tdata,
    input  wire              s_axis_tvalid,
    output wire              s_axis_tready,

    output wire [WIDTH-1:0]  m0_axis_tdata,
    output wire              m0_axis_tvalid,
    input  wire              m0_axis_tready,

    output wire [WIDTH-1:0]  m1_axis_tdata,
    output wire              m1_axis_tvalid,
    input  wire              m1_axis_tready
    /* verilator coverage_on */
);

// this output took the current input word already
reg taken0 = 1'b0;
reg taken1 = 1'b0;

wire done0 = taken0 || m0_axis_tready;
wire done1 = taken1 || m1_axis_tready;

assign s_axis_tready = done0 && done1;
assign m0_axis_tdata = s_axis_tdata;
assign m1_axis_tdata = s_axis_tdata;
assign m0_axis_tvalid = s_axis_tvalid && !taken0;
assign m1_axis_tvalid = s_axis_tvalid && !taken1;

always @(posedge clk) begin
    if (rst || (s_axis_tvalid && s_axis_tready)) begin
        taken0 <= 1'b0;
        taken1 <= 1'b0;
    end else if (s_axis_tvalid) begin
        taken0 <= done0;
        taken1 <= done1;
    end
end

endmodule

`resetall
