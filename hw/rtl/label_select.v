// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * label_select: top-K of a frame of LABELS values, for classifiers. Each frame arrives as
 * LABELS/PE words (element 0, the lowest index, in the least significant bits) and leaves as
 * K words, one index each: the indices of the K largest values, largest first, and among
 * equal values the lower index first (as ONNX TopK).
 *
 * One value per cycle is inserted into a list of K (value, index) slots kept sorted, largest
 * first. A new value passes only the slots it is strictly larger than; values arrive in
 * increasing index order, so equal values stay in index order. The frame's last insertion
 * writes the finished list's indices into an output shift register and empties the list,
 * so the K indices leave while the next frame enters: LABELS cycles per frame.
 */
module label_select #
(
    // values per frame (number of classes)
    parameter LABELS = 10,
    // indices to output per frame, 1 <= K <= LABELS
    parameter K = 1,
    // values per input word; divides LABELS
    parameter PE = 1,
    // bits per input value
    parameter IN_BITS = 8,
    // 1: input values are two's complement; 0: unsigned (and BIPOLAR, bit 1 = +1)
    parameter IN_SIGNED = 0,
    // bits per output index, at least $clog2(LABELS)
    parameter OUT_BITS = 4
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                  clk,
    input  wire                  rst,

    /*
     * AXI-Stream input: PE values per word
     */
    input  wire [PE*IN_BITS-1:0] s_axis_tdata,
    input  wire                  s_axis_tvalid,
    output wire                  s_axis_tready,

    /*
     * AXI-Stream output: one index per word, K words per frame
     */
    output wire [OUT_BITS-1:0]   m_axis_tdata,
    output wire                  m_axis_tvalid,
    input  wire                  m_axis_tready
    /* verilator coverage_on */
);

// bits of the position counter inside an input word
localparam POS_BITS = PE > 1 ? $clog2(PE) : 1;
// bits of the count of indices still to send
localparam LEFT_BITS = $clog2(K + 1);
// the sign bit flipped turns two's complement into an order-preserving unsigned key
localparam integer FLIP = IN_SIGNED != 0 ? 1 << (IN_BITS - 1) : 0;
localparam [IN_BITS-1:0] KEY_FLIP = FLIP[IN_BITS-1:0];
// index of the frame's last value
localparam integer LAST = LABELS - 1;
localparam [OUT_BITS-1:0] LAST_LABEL = LAST[OUT_BITS-1:0];
// position of the last value in an input word
localparam integer LAST_IN_WORD = PE - 1;
localparam [POS_BITS-1:0] LAST_POS = LAST_IN_WORD[POS_BITS-1:0];
// indices per frame, as a count
localparam integer K_INT = K;
localparam [LEFT_BITS-1:0] K_WORDS = K_INT[LEFT_BITS-1:0];
// a 1 in the lowest list slot
localparam [K-1:0] FIRST_SLOT = 1;

initial begin
    if (LABELS < 1 || K < 1 || K > LABELS) begin
        $error("label_select: need 1 <= K <= LABELS (got K=%0d, LABELS=%0d)", K, LABELS);
        $finish;
    end
    if (PE < 1 || LABELS % PE != 0) begin
        $error("label_select: PE=%0d must divide LABELS=%0d", PE, LABELS);
        $finish;
    end
    if (IN_BITS < 1 || OUT_BITS < 1 || (LABELS > 1 && OUT_BITS < $clog2(LABELS))) begin
        $error("label_select: IN_BITS=%0d, OUT_BITS=%0d too narrow for LABELS=%0d",
               IN_BITS, OUT_BITS, LABELS);
        $finish;
    end
end

/*
 * Input word register: the value at its least significant end is the one to insert
 */
reg [PE*IN_BITS-1:0] word = 0;
reg word_valid = 1'b0;
reg [POS_BITS-1:0] word_pos = 0;
// index of the value being inserted
reg [OUT_BITS-1:0] label = 0;

/*
 * Sorted list, slot 0 the largest; a slot is valid once the frame has filled it
 */
