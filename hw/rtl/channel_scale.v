// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * channel_scale: each channel of a channels-last stream times its own unsigned factor. A word
 * carries PE channels; words cycle through the C/PE channel folds, and fold cf reads word cf of
 * the factor ROM (field pe: the factor of channel cf*PE + pe). Semantics: flow/ops/channel_scale.py.
 * One word per cycle: a taken word and its factors (the ROM's registered read) meet in the next
 * cycle, whose product goes to the output queue; the input is taken while the queue has room for
 * it and the word in flight, so s_axis_tready and m_axis_tvalid come from registers only.
 */
module channel_scale #
(
    // channels
    parameter C = 4,
    // channels per word, divides C
    parameter PE = 2,
    // width of an input element, and whether it is two's complement (1)
    parameter IN_BITS = 4,
    parameter IN_SIGNED = 1,
    // width of a factor (unsigned)
    parameter K_BITS = 2,
    // width of an output element: holds every product, wider than IN_BITS and K_BITS
    parameter OUT_BITS = 6,
    // $readmemh file of the factors: word cf, field pe
    parameter FACTOR_FILE = ""
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                    clk,
    input  wire                    rst,

    input  wire [PE*IN_BITS-1:0]   s_axis_tdata,
    input  wire                    s_axis_tvalid,
    output wire                    s_axis_tready,

    output wire [PE*OUT_BITS-1:0]  m_axis_tdata,
    output wire                    m_axis_tvalid,
    input  wire                    m_axis_tready
    /* verilator coverage_on */
);

localparam NF = C / PE;
localparam FB = NF > 1 ? $clog2(NF) : 1;
localparam integer LAST_I = NF - 1;
localparam [FB-1:0] LAST = LAST_I[FB-1:0];

reg [FB-1:0] fold = 0;
reg [PE*IN_BITS-1:0] x = 0;
reg in_flight = 1'b0;
wire [PE*K_BITS-1:0] factors;
wire [2:0] held;

assign s_axis_tready = {1'b0, held} + {3'b000, in_flight} < 4'd4;
wire take = s_axis_tvalid && s_axis_tready;

rom #(
    .WIDTH(PE*K_BITS),
    .DEPTH(NF),
    .FILE(FACTOR_FILE),
    .STYLE("distributed")
) factor_rom (
    .clk(clk),
    .addr(fold),
    .data(factors)
);

always @(posedge clk) begin
    if (take) begin
        x <= s_axis_tdata;
    end
end

always @(posedge clk) begin
    if (rst) begin
        fold <= 0;
        in_flight <= 1'b0;
    end else begin
        in_flight <= take;
        if (take) begin
            fold <= fold == LAST ? 0 : fold + 1'b1;
        end
    end
end

wire [PE*OUT_BITS-1:0] products;

// OUT_BITS holds every product and exceeds both operands' widths (flow/lower.py makes it so)
genvar pe;
generate
    for (pe = 0; pe < PE; pe = pe + 1) begin : lane
        wire signed [IN_BITS:0] value = {IN_SIGNED != 0 && x[pe*IN_BITS + IN_BITS - 1], x[pe*IN_BITS +: IN_BITS]};
        wire signed [K_BITS:0] factor = {1'b0, factors[pe*K_BITS +: K_BITS]};
        wire signed [OUT_BITS-1:0] product = value * factor;
        assign products[pe*OUT_BITS +: OUT_BITS] = product;
    end
endgenerate

out_queue #(
    .WIDTH(PE*OUT_BITS)
) queue (
    .clk(clk),
    .rst(rst),
    .push(in_flight),
    .push_data(products),
    .count(held),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`resetall
