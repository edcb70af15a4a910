// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * bilinear_crop: SiamFC's search crop, N x N pixels bilinearly resampled from an H x W RGB frame,
 * with Pillow's bytes (Image.transform, AFFINE, BILINEAR: libImaging/Geometry.c). The host keeps
 * the per-axis sample arithmetic (deploy/crop.py) and sends it ahead of the frame; this module
 * does the per-pixel work in IEEE float64, rounding as Pillow's C does step for step, so that the
 * bytes are Pillow's and the tracker's boxes do not move (deploy/crop_stream.py: the format and
 * the numpy model).
 *
 * Input, 64-bit little-endian words per crop: the header (2 + 4N words: the rows [r0, r1) and
 * columns [c0, c1) that sample inside the frame, the fill colour's codes, each column's weight dx
 * and left pixel's byte in its row, each row's weight dy and frame rows top/bottom), then the whole
 * frame, 3 bytes a pixel, row after row, the last word padded. Output: N x N words of 3 INT8
 * codes (pixel ^ 0x80), row after row.
 *
 * Output row r (inside the frame) blends two frame rows interpolated along x:
 *     upper + (lower - upper) * dy[r],   upper/lower = a + (b - a) * dx[c] of rows top/bottom
 * then truncates to a byte, as Pillow does. Two slots hold rows interpolated along x, tagged
 * with their frame row; a row missing from them is fetched: the frame is read up to it (rows
 * come in order, the samples only move down), its bytes land in a row buffer of 8 byte-wide
 * banks (a frame word per cycle), then its columns [c0, c1) are interpolated, a column a cycle,
 * the 3 channels side by side. The blend also runs a column a cycle; credits into the output
 * FIFO keep its pipeline free-running. Both are the same p + (q - p) * w, so one fp64_lerp per
 * channel serves the two. The phases take turns (header, then per output row: fetches, blend),
 * and after the last row the rest of the frame is read and dropped.
 */
module bilinear_crop #
(
    // output side: N x N pixels a crop
    parameter N = 255,
    // frame rows and columns
    parameter H = 480,
    parameter W = 640
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire        clk,
    input  wire        rst,

    /*
     * AXI-Stream input: 64-bit words, header then frame
     */
    input  wire [63:0] s_axis_tdata,
    input  wire        s_axis_tvalid,
    output wire        s_axis_tready,

    /*
     * AXI-Stream output: a pixel's 3 INT8 codes per word
     */
    output wire [23:0] m_axis_tdata,
    output wire        m_axis_tvalid,
    input  wire        m_axis_tready
    /* verilator coverage_on */
);

localparam ROW_BYTES = 3 * W;
localparam FRAME_WORDS = (3 * H * W + 7) / 8;
// a column reads 6 bytes from its left pixel: up to byte 3 * W + 2 of the row buffer (at least
// 4 words, so that a byte's place has the bits the move's arithmetic takes)
localparam BANK_WORDS = (ROW_BYTES + 2) / 8 + 1;
localparam BANK_DEPTH = BANK_WORDS < 4 ? 4 : BANK_WORDS;
localparam BANK_BITS = $clog2(BANK_DEPTH);
// a byte's place in the row buffer: bank address, bank
localparam BYTE_BITS = BANK_BITS + 3;
localparam IDX_BITS = $clog2(N + 1);
localparam FRAME_BITS = $clog2(FRAME_WORDS + 1);
// fp64_lerp: 12 cycles
localparam LERP_LATENCY = 12;
// along x: tables (1), row buffer (1), to float64 (1), the interpolation
localparam X_LATENCY = 3 + LERP_LATENCY;
// blend: slots (1), the interpolation, byte (1)
localparam B_LATENCY = 2 + LERP_LATENCY;

localparam integer LAST = N - 1;
localparam [IDX_BITS-1:0] LAST_INDEX = LAST[IDX_BITS-1:0];
localparam [IDX_BITS-1:0] N_INDEX = N[IDX_BITS-1:0];
localparam [FRAME_BITS-1:0] FRAME_END = FRAME_WORDS[FRAME_BITS-1:0];
localparam [BYTE_BITS-1:0] ROW_END = ROW_BYTES[BYTE_BITS-1:0];

