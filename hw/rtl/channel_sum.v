// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * channel_sum: per channel, the sum of K consecutive terms, each the input value times its
 * weight (a depthwise convolution's window, after a sliding window) or the value itself (a global
 * average pool's map, whose division by K the next thresholds take).
 *
 * Input: vectors of K terms x C channels, C/PE words per term, back to back; output: C sums a
 * vector, C/PE words of PE sums of OUT_BITS two's complement (unsigned when neither input nor
 * weights are signed; OUT_BITS holds every sum). Term k of channel group cf takes weight word
 * k*C/PE + cf of WEIGHT_FILE (PE weights of W_BITS); without a file every weight is 1.
 *
 * A memory of C/PE words holds the running sums. Each input word reads its sums and its weights
 * (registered reads, issued when the word is accepted), adds its products in the next cycle (the
 * first term starts from 0) and writes the sums back; a write-to-read forward covers back-to-back
 * words of the same channels (C/PE = 1). The last term's sums go to a 4-word output queue.
 * s_axis_tready depends only on registers: it reserves queue room for the word in flight, so one
 * input word is accepted per cycle while the output keeps up.
 */
module channel_sum #
(
    // terms per sum (kernel positions, or pixels)
    parameter K = 4,
    // channels
    parameter C = 1,
    // channels per stream word
    parameter PE = 1,
    // bits per input value
    parameter IN_BITS = 1,
    // 1: two's complement inputs, 0: unsigned
    parameter IN_SIGNED = 0,
    // bits per weight
    parameter W_BITS = 1,
    // 1: two's complement weights, 0: unsigned
    parameter W_SIGNED = 0,
    // $readmemh file of the K*C/PE weight words; "" = every weight 1
    parameter WEIGHT_FILE = "",
    // weight memory: "block" or "distributed"
    parameter WEIGHT_RAM_STYLE = "distributed",
    // bits per sum
    parameter OUT_BITS = 2
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                  clk,
    input  wire                  rst,

    /*
     * AXI-Stream input: term by term, channels fastest
     */
    input  wire [PE*IN_BITS-1:0] s_axis_tdata,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,

    /*
     * AXI-Stream output: the sums, channels in order
     */
    output wire [PE*OUT_BITS-1:0] m_axis_tdata,
    output wire                   m_axis_tvalid,
    input  wire                   m_axis_tready
    /* verilator coverage_on */
);

localparam WIDTH = PE * OUT_BITS;
// words per term
localparam CF = C / PE;
localparam CFB = CF > 1 ? $clog2(CF) : 1;
localparam KB = K > 1 ? $clog2(K) : 1;
localparam WORDS = K * CF;
localparam WB = WORDS > 1 ? $clog2(WORDS) : 1;
localparam WEIGHTED = WEIGHT_FILE != "";
localparam QDEPTH = 4;

// sized constants (integer values, then their low bits)
localparam integer CF_M1_I = CF - 1;
localparam integer K_M1_I = K - 1;
localparam integer WORDS_M1_I = WORDS - 1;
localparam integer QDEPTH_I = QDEPTH;
localparam [CFB-1:0] CF_M1 = CF_M1_I[CFB-1:0];
localparam [KB-1:0] K_M1 = K_M1_I[KB-1:0];
localparam [WB-1:0] WORDS_M1 = WORDS_M1_I[WB-1:0];
localparam [2:0] QDEPTH_Q = QDEPTH_I[2:0];

initial begin
    if (PE < 1 || C < 1 || C % PE != 0) begin
        $error("channel_sum: PE=%0d must divide C=%0d", PE, C);
        $finish;
    end
    if (K < 1 || IN_BITS < 1 || W_BITS < 1 || OUT_BITS < IN_BITS) begin
        $error("channel_sum: need K >= 1, W_BITS >= 1 and OUT_BITS >= IN_BITS >= 1 (K=%0d, IN_BITS=%0d, OUT_BITS=%0d)",
               K, IN_BITS, OUT_BITS);
        $finish;
    end
    if (IN_SIGNED != 0 && IN_SIGNED != 1 || W_SIGNED != 0 && W_SIGNED != 1) begin
        $error("channel_sum: IN_SIGNED and W_SIGNED must be 0 or 1 (got %0d, %0d)", IN_SIGNED, W_SIGNED);
        $finish;
    end
