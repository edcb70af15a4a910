// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * concat_streams: two channels-last streams joined along channels. Per pixel, A_WORDS words of
 * input A (s0) then B_WORDS words of input B (s1) pass to the output, each element sign- or
 * zero-extended to OUT_BITS. Semantics: flow/ops/concat_streams.py. One word per cycle;
 * m_axis_tvalid comes from the output queue's registers, the inputs' readies from the queue's
 * count and the word counter.
 */
module concat_streams #
(
    // elements per word
    parameter PE = 2,
    // words of A, then of B, in one pixel
    parameter A_WORDS = 2,
    parameter B_WORDS = 1,
    // width of an element of A, and whether it is two's complement (1)
    parameter A_BITS = 4,
    parameter A_SIGNED = 0,
    // width of an element of B, and whether it is two's complement (1)
    parameter B_BITS = 4,
    parameter B_SIGNED = 0,
    // width of an output element: holds both operands' values
    parameter OUT_BITS = 4
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                    clk,
    input  wire                    rst,

    input  wire [PE*A_BITS-1:0]    s0_axis_tdata,
    input  wire                    s0_axis_tvalid,
    output wire                    s0_axis_tready,

    input  wire [PE*B_BITS-1:0]    s1_axis_tdata,
    input  wire                    s1_axis_tvalid,
    output wire                    s1_axis_tready,

    output wire [PE*OUT_BITS-1:0]  m_axis_tdata,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready
    /* verilator coverage_on */
);

localparam CW = $clog2(A_WORDS + B_WORDS + 1);
localparam integer WORDS_1 = A_WORDS + B_WORDS - 1;
localparam [CW-1:0] FIRST_B = A_WORDS[CW-1:0];
localparam [CW-1:0] LAST = WORDS_1[CW-1:0];

// the word of the pixel to send next: A's while below A_WORDS
reg [CW-1:0] word = 0;
wire from_b = word >= FIRST_B;

wire [2:0] held;
wire room = held != 3'd4;
wire take = room && (from_b ? s1_axis_tvalid : s0_axis_tvalid);

assign s0_axis_tready = room && !from_b;
assign s1_axis_tready = room && from_b;

wire [PE*OUT_BITS-1:0] joined;

genvar pe, i;
generate
    for (pe = 0; pe < PE; pe = pe + 1) begin : lane
        wire [A_BITS-1:0] a = s0_axis_tdata[pe*A_BITS +: A_BITS];
        wire [B_BITS-1:0] b = s1_axis_tdata[pe*B_BITS +: B_BITS];
        wire [OUT_BITS-1:0] a_wide;
        wire [OUT_BITS-1:0] b_wide;
        for (i = 0; i < OUT_BITS; i = i + 1) begin : extend
            if (i < A_BITS) begin : a_bit
                assign a_wide[i] = a[i];
            end else begin : a_sign
                assign a_wide[i] = A_SIGNED != 0 && a[A_BITS-1];
            end
            if (i < B_BITS) begin : b_bit
                assign b_wide[i] = b[i];
            end else begin : b_sign
                assign b_wide[i] = B_SIGNED != 0 && b[B_BITS-1];
            end
        end
        assign joined[pe*OUT_BITS +: OUT_BITS] = from_b ? b_wide : a_wide;
    end
endgenerate

always @(posedge clk) begin
    if (rst) begin
        word <= 0;
    end else if (take) begin
        word <= word == LAST ? 0 : word + 1'b1;
    end
end

out_queue #(
    .WIDTH(PE*OUT_BITS)
) queue (
    .clk(clk),
    .rst(rst),
    .push(take),
    .push_data(joined),
    .count(held),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`resetall
