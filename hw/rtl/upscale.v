// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * upscale: a channels-last feature map B times higher and wider, row by row.
 *
 * MODE 0, depth to space (ONNX DepthToSpace, DCR order): an input pixel holds the C channels
 * of the B x B output pixels of its block, block position (i, j) at channels (i*B + j)*C.
 * MODE 1, nearest: an input pixel of C channels is repeated over its B x B block (ONNX Resize,
 * nearest, integer scales).
 *
 * Input: IFM_H x IFM_W pixels, C_IN/PE words each (C_IN = C*B*B or C); output: (IFM_H*B) x
 * (IFM_W*B) pixels of C/PE words. Each input row is written into one of three row banks; the
 * rows are independent, so frames follow one another with no state of their own. A complete
 * row is read out B times (output rows i = 0..B-1), pixel by pixel, each pixel B times (j),
 * word by word: one read a cycle, at the read address of (i, x, j, word). Three banks let
 * the next row be written while one is read and one waits, so a depth-to-space (as many
 * output as input words) runs one word a cycle on both sides, and a nearest upscale (B*B times
 * more output words) one output word a cycle.
 *
 * Reads are registered (block or distributed RAM) and enter a 4-word output queue; a read is
 * issued only when the queue has room for it and the read before it. Both readies depend only
 * on registers.
 */
module upscale #
(
    // input feature map rows
    parameter IFM_H = 2,
    // input feature map columns
    parameter IFM_W = 2,
    // channels of an output pixel
    parameter C = 1,
    // upscale factor along rows and columns
    parameter B = 2,
    // 0: depth to space (DCR), 1: nearest
    parameter MODE = 0,
    // channels per stream word
    parameter PE = 1,
    // bits per channel value
    parameter BITS = 1,
    // row banks: "auto", "distributed" (LUTRAM) or "block" (BRAM); synthesis only
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
     * AXI-Stream output: the upscaled pixels in raster order
     */
    output wire [PE*BITS-1:0] m_axis_tdata,
    output wire               m_axis_tvalid,
    input  wire               m_axis_tready
    /* verilator coverage_on */
);

localparam WIDTH = PE * BITS;
// words of an output pixel, of an input pixel, of an input row
localparam CF = C / PE;
localparam IN_CF = MODE == 0 ? CF * B * B : CF;
localparam ROW = IFM_W * IN_CF;
localparam BANKS = 3;
localparam DEPTH = BANKS * ROW;
localparam AW = $clog2(DEPTH);
localparam RB = ROW > 1 ? $clog2(ROW) : 1;
localparam CFB = CF > 1 ? $clog2(CF) : 1;
localparam BB = B > 1 ? $clog2(B) : 1;
localparam XB = IFM_W > 1 ? $clog2(IFM_W) : 1;
localparam QDEPTH = 4;

// sized constants (integer values, then their low bits)
localparam integer ROW_M1_I = ROW - 1;
localparam integer CF_M1_I = CF - 1;
localparam integer B_M1_I = B - 1;
localparam integer W_M1_I = IFM_W - 1;
localparam integer ROW_I = ROW;
localparam integer IN_CF_I = IN_CF;
localparam integer CF_I = CF;
localparam integer BACK_I = MODE == 0 ? (B - 1) * CF : 0;
localparam integer BANKS_I = BANKS;
localparam integer QDEPTH_I = QDEPTH;
localparam [RB-1:0] ROW_M1 = ROW_M1_I[RB-1:0];
localparam [CFB-1:0] CF_M1 = CF_M1_I[CFB-1:0];
localparam [BB-1:0] B_M1 = B_M1_I[BB-1:0];
localparam [XB-1:0] W_M1 = W_M1_I[XB-1:0];
localparam [AW-1:0] ROW_A = ROW_I[AW-1:0];
localparam [AW-1:0] IN_CF_A = IN_CF_I[AW-1:0];
localparam [AW-1:0] CF_A = CF_I[AW-1:0];
// from block position (i, B-1) back to (i, 0)
localparam [AW-1:0] BACK_A = BACK_I[AW-1:0];
localparam [1:0] BANKS_Q = BANKS_I[1:0];
localparam [2:0] QDEPTH_Q = QDEPTH_I[2:0];

initial begin
    if (PE < 1 || C < 1 || C % PE != 0) begin
        $error("upscale: PE=%0d must divide C=%0d", PE, C);
        $finish;
    end
    if (B < 2 || IFM_H < 1 || IFM_W < 1 || BITS < 1) begin
        $error("upscale: need B >= 2, a non-empty map and BITS >= 1 (B=%0d, %0dx%0d, BITS=%0d)",
               B, IFM_H, IFM_W, BITS);
        $finish;
    end
    if (MODE != 0 && MODE != 1) begin
        $error("upscale: MODE must be 0 (depth to space) or 1 (nearest), got %0d", MODE);
        $finish;
    end
