// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * parallel_window: streams each convolution window of a channels-last feature map whole, one
 * window per word, so that an MVAU can take more than one kernel position per cycle (a
 * width converter after it cuts the window into the MVAU's SIMD).
 *
 * Input: frames of IFM_H rows x IFM_W pixels, one pixel (C channels) per word, back to back.
 * Output: for each output pixel (oy, ox) in raster order, one word of the K_H x K_W window at
 * input pixel (oy*STRIDE_H, ox*STRIDE_W): element (kh, kw, c) at index (kh*K_W + kw)*C + c,
 * as sliding_window.v streams it word by word. No padding.
 *
 * The last (K_H - 1) rows and K_W pixels pass through a shift register; the window's taps
 * are fixed positions in it (the pixel kh rows and kw columns before the newest sits
 * kh*IFM_W + kw pixels back). The runs between the taps hold no reset and no other reader, so
 * synthesis maps them to shift-register LUTs (SRL32). A pixel that completes a window (its
 * row and column at a window's bottom-right corner) leaves that window the next cycle: one
 * pixel a cycle in, at most one window a cycle out. A stalled window holds the input.
 */
module parallel_window #
(
    // input feature map rows
    parameter IFM_H = 8,
    // input feature map columns
    parameter IFM_W = 8,
    // channels
    parameter C = 1,
    // kernel rows
    parameter K_H = 3,
    // kernel columns
    parameter K_W = 3,
    // vertical stride
    parameter STRIDE_H = 1,
    // horizontal stride
    parameter STRIDE_W = 1,
    // bits per channel value
    parameter BITS = 1
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                         clk,
    input  wire                         rst,

    /*
     * AXI-Stream input: pixels in raster order
     */
    input  wire [C*BITS-1:0]            s_axis_tdata,
    input  wire                         s_axis_tvalid,
    output wire                         s_axis_tready,

    /*
     * AXI-Stream output: windows
     */
    output wire [K_H*K_W*C*BITS-1:0]    m_axis_tdata,
    output wire                         m_axis_tvalid,
    input  wire                         m_axis_tready
    /* verilator coverage_on */
);

localparam PW = C * BITS;
// pixels held: the window's first tap is the oldest
localparam LEN = (K_H - 1) * IFM_W + K_W;
localparam XB = $clog2(IFM_W + 1);
localparam YB = $clog2(IFM_H + 1);
// counts down to the next window column (row): K - 1 at a row's (frame's) start, then STRIDE - 1
localparam CXB = $clog2((K_W > STRIDE_W ? K_W : STRIDE_W) + 1);
localparam CYB = $clog2((K_H > STRIDE_H ? K_H : STRIDE_H) + 1);

localparam integer W_M1_I = IFM_W - 1;
localparam integer H_M1_I = IFM_H - 1;
localparam integer KW_M1_I = K_W - 1;
localparam integer KH_M1_I = K_H - 1;
localparam integer SW_M1_I = STRIDE_W - 1;
localparam integer SH_M1_I = STRIDE_H - 1;
localparam [XB-1:0] W_M1 = W_M1_I[XB-1:0];
localparam [YB-1:0] H_M1 = H_M1_I[YB-1:0];
localparam [CXB-1:0] KW_M1 = KW_M1_I[CXB-1:0];
localparam [CYB-1:0] KH_M1 = KH_M1_I[CYB-1:0];
localparam [CXB-1:0] SW_M1 = SW_M1_I[CXB-1:0];
localparam [CYB-1:0] SH_M1 = SH_M1_I[CYB-1:0];

initial begin
    if (K_H > IFM_H || K_W > IFM_W) begin
        $error("parallel_window: kernel %0dx%0d larger than the image %0dx%0d", K_H, K_W, IFM_H, IFM_W);
        $finish;
    end
end

// the pixels, newest at [0 +: PW]; data only: no reset (X-seeded until the first frame fills it)
reg [LEN*PW-1:0] pixels;
reg [XB-1:0] x = 0;
reg [YB-1:0] y = 0;
reg [CXB-1:0] to_col = KW_M1;
reg [CYB-1:0] to_row = KH_M1;
reg out_valid = 1'b0;

assign s_axis_tready = !out_valid || m_axis_tready;
wire take = s_axis_tvalid && s_axis_tready;
wire row_end = x == W_M1;

generate
if (LEN > 1) begin : g_shift
    always @(posedge clk) begin
        if (take) begin
            pixels <= {pixels[(LEN-1)*PW-1:0], s_axis_tdata};
        end
    end
end else begin : g_single
    always @(posedge clk) begin
        if (take) begin
            pixels <= s_axis_tdata;
        end
    end
end
endgenerate

always @(posedge clk) begin
    if (rst) begin
        x <= 0;
        y <= 0;
        to_col <= KW_M1;
        to_row <= KH_M1;
        out_valid <= 1'b0;
    end else begin
        if (take) begin
            // the pixel at (y, x) completes a window when both count-downs are at 0
            out_valid <= to_col == 0 && to_row == 0;
            x <= row_end ? {XB{1'b0}} : x + 1'b1;
            to_col <= row_end ? KW_M1 : (to_col == 0 ? SW_M1 : to_col - 1'b1);
            if (row_end) begin
                y <= y == H_M1 ? {YB{1'b0}} : y + 1'b1;
                to_row <= y == H_M1 ? KH_M1 : (to_row == 0 ? SH_M1 : to_row - 1'b1);
            end
        end else if (m_axis_tready) begin
            out_valid <= 1'b0;
        end
    end
end

// the taps: window element (kh, kw) is the pixel (K_H-1-kh) rows and (K_W-1-kw) columns back
genvar kh, kw;
generate
for (kh = 0; kh < K_H; kh = kh + 1) begin : g_row
    for (kw = 0; kw < K_W; kw = kw + 1) begin : g_col
        assign m_axis_tdata[(kh*K_W + kw)*PW +: PW] =
            pixels[((K_H - 1 - kh)*IFM_W + (K_W - 1 - kw))*PW +: PW];
    end
end
endgenerate

assign m_axis_tvalid = out_valid;

endmodule

`resetall
