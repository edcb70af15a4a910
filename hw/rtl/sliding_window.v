// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * sliding_window: streams the convolution windows (im2col) of a channels-last feature map.
 *
 * Input: frames of IFM_H rows x IFM_W pixels x C channels, C/SIMD words per pixel, back to
 * back. Output: for each output pixel (oy, ox) in raster order, for kh, for kw, for channel
 * fold, one word of SIMD channels of input pixel (oy*STRIDE_H - PAD_T + kh,
 * ox*STRIDE_W - PAD_L + kw), or a zero word where that position lies in the padding.
 *
 * The writer stores the input rows that some window uses, one after the other, in a ring of
 * NROWS row slots (a simple dual-port memory); rows no window uses are consumed and dropped.
 * The reader walks the windows of one output row once all of its rows are in the ring and
 * then releases the rows no later output row needs. One counter (rows_done: complete rows
 * not yet released) is the only handshake between the two. NROWS holds the rows of two
 * consecutive output rows, including the last row of one frame and the first of the next,
 * so writing and reading overlap fully and a frame takes max(input, output) words of cycles.
 * Read path: address -> registered memory read -> output register; a stall (m_axis_tvalid
 * and not m_axis_tready) freezes the whole read pipeline.
 */
module sliding_window #
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
    // zero rows above the image
    parameter PAD_T = 0,
    // zero columns left of the image
    parameter PAD_L = 0,
    // zero rows below the image
    parameter PAD_B = 0,
    // zero columns right of the image
    parameter PAD_R = 0,
    // channels per stream word
    parameter SIMD = 1,
    // bits per channel value
    parameter BITS = 1,
    // line buffer: "auto", "distributed" (LUTRAM) or "block" (BRAM); read by synthesis only
    parameter RAM_STYLE = "auto"
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                 clk,
    input  wire                 rst,

    /*
     * AXI-Stream input: pixels in raster order, channels fastest
     */
    input  wire [SIMD*BITS-1:0] s_axis_tdata,
    input  wire                 s_axis_tvalid,
    output wire                 s_axis_tready,

    /*
     * AXI-Stream output: window words
     */
    output wire [SIMD*BITS-1:0] m_axis_tdata,
    output wire                 m_axis_tvalid,
    input  wire                 m_axis_tready
    /* verilator coverage_on */
);

localparam WIDTH = SIMD * BITS;
// words per pixel and per image row
localparam CF = C / SIMD;
localparam RW = IFM_W * CF;
// output feature map
localparam OH = (IFM_H + PAD_T + PAD_B - K_H) / STRIDE_H + 1;
localparam OW = (IFM_W + PAD_L + PAD_R - K_W) / STRIDE_W + 1;
// image rows the last output row of a frame reads, and the first one
localparam LAST_Y0 = (OH - 1) * STRIDE_H - PAD_T;
localparam LAST_LO = LAST_Y0 > 0 ? LAST_Y0 : 0;
localparam LAST_HI = LAST_Y0 + K_H - 1 < IFM_H - 1 ? LAST_Y0 + K_H - 1 : IFM_H - 1;
localparam NEED_LAST = LAST_HI - LAST_LO + 1;
localparam NEED_FIRST = (K_H - 1 - PAD_T < IFM_H - 1 ? K_H - 1 - PAD_T : IFM_H - 1) + 1;
// rows the first output row releases
localparam SECOND_LO = STRIDE_H > PAD_T ? STRIDE_H - PAD_T : 0;
localparam REL_FIRST = OH == 1 || NEED_FIRST < SECOND_LO ? NEED_FIRST : SECOND_LO;
// ring slots: the rows of two consecutive output rows (within a frame and across frames)
localparam NROWS_STEP = OH > 1 ? K_H + (STRIDE_H < K_H ? STRIDE_H : K_H) : 0;
localparam NROWS_WRAP = NEED_LAST + NEED_FIRST;
localparam NROWS = NROWS_STEP > NROWS_WRAP ? NROWS_STEP : NROWS_WRAP;
localparam DEPTH = NROWS * RW;
localparam AW = DEPTH > 1 ? $clog2(DEPTH) : 1;
// counter widths (signed image coordinates carry room for the padding and one step past)
localparam YB = $clog2(IFM_H + PAD_T + PAD_B + STRIDE_H + K_H + NROWS + 1) + 2;
localparam XB = $clog2(IFM_W + PAD_L + PAD_R + STRIDE_W + K_W + 1) + 2;
localparam PXB0 = $clog2((IFM_W + PAD_L + PAD_R + STRIDE_W + K_W) * CF + 1) + 2;
localparam PXB = PXB0 > AW + 1 ? PXB0 : AW + 1;
localparam RDB = $clog2(NROWS + 1);
localparam CFB = CF > 1 ? $clog2(CF) : 1;
localparam KHB = K_H > 1 ? $clog2(K_H) : 1;
localparam KWB = K_W > 1 ? $clog2(K_W) : 1;
localparam OYB = OH > 1 ? $clog2(OH) : 1;
localparam OXB = OW > 1 ? $clog2(OW) : 1;
localparam RWB = RW > 1 ? $clog2(RW) : 1;
localparam HB = IFM_H > 1 ? $clog2(IFM_H) : 1;
localparam SHB = STRIDE_H > 1 ? $clog2(STRIDE_H) : 1;