end

// the running sums in LUTs (the estimate's style, which synthesis follows rather than choosing
// block RAM by its own costs)
(* ram_style = "distributed" *)
reg [WIDTH-1:0] mem [0:CF-1];

/*
 * Input position
 */
reg [CFB-1:0] cf = 0;
reg [KB-1:0] k = 0;
reg [WB-1:0] word = 0;       // k * CF + cf: the weight word

/*
 * Stage 1: the accepted word, its running sums read from memory, and the addition
 */
reg s1_valid = 1'b0;
reg [PE*IN_BITS-1:0] s1_data = 0;
reg [CFB-1:0] s1_cf = 0;
reg s1_first = 1'b0;   // first term: the sums start from 0
reg s1_last = 1'b0;    // last term: the sums go out
reg [WIDTH-1:0] rd_data = 0;
reg fwd = 1'b0;        // the sums were written in the cycle they were read: use fwd_data
reg [WIDTH-1:0] fwd_data = 0;

wire [WIDTH-1:0] running = s1_first ? {WIDTH{1'b0}} : fwd ? fwd_data : rd_data;
wire [WIDTH-1:0] summed;

genvar lane;
generate
if (WEIGHTED) begin : g_weighted
    // the weights of the accepted word, read with it
    wire [PE*W_BITS-1:0] weights;
    rom #(
        .WIDTH(PE*W_BITS),
        .DEPTH(WORDS),
        .FILE(WEIGHT_FILE),
        .STYLE(WEIGHT_RAM_STYLE)
    )
    weight_rom (
        .clk(clk),
        .addr(word),
        .data(weights)
    );
    for (lane = 0; lane < PE; lane = lane + 1) begin : lanes
        wire signed [IN_BITS:0] x = {IN_SIGNED != 0 && s1_data[lane*IN_BITS + IN_BITS - 1],
                                     s1_data[lane*IN_BITS +: IN_BITS]};
        wire signed [W_BITS:0] w = {W_SIGNED != 0 && weights[lane*W_BITS + W_BITS - 1],
                                    weights[lane*W_BITS +: W_BITS]};
        wire signed [OUT_BITS-1:0] product = x * w;
        assign summed[lane*OUT_BITS +: OUT_BITS] = running[lane*OUT_BITS +: OUT_BITS] + product;
    end
end else begin : g_unit
    for (lane = 0; lane < PE; lane = lane + 1) begin : lanes
        wire [IN_BITS-1:0] x = s1_data[lane*IN_BITS +: IN_BITS];
        wire [OUT_BITS-1:0] x_ext = {{(OUT_BITS - IN_BITS){IN_SIGNED != 0 && x[IN_BITS-1]}}, x};
        assign summed[lane*OUT_BITS +: OUT_BITS] = running[lane*OUT_BITS +: OUT_BITS] + x_ext;
    end
end
endgenerate

wire push = s1_valid && s1_last;

/*
 * Output queue
 */
wire [2:0] q_count;
out_queue #(
    .WIDTH(WIDTH)
)
queue (
    .clk(clk),
    .rst(rst),
    .push(push),
    .push_data(summed),
    .count(q_count),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

// room for the word in stage 1 and the one accepted now, whatever the output does
assign s_axis_tready = q_count + {2'b00, push} < QDEPTH_Q;
wire fire = s_axis_tvalid && s_axis_tready;

always @(posedge clk) begin
    if (fire) begin
        rd_data <= mem[cf];
        s1_data <= s_axis_tdata;
        s1_cf <= cf;
        s1_first <= k == 0;
        s1_last <= k == K_M1;
        fwd <= s1_valid && s1_cf == cf;
        fwd_data <= summed;
    end
    if (s1_valid) begin
        mem[s1_cf] <= summed;
    end
end

always @(posedge clk) begin
    if (rst) begin
        s1_valid <= 1'b0;
        cf <= 0;
        k <= 0;
        word <= 0;
    end else begin
        s1_valid <= fire;
        if (fire) begin
            word <= word == WORDS_M1 ? {WB{1'b0}} : word + 1'b1;
            if (cf == CF_M1) begin
                cf <= 0;
                k <= k == K_M1 ? {KB{1'b0}} : k + 1'b1;
            end else begin
                cf <= cf + 1'b1;
            end
        end
    end
end

endmodule

`resetall