end

(* ram_style = RAM_STYLE *)
reg [WIDTH-1:0] mem [0:DEPTH-1];

/*
 * Writer: the input row into bank wbank
 */
reg [RB-1:0] wpos = 0;
reg [1:0] wbank = 0;
reg [AW-1:0] wbase = 0;      // wbank * ROW
reg [1:0] rows_ready = 0;    // complete rows not yet read out

assign s_axis_tready = rows_ready != BANKS_Q;
wire write = s_axis_tvalid && s_axis_tready;
wire row_written = write && wpos == ROW_M1;

/*
 * Reader: output row i, pixel x, repeat j, word cf of bank rbank
 */
reg [BB-1:0] ri = 0;
reg [XB-1:0] rx = 0;
reg [BB-1:0] rj = 0;
reg [CFB-1:0] rcf = 0;
reg [1:0] rbank = 0;
reg [AW-1:0] rbase = 0;      // rbank * ROW
reg [AW-1:0] pixel = 0;      // rbase + rx * IN_CF
reg [AW-1:0] block = 0;      // the block position's first word: (ri * B + rj) * CF in MODE 0, else 0

reg rd_valid = 1'b0;
reg [WIDTH-1:0] rd_data = 0;

wire [2:0] q_count;
out_queue #(
    .WIDTH(WIDTH)
)
queue (
    .clk(clk),
    .rst(rst),
    .push(rd_valid),
    .push_data(rd_data),
    .count(q_count),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

wire read = rows_ready != 2'd0 && q_count + {2'b00, rd_valid} < QDEPTH_Q;
wire last_cf = rcf == CF_M1;
wire last_j = rj == B_M1;
wire last_x = rx == W_M1;
wire last_i = ri == B_M1;
wire row_read = read && last_cf && last_j && last_x && last_i;
wire [AW-1:0] raddr = pixel + block + {{(AW - CFB){1'b0}}, rcf};

always @(posedge clk) begin
    if (write) begin
        mem[wbase + {{(AW - RB){1'b0}}, wpos}] <= s_axis_tdata;
    end
    if (read) begin
        rd_data <= mem[raddr];
    end
end

always @(posedge clk) begin
    if (rst) begin
        wpos <= 0;
        wbank <= 0;
        wbase <= 0;
        rows_ready <= 0;
        ri <= 0;
        rx <= 0;
        rj <= 0;
        rcf <= 0;
        rbank <= 0;
        rbase <= 0;
        pixel <= 0;
        block <= 0;
        rd_valid <= 1'b0;
    end else begin
        if (write) begin
            if (wpos == ROW_M1) begin
                wpos <= 0;
                wbank <= wbank == BANKS_Q - 2'd1 ? 2'd0 : wbank + 2'd1;
                wbase <= wbank == BANKS_Q - 2'd1 ? {AW{1'b0}} : wbase + ROW_A;
            end else begin
                wpos <= wpos + 1'b1;
            end
        end
        rows_ready <= rows_ready + {1'b0, row_written} - {1'b0, row_read};

        if (read) begin
            rcf <= last_cf ? {CFB{1'b0}} : rcf + 1'b1;
            if (last_cf) begin
                rj <= last_j ? {BB{1'b0}} : rj + 1'b1;
                if (MODE == 0) begin
                    // the next block position: (i, j + 1), or (i, 0) of the next pixel
                    block <= last_j ? block - BACK_A : block + CF_A;
                end
                if (last_j) begin
                    rx <= last_x ? {XB{1'b0}} : rx + 1'b1;
                    pixel <= last_x ? rbase : pixel + IN_CF_A;
                    if (last_x) begin
                        ri <= last_i ? {BB{1'b0}} : ri + 1'b1;
                        if (MODE == 0) begin
                            // row i + 1 starts at block position (i + 1, 0): one past (i, B-1)
                            block <= last_i ? {AW{1'b0}} : block + CF_A;
                        end
                        if (last_i) begin
                            rbank <= rbank == BANKS_Q - 2'd1 ? 2'd0 : rbank + 2'd1;
                            rbase <= rbank == BANKS_Q - 2'd1 ? {AW{1'b0}} : rbase + ROW_A;
                            pixel <= rbank == BANKS_Q - 2'd1 ? {AW{1'b0}} : rbase + ROW_A;
                        end
                    end
                end
            end
        end
        rd_valid <= read;
    end
end

endmodule

`resetall