reg [K*IN_BITS-1:0] list_key = 0;
reg [K*OUT_BITS-1:0] list_idx = 0;
reg [K-1:0] list_valid = 0;

/*
 * Output shift register: the finished frame's indices, the next to send at the bottom
 */
reg [K*OUT_BITS-1:0] out_idx = 0;
reg [LEFT_BITS-1:0] out_left = 0;

wire last_label = label == LAST_LABEL;
// the output register is free, or frees this cycle, for the frame's last insertion
wire out_free = out_left == 0 || (out_left == 1 && m_axis_tready);
wire insert = word_valid && (!last_label || out_free);
wire word_done = insert && word_pos == LAST_POS;
wire [IN_BITS-1:0] new_key = word[IN_BITS-1:0] ^ KEY_FLIP;

assign s_axis_tready = !word_valid || word_done;
assign m_axis_tdata = out_idx[OUT_BITS-1:0];
assign m_axis_tvalid = out_left != 0;

// beats[i]: the new value moves into or past slot i
wire [K-1:0] beats;
// the list after inserting the new value
wire [K*IN_BITS-1:0] next_key;
wire [K*OUT_BITS-1:0] next_idx;

genvar i;
generate
    for (i = 0; i < K; i = i + 1) begin : slot
        wire [IN_BITS-1:0] key = list_key[i*IN_BITS +: IN_BITS];
        assign beats[i] = !list_valid[i] || new_key > key;
        if (i == 0) begin : head
            assign next_key[i*IN_BITS +: IN_BITS] = beats[i] ? new_key : key;
            assign next_idx[i*OUT_BITS +: OUT_BITS] =
                beats[i] ? label : list_idx[i*OUT_BITS +: OUT_BITS];
        end else begin : tail
            // slots past the insertion point take their upper neighbour
            wire shift = beats[i-1];
            assign next_key[i*IN_BITS +: IN_BITS] =
                !beats[i] ? key : shift ? list_key[(i-1)*IN_BITS +: IN_BITS] : new_key;
            assign next_idx[i*OUT_BITS +: OUT_BITS] =
                !beats[i] ? list_idx[i*OUT_BITS +: OUT_BITS] :
                shift ? list_idx[(i-1)*OUT_BITS +: OUT_BITS] : label;
        end
    end
endgenerate

// A write to the word register takes the input word when the register is empty or its last
// value is being inserted (without a new word the register is then left unused), else it
// moves the next value down. This select needs no handshake signal, which keeps it small.
wire word_load = !word_valid || word_pos == LAST_POS;

always @(posedge clk) begin
    if ((s_axis_tvalid && s_axis_tready) || insert) begin
        word <= word_load ? s_axis_tdata : word >> IN_BITS;
    end
    if (insert) begin
        list_key <= next_key;
        list_idx <= next_idx;
    end
    if (insert && last_label) begin
        out_idx <= next_idx;
    end else if (m_axis_tvalid && m_axis_tready) begin
        out_idx <= out_idx >> OUT_BITS;
    end
end

always @(posedge clk) begin
    if (rst) begin
        word_valid <= 1'b0;
        word_pos <= 0;
        label <= 0;
        list_valid <= 0;
        out_left <= 0;
    end else begin
        if (s_axis_tvalid && s_axis_tready) begin
            word_valid <= 1'b1;
            word_pos <= 0;
        end else if (word_done) begin
            word_valid <= 1'b0;
        end else if (insert) begin
            word_pos <= word_pos + 1'b1;
        end
        if (insert) begin
            if (last_label) begin
                label <= 0;
                list_valid <= 0;
                out_left <= K_WORDS;
            end else begin
                label <= label + 1'b1;
                list_valid <= (list_valid << 1) | FIRST_SLOT;
            end
        end
        if (m_axis_tvalid && m_axis_tready && !(insert && last_label)) begin
            out_left <= out_left - 1'b1;
        end
    end
end

endmodule

`resetall