initial begin
    if (N < 1 || N >= 65536 || H < 1 || H >= 65536 || W < 1 || W >= 65536) begin
        $error("bilinear_crop: N=%0d, H=%0d, W=%0d must lie in [1, 65535]", N, H, W);
        $finish;
    end
end

localparam [2:0] S_HEADER = 3'd0, S_ROW_INFO = 3'd1, S_ROW = 3'd2, S_RECEIVE = 3'd3,
                 S_ALONG_X = 3'd4, S_X_DRAIN = 3'd5, S_BLEND = 3'd6, S_DRAIN = 3'd7;

reg [2:0] state = S_HEADER;
reg [1:0] header_word = 0;      // the two first words, then the tables
reg [1:0] table_kind = 0;       // dx, columns, dy, rows
reg [IDX_BITS-1:0] table_index = 0;
reg [15:0] r0 = 0, r1 = 0, c0 = 0, c1 = 0;
reg [23:0] fill = 0;
reg [IDX_BITS-1:0] row = 0;     // output row
reg [IDX_BITS-1:0] col = 0;     // output column of the along-x or blend pass
reg [15:0] held0 = 0, held1 = 0;    // the frame row each slot holds
reg [1:0] held_valid = 2'b00;
reg [15:0] fetch_row = 0;       // the frame row being fetched, and its slot
reg fetch_slot = 1'b0;
reg top_slot = 1'b0, bottom_slot = 1'b0;
reg [X_LATENCY-1:0] x_valid = 0;    // along-x columns in flight
reg [B_LATENCY-1:0] b_valid = 0;    // blended pixels in flight

/*
 * header tables: written as the header streams in, read by the passes
 */
reg [63:0] dx_mem [0:N-1];
reg [BYTE_BITS:0] columns_mem [0:N-1];  // left pixel's byte, right == left
reg [63:0] dy_mem [0:N-1];
reg [31:0] rows_mem [0:N-1];
reg [63:0] dx_q = 0, dy_q = 0;
reg [BYTE_BITS:0] columns_q = 0;
reg [31:0] rows_q = 0;

wire header_in = state == S_HEADER && s_axis_tvalid;
wire tables_in = header_in && header_word == 2'd2;

always @(posedge clk) begin
    if (tables_in) begin
        case (table_kind)
            2'd0: dx_mem[table_index] <= s_axis_tdata;
            2'd1: columns_mem[table_index] <= {s_axis_tdata[32], s_axis_tdata[BYTE_BITS-1:0]};
            2'd2: dy_mem[table_index] <= s_axis_tdata;
            default: rows_mem[table_index] <= s_axis_tdata[31:0];
        endcase
    end
    dx_q <= dx_mem[col];
    columns_q <= columns_mem[col];
    dy_q <= dy_mem[row];
    rows_q <= rows_mem[row];
end

wire [15:0] top = rows_q[15:0];
wire [15:0] bottom = rows_q[31:16];

/*
 * the frame, byte by byte: a word is taken when the last one is used up; a cycle moves its bytes
 * up to the end of the current frame row into the row buffer
 */
reg [63:0] word = 0;
reg [3:0] word_left = 0;            // bytes of `word` not yet moved
reg [FRAME_BITS-1:0] frame_taken = 0;
reg [15:0] frame_row = 0;           // the frame row whose bytes come next
reg [BYTE_BITS-1:0] row_pos = 0;    // its next byte