// sized constants (integer values, then their low bits)
localparam integer CF_M1_I = CF - 1;
localparam integer KH_M1_I = K_H - 1;
localparam integer KW_M1_I = K_W - 1;
localparam integer OH_M1_I = OH - 1;
localparam integer OW_M1_I = OW - 1;
localparam integer OH_M2_I = OH - 2;
localparam integer NEED_FIRST_I = NEED_FIRST;
localparam integer REL_FIRST_I = REL_FIRST;
localparam integer REL_WORDS_I = REL_FIRST * RW;
localparam integer LO_ROOM_I = DEPTH - REL_FIRST * RW;
localparam integer RW_M1_I = RW - 1;
localparam integer H_M1_I = IFM_H - 1;
localparam integer W_M1_I = IFM_W - 1;
localparam integer LAST_HI_I = LAST_HI;
localparam integer SH_M1_I = STRIDE_H - 1;
localparam integer PHASE0_I = PAD_T % STRIDE_H;
// with STRIDE_H > K_H the rows between windows are never read
localparam GAPS = STRIDE_H > K_H;
localparam integer KH_S_I = GAPS ? K_H : 0;
localparam integer RW_I = RW;
localparam integer DEPTH_I = DEPTH;
localparam integer DEPTH_M1_I = DEPTH - 1;
localparam integer WRAP_RW_I = DEPTH - RW;
localparam integer NROWS_I = NROWS;
localparam integer Y_PT_I = -PAD_T;
localparam integer SH_I = STRIDE_H;
localparam integer X_PL_I = -PAD_L;
localparam integer SW_I = STRIDE_W;
localparam integer P_PL_I = -PAD_L * CF;
localparam integer P_SW_I = STRIDE_W * CF;
localparam integer ONE_I = 1;

