// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * maxpool: streaming K x K max pooling with stride K of a channels-last feature map.
 *
 * Input: frames of IFM_H rows x IFM_W pixels x C channels, C/PE words per pixel, back to
 * back; output: (IFM_H/K) x (IFM_W/K) pixels, C/PE words each. Rows and columns past the last
 * whole window are consumed and dropped (floor mode). SIGNED selects a two's complement
 * compare; bipolar values arrive as bits with SIGNED = 0, so their max is the OR.
 *
 * A memory of OW*C/PE words holds the partial maxima of the current output row. Each input
 * word reads its partial (a registered read, issued when the word is accepted), combines it
 * in the next cycle and writes it back; a write-to-read forward covers back-to-back words of
 * the same window (C/PE = 1). The last word of a window goes to a 4-word output queue.
 * s_axis_tready depends only on registers: it reserves queue room for the words in flight,
 * so one input word is accepted per cycle while the output keeps up.
 */
module maxpool #
(
    // input feature map rows
    parameter IFM_H = 4,
    // input feature map columns
    parameter IFM_W = 4,
    // channels
    parameter C = 1,
    // pooling window and stride
    parameter K = 2,
    // channels per stream word
    parameter PE = 1,
    // bits per channel value
    parameter BITS = 1,
    // 1: two's complement values, 0: unsigned (and bipolar bits)
    parameter SIGNED = 0,
    // partial-maxima memory: "auto", "distributed" (LUTRAM) or "block" (BRAM); synthesis only
    parameter RAM_STYLE = "auto"
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire               clk,
    input  wire               rst,

    /*
     * AXI-Stream input: pixels in raster order, channels fastest
     */
    input  wire [PE*BITS-1:0] s_axis_tdata,
    input  wire               s_axis_tvalid,
    output wire               s_axis_tready,

    /*
     * AXI-Stream output: pooled pixels
     */
    output wire [PE*BITS-1:0] m_axis_tdata,
    output wire               m_axis_tvalid,
    input  wire               m_axis_tready
    /* verilator coverage_on */
);

localparam WIDTH = PE * BITS;
// words per pixel
localparam CF = C / PE;
// output feature map
localparam OH = IFM_H / K;
localparam OW = IFM_W / K;
// partial maxima of one output row
localparam DEPTH = OW * CF;
localparam AW = DEPTH > 1 ? $clog2(DEPTH) : 1;
localparam CFB = CF > 1 ? $clog2(CF) : 1;
localparam KB = K > 1 ? $clog2(K) : 1;
localparam XB = IFM_W > 1 ? $clog2(IFM_W) : 1;
localparam YB = IFM_H > 1 ? $clog2(IFM_H) : 1;
// output queue
localparam QDEPTH = 4;

// sized constants (integer values, then their low bits)
localparam integer CF_M1_I = CF - 1;
localparam integer K_M1_I = K - 1;
localparam integer W_M1_I = IFM_W - 1;
localparam integer H_M1_I = IFM_H - 1;
localparam integer X_LAST_I = OW * K - 1;
localparam integer Y_LAST_I = OH * K - 1;
localparam integer QDEPTH_I = QDEPTH;
localparam [CFB-1:0] CF_M1 = CF_M1_I[CFB-1:0];
localparam [KB-1:0] K_M1 = K_M1_I[KB-1:0];
localparam [XB-1:0] W_M1 = W_M1_I[XB-1:0];
localparam [YB-1:0] H_M1 = H_M1_I[YB-1:0];
localparam [XB-1:0] X_LAST = X_LAST_I[XB-1:0];
localparam [YB-1:0] Y_LAST = Y_LAST_I[YB-1:0];
localparam [2:0] QDEPTH_Q = QDEPTH_I[2:0];

initial begin
    if (PE < 1 || C < 1 || C % PE != 0) begin
        $error("maxpool: PE=%0d must divide C=%0d", PE, C);
        $finish;
    end
    if (BITS < 1 || K < 1 || K > IFM_H || K > IFM_W) begin
        $error("maxpool: need BITS >= 1 and 1 <= K <= image size (K=%0d, image %0dx%0d)",
               K, IFM_H, IFM_W);
        $finish;
    end
    if (SIGNED != 0 && SIGNED != 1) begin
        $error("maxpool: SIGNED must be 0 or 1 (got %0d)", SIGNED);
        $finish;
    end
end