wire drain_done = state == S_DRAIN && frame_taken == FRAME_END && b_valid == 0;
wire receiving = state == S_RECEIVE || state == S_DRAIN;
wire take_word = receiving && word_left == 0 && frame_taken != FRAME_END;
wire [63:0] bytes_now = word_left != 0 ? word : s_axis_tdata;
wire [3:0] left_now = word_left != 0 ? word_left : 4'd8;
wire have_bytes = state == S_RECEIVE && (word_left != 0 || (take_word && s_axis_tvalid));
wire [BYTE_BITS-1:0] row_rest = ROW_END - row_pos;
wire [BYTE_BITS-1:0] left_wide = {{(BYTE_BITS-4){1'b0}}, left_now};
wire [3:0] moved = row_rest < left_wide ? row_rest[3:0] : left_now;
wire [2:0] from = 3'd0 - left_now[2:0];     // first byte of bytes_now to move: 8 - left_now
wire row_done = have_bytes && row_rest == {{(BYTE_BITS-4){1'b0}}, moved};

assign s_axis_tready = state == S_HEADER || take_word;

always @(posedge clk) begin
    if (rst || drain_done) begin
        word_left <= 0;
        frame_taken <= 0;
        frame_row <= 0;
        row_pos <= 0;
    end else if (state == S_DRAIN) begin
        // the rest of the frame is dropped, word by word
        word_left <= 0;
        if (take_word && s_axis_tvalid) begin
            frame_taken <= frame_taken + 1'b1;
        end
    end else if (have_bytes) begin
        if (word_left == 0) begin
            word <= s_axis_tdata;
            frame_taken <= frame_taken + 1'b1;
        end
        word_left <= left_now - moved;
        if (row_done) begin
            frame_row <= frame_row + 1'b1;
            row_pos <= 0;
        end else begin
            row_pos <= row_pos + {{(BYTE_BITS-4){1'b0}}, moved};
        end
    end
end

// the row buffer: byte k of the row in bank k % 8, at k / 8; along x reads 6 bytes from the
// column's left pixel (addressed in the cycle after the column's issue)
wire [BYTE_BITS-1:0] read_at = columns_q[BYTE_BITS-1:0];
wire [7:0] bank_q [0:7];

genvar q, c, m;
generate
    for (q = 0; q < 8; q = q + 1) begin : g_bank
        localparam [2:0] LANE = q;
        reg [7:0] bytes [0:BANK_DEPTH-1];
        reg [7:0] out = 0;
        // byte i of a move lands on row byte row_pos + i: this bank's i, and its address (the
        // next one where the move starts past this bank)
        wire [3:0] i_write = {1'b0, LANE} - {1'b0, row_pos[2:0]};   // bit 3: the borrow
        wire [BANK_BITS-1:0] at_write = row_pos[BYTE_BITS-1:3] + {{(BANK_BITS-1){1'b0}}, i_write[3]};
        wire [2:0] source = from + i_write[2:0];
        wire read_past = {1'b0, LANE} < {1'b0, read_at[2:0]};   // the read starts past this bank
        wire [BANK_BITS-1:0] at_read = read_at[BYTE_BITS-1:3] + {{(BANK_BITS-1){1'b0}}, read_past};
        always @(posedge clk) begin
            if (have_bytes && {1'b0, i_write[2:0]} < moved) begin
                bytes[at_write] <= bytes_now[8 * source +: 8];
            end
            out <= bytes[at_read];
        end
        assign bank_q[q] = out;
    end
endgenerate

/*
 * the state machine
 */
wire [1:0] top_is = {held_valid[1] && held1 == top, held_valid[0] && held0 == top};
wire top_held = top_is != 2'b00;
wire top_in = !top_is[0];       // the slot holding the top row, when held
wire bottom_held = top == bottom || (top_in ? held_valid[0] && held0 == bottom : held_valid[1] && held1 == bottom);
wire bottom_in_0 = held_valid[0] && held0 == bottom;
wire [15:0] row16 = {{(16-IDX_BITS){1'b0}}, row};
wire [15:0] col16 = {{(16-IDX_BITS){1'b0}}, col};
wire inside_row = row16 >= r0 && row16 < r1;
wire issue_x = state == S_ALONG_X;
wire credit_ok;
wire issue_blend = state == S_BLEND && credit_ok;

always @(posedge clk) begin
    if (rst) begin
        state <= S_HEADER;
        header_word <= 0;
        table_kind <= 0;
        table_index <= 0;
        held_valid <= 2'b00;
    end else begin
        case (state)
            S_HEADER: if (s_axis_tvalid) begin
                if (header_word == 2'd0) begin
                    {c1, c0, r1, r0} <= s_axis_tdata;
                end
                if (header_word == 2'd1) begin
                    fill <= s_axis_tdata[23:0];
                end
                if (header_word != 2'd2) begin
                    header_word <= header_word + 1'b1;
                end else if (table_index != LAST_INDEX) begin
                    table_index <= table_index + 1'b1;
                end else begin
                    table_index <= 0;
                    table_kind <= table_kind + 1'b1;
                    if (table_kind == 2'd3) begin
                        header_word <= 0;
                        row <= 0;
                        held_valid <= 2'b00;
                        state <= S_ROW_INFO;
                    end
                end
            end
            S_ROW_INFO: state <= S_ROW;   // the row's entries are read
            S_ROW: begin
                col <= 0;
                if (row == N_INDEX) begin
                    state <= S_DRAIN;
                end else if (!inside_row || (top_held && bottom_held)) begin
                    top_slot <= top_in;
                    bottom_slot <= top == bottom ? top_in : !top_in;
                    state <= S_BLEND;
                end else begin
                    // Pillow's order: the top row first, into the slot not holding the bottom one
                    fetch_row <= top_held ? bottom : top;
                    fetch_slot <= top_held ? !top_in : bottom_in_0;
                    state <= S_RECEIVE;
                end
            end
            S_RECEIVE: if (row_done && frame_row == fetch_row) begin
                col <= c0[IDX_BITS-1:0];
                state <= S_ALONG_X;
            end
            S_ALONG_X: begin
                if (col16 + 16'd1 == c1) begin
                    state <= S_X_DRAIN;
                end
                col <= col + 1'b1;
            end
            S_X_DRAIN: if (x_valid == 0) begin
                if (fetch_slot) begin
                    held1 <= fetch_row;
                end else begin
                    held0 <= fetch_row;
                end
                held_valid[fetch_slot] <= 1'b1;
                state <= S_ROW;
            end
            S_BLEND: if (credit_ok) begin
                if (col == LAST_INDEX) begin
                    row <= row + 1'b1;
                    state <= S_ROW_INFO;
                end
                col <= col + 1'b1;
            end
            default: if (drain_done) begin   // S_DRAIN
                state <= S_HEADER;
            end
        endcase
    end
end

`ifdef VERILATOR
// the header's rows only move down: a row the frame has passed cannot be fetched
always @(posedge clk) begin
    if (!rst && state == S_RECEIVE && frame_row > fetch_row) begin
        $error("bilinear_crop: frame row %0d is fetched after row %0d went by (rows out of order)",
               fetch_row, frame_row);
    end
end
`endif

/*
 * The interpolation: one fp64_lerp per channel, p + (q - p) * w, for both passes, which take
 * turns. Along x: the column's left and right pixels' bytes and dx, into the fetched row's slot
 * at the column. The blend: the top and bottom rows' values and dy, truncated to a byte, or the
 * fill colour. A pass starts only when the other's last column is in the pipeline.
 */
reg [IDX_BITS-1:0] x_col [0:X_LATENCY-1];
reg [X_LATENCY-1:0] x_slot = 0;
reg x_same = 1'b0;          // right == left (the frame's last column)
reg [63:0] x_dx0 = 0, x_dx1 = 0;    // dx beside the row buffer's read, then the conversion
reg [2:0] read_phase = 0;   // bank of the left pixel's first byte, beside the read
reg [B_LATENCY-1:0] b_fill = 0;
reg [1:0] b_slots = 0;      // top and bottom slots of the issued column
reg [63:0] row_dy = 0;

always @(posedge clk) begin
    x_valid <= rst ? {X_LATENCY{1'b0}} : {x_valid[X_LATENCY-2:0], issue_x};
    x_slot <= {x_slot[X_LATENCY-2:0], fetch_slot};
    x_col[0] <= col;
    x_same <= columns_q[BYTE_BITS];
    x_dx0 <= dx_q;
    x_dx1 <= x_dx0;
    read_phase <= read_at[2:0];
    b_valid <= rst ? {B_LATENCY{1'b0}} : {b_valid[B_LATENCY-2:0], issue_blend};
    b_fill <= {b_fill[B_LATENCY-2:0], !inside_row || col16 < c0 || col16 >= c1};
    b_slots <= {bottom_slot, top_slot};
    if (state == S_ROW) begin
        row_dy <= dy_q;
    end
end

generate
    for (m = 1; m < X_LATENCY; m = m + 1) begin : g_x_delay
        always @(posedge clk) x_col[m] <= x_col[m-1];
    end
endgenerate

(* ram_style = "block" *)
reg [191:0] slot0 [0:N-1];
(* ram_style = "block" *)
reg [191:0] slot1 [0:N-1];
reg [191:0] slot0_q = 0, slot1_q = 0;
wire [191:0] upper_row = b_slots[0] ? slot1_q : slot0_q;
wire [191:0] lower_row = b_slots[1] ? slot1_q : slot0_q;
// along x enters the interpolation 3 cycles after its issue (tables, row buffer, conversion),
// the blend 1 (slots)
wire along_x_in = x_valid[X_LATENCY-LERP_LATENCY-1];
wire [191:0] x_row;
wire [23:0] blended;

generate
    for (c = 0; c < 3; c = c + 1) begin : g_channel
        localparam [2:0] A_LANE = c, B_LANE = c + 3;
        wire [2:0] a_bank = read_phase + A_LANE;
        wire [2:0] b_bank = read_phase + B_LANE;
        wire [7:0] a = bank_q[a_bank];
        wire [7:0] b = x_same ? a : bank_q[b_bank];
        reg [63:0] a_f = 0, b_f = 0;
        reg [7:0] pixel = 0;
        wire [63:0] value;
        wire value_error;
        always @(posedge clk) begin
            a_f <= byte_to_double(a);
            b_f <= byte_to_double(b);
            pixel <= double_to_byte(value[62:45]);
        end
        fp64_lerp interpolate (.clk(clk), .p(along_x_in ? a_f : upper_row[64 * c +: 64]),
                               .q(along_x_in ? b_f : lower_row[64 * c +: 64]),
                               .w(along_x_in ? x_dx1 : row_dy), .y(value), .range_error(value_error));
        assign x_row[64 * c +: 64] = value;
        assign blended[8 * c +: 8] = pixel ^ 8'h80;
`ifdef VERILATOR
        always @(posedge clk) begin
            if (x_valid[X_LATENCY-1] && value_error) begin
                $error("bilinear_crop: a float64 result along x left the normal range");
            end
            if (b_valid[B_LATENCY-2] && !b_fill[B_LATENCY-2]
                    && (value_error || value[63] || value[62:52] > 11'd1030)) begin
                $error("bilinear_crop: a blended value left [0, 256) or the normal range");
            end
        end
`endif
    end
endgenerate

always @(posedge clk) begin
    if (x_valid[X_LATENCY-1]) begin
        if (x_slot[X_LATENCY-1]) begin
            slot1[x_col[X_LATENCY-1]] <= x_row;
        end else begin
            slot0[x_col[X_LATENCY-1]] <= x_row;
        end
    end
    slot0_q <= slot0[col];
    slot1_q <= slot1[col];
end

// a byte as float64 (exactly)
function [63:0] byte_to_double(input [7:0] v);
    reg [51:0] fraction;    // the bits below the leading one, left-aligned
    reg [10:0] exponent;
    integer bit_i;
    begin
        fraction = 52'd0;
        exponent = 11'd1023;
        for (bit_i = 0; bit_i < 8; bit_i = bit_i + 1) begin
            if (v[bit_i]) begin
                fraction = {v, 44'd0} << (8 - bit_i);
                exponent = 11'd1023 + bit_i[10:0];
            end
        end
        byte_to_double = v == 0 ? 64'd0 : {1'b0, exponent, fraction};
    end
endfunction

// a float64 in [0, 256) (its exponent and the top 7 fraction bits) truncated to its whole
// part, as C's cast: 2^k with k = exponent - 1023 = exponent + 1 (mod 8)
function [7:0] double_to_byte(input [17:0] v);
    reg [2:0] k;
    begin
        k = v[9:7] + 3'd1;
        double_to_byte = v[17:7] < 11'd1023 ? 8'd0 : {1'b1, v[6:0]} >> (3'd7 - k);
    end
endfunction

credit_fifo #(
    .WIDTH(24),
    .CREDITS(B_LATENCY + 1)
)
out_fifo (
    .clk(clk),
    .rst(rst),
    .take(issue_blend),
    .credit_ok(credit_ok),
    .in_data(b_fill[B_LATENCY-1] ? fill : blended),
    .in_valid(b_valid[B_LATENCY-1]),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`resetall
