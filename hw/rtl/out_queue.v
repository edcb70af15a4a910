// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * out_queue: the 4-word output queue of an op whose words come out of a pipeline that cannot
 * stall (a registered memory read, a read-modify-write): the parent pushes a word whenever its
 * pipeline delivers one and accepts new work only while `count` leaves room for what is in
 * flight, so its ready depends on registers alone. Shared by maxpool, upscale and channel_sum.
 */
module out_queue #
(
    parameter WIDTH = 8
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire             clk,
    input  wire             rst,

    input  wire             push,
    input  wire [WIDTH-1:0] push_data,
    // words held: the parent's room check
    output reg  [2:0]       count = 0,

    output wire [WIDTH-1:0] m_axis_tdata,
    output wire             m_axis_tvalid,
    input  wire             m_axis_tready
    /* verilator coverage_on */
);

reg [WIDTH-1:0] words [0:3];
reg [1:0] wr = 0;
reg [1:0] rd = 0;

wire pop = m_axis_tvalid && m_axis_tready;

assign m_axis_tvalid = count != 3'd0;
assign m_axis_tdata = words[rd];

always @(posedge clk) begin
    if (push) begin
        words[wr] <= push_data;
    end
end

always @(posedge clk) begin
    if (rst) begin
        wr <= 0;
        rd <= 0;
        count <= 0;
    end else begin
        if (push) begin
            wr <= wr + 1'b1;
        end
        if (pop) begin
            rd <= rd + 1'b1;
        end
        count <= count + {2'b00, push} - {2'b00, pop};
    end
end

endmodule

`resetall