(* ram_style = RAM_STYLE *)
reg [WIDTH-1:0] mem [0:DEPTH-1];

/*
 * Input position
 */
reg [CFB-1:0] cf = 0;
reg [KB-1:0] kx = 0;
reg [KB-1:0] ky = 0;
reg [XB-1:0] x = 0;
reg [YB-1:0] y = 0;
reg [AW-1:0] idx_base = 0;   // ox * CF: the window's first partial
reg [AW-1:0] idx = 0;        // ox * CF + cf: this word's partial
reg col_tail = 1'b0;         // past the last whole window of the row
reg row_tail = 1'b0;         // past the last whole window row of the frame

wire last_cf = cf == CF_M1;
wire last_kx = kx == K_M1;
wire last_ky = ky == K_M1;
wire last_x = x == W_M1;

/*
 * Stage 1: the accepted word, its partial maximum read from memory, and the combine
 */
reg s1_valid = 1'b0;
reg [WIDTH-1:0] s1_data = 0;
reg [AW-1:0] s1_idx = 0;
reg s1_first = 1'b0;   // first word of its window: starts the maximum
reg s1_last = 1'b0;    // last word of its window: goes out
reg s1_keep = 1'b0;    // inside a whole window
reg [WIDTH-1:0] rd_data = 0;
reg fwd = 1'b0;        // the partial was written in the cycle it was read: use fwd_data
reg [WIDTH-1:0] fwd_data = 0;

wire [WIDTH-1:0] partial = fwd ? fwd_data : rd_data;
wire [WIDTH-1:0] combined;

genvar lane;
generate
    for (lane = 0; lane < PE; lane = lane + 1) begin : lanes
        wire [BITS-1:0] a = s1_data[lane*BITS +: BITS];
        wire [BITS-1:0] b = partial[lane*BITS +: BITS];
        wire a_larger;
        if (SIGNED != 0) begin : signed_compare
            assign a_larger = $signed(a) > $signed(b);
        end else begin : unsigned_compare
            assign a_larger = a > b;
        end
        assign combined[lane*BITS +: BITS] = s1_first || a_larger ? a : b;
    end
endgenerate

wire s1_write = s1_valid && s1_keep;
wire push = s1_write && s1_last;

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
    .push_data(combined),
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
        rd_data <= mem[idx];
    end
    if (s1_write) begin
        mem[s1_idx] <= combined;
    end
end

always @(posedge clk) begin
    if (fire) begin
        s1_data <= s_axis_tdata;
        s1_idx <= idx;
        s1_first <= kx == 0 && ky == 0;
        s1_last <= last_kx && last_ky;
        s1_keep <= !col_tail && !row_tail;
        fwd <= s1_write && s1_idx == idx;
        fwd_data <= combined;
    end
end

always @(posedge clk) begin
    if (rst) begin
        s1_valid <= 1'b0;
    end else begin
        s1_valid <= fire;
    end
end

always @(posedge clk) begin
    if (rst) begin
        cf <= 0;
        kx <= 0;
        ky <= 0;
        x <= 0;
        y <= 0;
        idx_base <= 0;
        idx <= 0;
        col_tail <= 1'b0;
        row_tail <= 1'b0;
    end else if (fire) begin
        if (!last_cf) begin
            cf <= cf + 1'b1;
            idx <= idx + 1'b1;
        end else begin
            cf <= 0;
            if (!last_x) begin
                x <= x + 1'b1;
                if (x == X_LAST) begin
                    col_tail <= 1'b1;
                end
                if (last_kx && x != X_LAST) begin
                    // next window of the row
                    idx <= idx + 1'b1;
                    idx_base <= idx + 1'b1;
                end else begin
                    // next pixel of the same window (or of the dropped columns)
                    idx <= idx_base;
                end
                kx <= last_kx ? {KB{1'b0}} : kx + 1'b1;
            end else begin
                // end of the image row
                x <= 0;
                kx <= 0;
                idx_base <= 0;
                idx <= 0;
                col_tail <= 1'b0;
                if (!last_ky) begin
                    ky <= ky + 1'b1;
                end else begin
                    ky <= 0;
                end
                if (y == H_M1) begin
                    y <= 0;
                    ky <= 0;
                    row_tail <= 1'b0;
                end else begin
                    y <= y + 1'b1;
                    if (y == Y_LAST) begin
                        row_tail <= 1'b1;
                    end
                end
            end
        end
    end
end

endmodule

`resetall