localparam [CFB-1:0] CF_M1 = CF_M1_I[CFB-1:0];
localparam [KHB-1:0] KH_M1 = KH_M1_I[KHB-1:0];
localparam [KWB-1:0] KW_M1 = KW_M1_I[KWB-1:0];
localparam [OYB-1:0] OH_M1 = OH_M1_I[OYB-1:0];
localparam [OXB-1:0] OW_M1 = OW_M1_I[OXB-1:0];
localparam [OYB-1:0] OH_M2 = OH_M2_I[OYB-1:0];
localparam [RDB-1:0] NEED_FIRST_R = NEED_FIRST_I[RDB-1:0];
localparam [RDB-1:0] REL_FIRST_R = REL_FIRST_I[RDB-1:0];
localparam [AW-1:0] REL_WORDS_A = REL_WORDS_I[AW-1:0];
localparam [AW-1:0] LO_ROOM_A = LO_ROOM_I[AW-1:0];
localparam [RWB-1:0] RW_M1 = RW_M1_I[RWB-1:0];
localparam [HB-1:0] H_M1_U = H_M1_I[HB-1:0];
localparam [HB-1:0] LAST_HI_U = LAST_HI_I[HB-1:0];
localparam [SHB-1:0] SH_M1 = SH_M1_I[SHB-1:0];
localparam [SHB-1:0] PHASE0 = PHASE0_I[SHB-1:0];
localparam [SHB-1:0] KH_S = KH_S_I[SHB-1:0];
localparam [AW-1:0] RW_A = RW_I[AW-1:0];
localparam [AW-1:0] DEPTH_M1 = DEPTH_M1_I[AW-1:0];
localparam [AW-1:0] WRAP_RW = WRAP_RW_I[AW-1:0];
localparam [AW-1:0] DEPTH_W = DEPTH_I[AW-1:0];
localparam [RDB-1:0] NROWS_R = NROWS_I[RDB-1:0];
localparam signed [YB-1:0] Y_PT = Y_PT_I[YB-1:0];
localparam signed [YB-1:0] Y_SH = SH_I[YB-1:0];
localparam signed [YB-1:0] Y_KH_M1 = KH_M1_I[YB-1:0];
localparam signed [YB-1:0] Y_H_M1 = H_M1_I[YB-1:0];
localparam signed [YB-1:0] Y_ONE = ONE_I[YB-1:0];
localparam signed [XB-1:0] X_PL = X_PL_I[XB-1:0];
localparam signed [XB-1:0] X_SW = SW_I[XB-1:0];
localparam signed [XB-1:0] X_W_M1 = W_M1_I[XB-1:0];
localparam signed [XB-1:0] X_ONE = ONE_I[XB-1:0];
localparam signed [PXB-1:0] P_PL = P_PL_I[PXB-1:0];
localparam signed [PXB-1:0] P_SW = P_SW_I[PXB-1:0];
localparam signed [PXB-1:0] P_ONE = ONE_I[PXB-1:0];

initial begin
    if (SIMD < 1 || C < 1 || C % SIMD != 0) begin
        $error("sliding_window: SIMD=%0d must divide C=%0d", SIMD, C);
        $finish;
    end
    if (BITS < 1 || IFM_H < 1 || IFM_W < 1 || K_H < 1 || K_W < 1 || STRIDE_H < 1 || STRIDE_W < 1) begin
        $error("sliding_window: sizes, kernel, strides and BITS must be >= 1");
        $finish;
    end
    if (PAD_T < 0 || PAD_B < 0 || PAD_L < 0 || PAD_R < 0
            || PAD_T >= K_H || PAD_B >= K_H || PAD_L >= K_W || PAD_R >= K_W) begin
        $error("sliding_window: each padding must lie in [0, kernel size - 1] (K=%0dx%0d, pads t%0d l%0d b%0d r%0d)",
               K_H, K_W, PAD_T, PAD_L, PAD_B, PAD_R);
        $finish;
    end
    if (K_H > IFM_H + PAD_T + PAD_B || K_W > IFM_W + PAD_L + PAD_R) begin
        $error("sliding_window: kernel %0dx%0d larger than the padded image %0dx%0d",
               K_H, K_W, IFM_H + PAD_T + PAD_B, IFM_W + PAD_L + PAD_R);
        $finish;
    end
end

(* ram_style = RAM_STYLE *)
reg [WIDTH-1:0] mem [0:DEPTH-1];

// complete rows in the ring that the reader has not released
reg [RDB-1:0] rows_done = 0;

/*
 * Writer
 */
reg [RWB-1:0] wr_word = 0;      // word within the image row
reg [HB-1:0] wr_row = 0;        // image row
reg [SHB-1:0] wr_phase = PHASE0; // (row + PAD_T) mod STRIDE_H
reg [AW-1:0] wr_addr = 0;
reg wr_tail = 1'b0;             // past the last row a window reads

// a row is stored when a window reads it: not past the last window, not between windows
wire wr_used = !wr_tail && (!GAPS || wr_phase < KH_S);
wire wr_fire = s_axis_tvalid && s_axis_tready;
wire wr_row_end = wr_word == RW_M1;
wire row_written = wr_fire && wr_used && wr_row_end;

assign s_axis_tready = !wr_used || rows_done != NROWS_R;

always @(posedge clk) begin
    if (wr_fire && wr_used) begin
        mem[wr_addr] <= s_axis_tdata;
    end
end

always @(posedge clk) begin
    if (rst) begin
        wr_word <= 0;
        wr_row <= 0;
        wr_phase <= PHASE0;
        wr_addr <= 0;
        wr_tail <= 1'b0;
    end else if (wr_fire) begin
        if (wr_used) begin
            wr_addr <= wr_addr == DEPTH_M1 ? {AW{1'b0}} : wr_addr + 1'b1;
        end
        if (!wr_row_end) begin
            wr_word <= wr_word + 1'b1;
        end else begin
            wr_word <= 0;
            if (wr_row == H_M1_U) begin
                wr_row <= 0;
                wr_phase <= PHASE0;
                wr_tail <= 1'b0;
            end else begin
                if (wr_row == LAST_HI_U) begin
                    wr_tail <= 1'b1;
                end
                wr_row <= wr_row + 1'b1;
                wr_phase <= wr_phase == SH_M1 ? {SHB{1'b0}} : wr_phase + 1'b1;
            end
        end
    end
end

/*
 * Reader: window counters and the read address
 */
reg [OYB-1:0] oy = 0;
reg [OXB-1:0] ox = 0;
reg [KHB-1:0] kh = 0;
reg [KWB-1:0] kw = 0;
reg [CFB-1:0] cf = 0;
reg signed [YB-1:0] y0 = Y_PT;      // top image row of the window
reg signed [YB-1:0] iy = Y_PT;      // image row being read
reg signed [XB-1:0] x0 = X_PL;      // left image column of the window
reg signed [XB-1:0] ix = X_PL;      // image column being read
reg signed [PXB-1:0] x0cf = P_PL;   // x0 * CF
reg signed [PXB-1:0] pix = P_PL;    // ix * CF + cf: word offset within the row
reg [AW-1:0] lo_base = 0;           // ring address of the window's first image row
reg [AW-1:0] row_base = 0;          // ring address of row iy

// n * RW by shifts and adds (n has a few bits; keeps a DSP out of it)
function [AW-1:0] times_rw(input [RDB-1:0] n);
    integer b;
    begin
        times_rw = {AW{1'b0}};
        for (b = 0; b < RDB; b = b + 1) begin
            if (n[b]) begin
                times_rw = times_rw + (RW_A << b);
            end
        end
    end
endfunction

// Rows of the ring each output row needs (its image rows [max(0, top), min(H-1, top+K_H-1)])
// and releases when done (those before the next output row's first row; all at the last
// output row of a frame). Kept in registers for the current output row, computed for the
// next one while this one is read.
wire last_oy = oy == OH_M1;
wire signed [YB-1:0] nx_top = last_oy ? Y_PT : y0 + Y_SH;
wire nx_last = last_oy ? OH == 1 : oy == OH_M2;
wire signed [YB-1:0] nx_lo = nx_top[YB-1] ? {YB{1'b0}} : nx_top;
wire signed [YB-1:0] nx_hi_u = nx_top + Y_KH_M1;
wire signed [YB-1:0] nx_hi_end = (nx_hi_u > Y_H_M1 ? Y_H_M1 : nx_hi_u) + Y_ONE;
wire signed [YB-1:0] nx_after = nx_top + Y_SH;
wire signed [YB-1:0] nx_after_lo = nx_after[YB-1] ? {YB{1'b0}} : nx_after;
wire signed [YB-1:0] nx_need_y = nx_hi_end - nx_lo;
wire signed [YB-1:0] nx_rel_y = (nx_last || nx_hi_end < nx_after_lo ? nx_hi_end : nx_after_lo) - nx_lo;
// both counts are small and positive: keep the low bits
wire [YB+AW-1:0] nx_need_ext = {{AW{1'b0}}, nx_need_y};
wire [YB+AW-1:0] nx_rel_ext = {{AW{1'b0}}, nx_rel_y};
wire [AW-1:0] nx_rel_words = times_rw(nx_rel_ext[RDB-1:0]);

reg [RDB-1:0] need = NEED_FIRST_R;      // complete rows this output row waits for
reg [RDB-1:0] rel = REL_FIRST_R;        // rows it releases
reg [AW-1:0] rel_words = REL_WORDS_A;   // rel * RW
reg [AW-1:0] lo_room = LO_ROOM_A;       // DEPTH - rel_words (modulo 2^AW)

wire last_cf = cf == CF_M1;
wire last_kw = kw == KW_M1;
wire last_kh = kh == KH_M1;
wire last_ox = ox == OW_M1;
wire pad = iy[YB-1] || iy > Y_H_M1 || ix[XB-1] || ix > X_W_M1;
wire [AW-1:0] rd_addr = row_base + pix[AW-1:0];

// read pipeline: issue -> memory register (s1) -> output register
reg [WIDTH-1:0] rd_data = 0;
reg s1_valid = 1'b0;
reg s1_pad = 1'b0;
reg [WIDTH-1:0] out_data = 0;
reg out_valid = 1'b0;

wire adv = !out_valid || m_axis_tready;
wire issue = adv && rows_done >= need;
wire row_read = issue && last_cf && last_kw && last_kh && last_ox;

// ring address arithmetic, modulo DEPTH (rel < NROWS: some row always stays)
wire [AW-1:0] row_base_next = row_base >= WRAP_RW ? row_base - WRAP_RW : row_base + RW_A;
wire [AW-1:0] lo_base_next = lo_base >= lo_room ? lo_base - lo_room : lo_base + rel_words;

assign m_axis_tdata = out_data;
assign m_axis_tvalid = out_valid;

always @(posedge clk) begin
    if (adv) begin
        rd_data <= mem[rd_addr];
    end
end

always @(posedge clk) begin
    if (rst) begin
        s1_valid <= 1'b0;
        s1_pad <= 1'b0;
        out_valid <= 1'b0;
        out_data <= 0;
    end else if (adv) begin
        s1_valid <= issue;
        s1_pad <= pad;
        out_valid <= s1_valid;
        out_data <= s1_pad ? {WIDTH{1'b0}} : rd_data;
    end
end

always @(posedge clk) begin
    if (rst) begin
        rows_done <= 0;
    end else begin
        rows_done <= rows_done + {{(RDB - 1){1'b0}}, row_written} - (row_read ? rel : {RDB{1'b0}});
    end
end

always @(posedge clk) begin
    if (rst) begin
        oy <= 0;
        ox <= 0;
        kh <= 0;
        kw <= 0;
        cf <= 0;
        y0 <= Y_PT;
        iy <= Y_PT;
        x0 <= X_PL;
        ix <= X_PL;
        x0cf <= P_PL;
        pix <= P_PL;
        lo_base <= 0;
        row_base <= 0;
        need <= NEED_FIRST_R;
        rel <= REL_FIRST_R;
        rel_words <= REL_WORDS_A;
        lo_room <= LO_ROOM_A;
    end else if (issue) begin
        if (!last_cf) begin
            cf <= cf + 1'b1;
            pix <= pix + P_ONE;
        end else if (!last_kw) begin
            cf <= 0;
            kw <= kw + 1'b1;
            ix <= ix + X_ONE;
            pix <= pix + P_ONE;
        end else if (!last_kh) begin
            // next kernel row: the ring advances only past real image rows
            cf <= 0;
            kw <= 0;
            kh <= kh + 1'b1;
            iy <= iy + Y_ONE;
            ix <= x0;
            pix <= x0cf;
            if (!iy[YB-1]) begin
                row_base <= row_base_next;
            end
        end else if (!last_ox) begin
            cf <= 0;
            kw <= 0;
            kh <= 0;
            ox <= ox + 1'b1;
            iy <= y0;
            x0 <= x0 + X_SW;
            ix <= x0 + X_SW;
            x0cf <= x0cf + P_SW;
            pix <= x0cf + P_SW;
            row_base <= lo_base;
        end else begin
            // output row done: release the rows later output rows do not read
            cf <= 0;
            kw <= 0;
            kh <= 0;
            ox <= 0;
            x0 <= X_PL;
            ix <= X_PL;
            x0cf <= P_PL;
            pix <= P_PL;
            lo_base <= lo_base_next;
            row_base <= lo_base_next;
            oy <= last_oy ? {OYB{1'b0}} : oy + 1'b1;
            y0 <= nx_top;
            iy <= nx_top;
            need <= nx_need_ext[RDB-1:0];
            rel <= nx_rel_ext[RDB-1:0];
            rel_words <= nx_rel_words;
            lo_room <= DEPTH_W - nx_rel_words;
        end
    end
end

endmodule

`resetall
