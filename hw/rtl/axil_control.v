// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * axil_control: the AXI-Lite register file beside an accelerator's data path. It watches the
 * input and output stream handshakes, marks the last output word of a batch (TLAST, which ends
 * an AXI DMA S2MM transfer), or of every frame where the batch asks, and counts the cycles of
 * the last batch, from its first accepted input word to its last output word, both included.
 *
 * Registers (32 bits, byte offsets):
 *   0x00 ID          read-only  0x514E4E46 ("QNNF")
 *   0x04 STATUS      read-only  bit 0 busy (batch started, not finished), bit 1 done
 *   0x08 FRAMES      read-write bits 30:0 frames in the next batch (>= 1); bit 31 EACH: TLAST
 *                    ends every output frame, so that a driver takes each frame's outputs as
 *                    they come, an S2MM transfer a frame (else only the batch's last word);
 *                    writing it starts a new batch
 *   0x0C CYCLES_LO   read-only  cycles of the last batch, bits 31:0
 *   0x10 CYCLES_HI   read-only  bits 63:32
 *   0x14 IN_WORDS    read-only  input words per frame
 *   0x18 OUT_WORDS   read-only  output words per frame
 *   0x1C CAPTURE     read-write bit 0: the next batch is a capture batch, exemplar_capture high
 *                    for all of its frames; clears itself when that batch's last output word
 *                    leaves (with the parameter CAPTURE = 0: reads 0, writes ignored)
 *   0x20 WEIGHT_ADDR read-write the weight image address of the next WEIGHT_DATA write
 *   0x24 WEIGHT_DATA write-only a write puts its word on the weight bus (wl_*) at WEIGHT_ADDR,
 *                    which then counts up by one: the host loads the data path's run-time
 *                    memories by writing WEIGHT_ADDR once and the image word by word
 *                    (hw/rtl/weight_loader.v; with the parameter WEIGHTS = 0 both read 0,
 *                    writes are ignored and the bus stays idle)
 * Writes to read-only registers are ignored; every access answers OKAY.
 *
 * exemplar_capture (the data path's control input) changes only while no batch runs: from the
 * batch's first input word to its last output word it holds, so a CAPTURE write during a
 * batch takes effect with the next one, and the data path never sees the flag change inside a
 * batch (it samples the flag deep in the pipeline, as each frame's first word reaches the op).
 * A per-batch flag rather than a per-frame one: the register file cannot tell when a frame's
 * first word reaches that op while earlier frames are still in flight, but between batches
 * the data path is drained. A batch starts with a FRAMES write, as the driver does. The weights
 * are loaded between batches too, as the driver does once after programming the PL.
 */
module axil_control #
(
    // input stream words per frame
    parameter [31:0] IN_WORDS = 1,
    // output stream words per frame
    parameter [31:0] OUT_WORDS = 1,
    // 1: the data path has an exemplar_capture control input, set by the CAPTURE register
    parameter CAPTURE = 0,
    // 1: the data path has the weight bus, driven by WEIGHT_ADDR / WEIGHT_DATA
    parameter WEIGHTS = 0
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire        clk,
    input  wire        rst,

    /*
     * AXI-Lite slave
     */
    input  wire [5:0]  s_axil_awaddr,  // word-aligned: bits 1:0 are not decoded
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,   // only whole-word writes are meaningful here
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output reg         s_axil_bvalid = 1'b0,
    input  wire        s_axil_bready,
    input  wire [5:0]  s_axil_araddr,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output reg  [31:0] s_axil_rdata = 32'd0,
    output wire [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid = 1'b0,
    input  wire        s_axil_rready,

    /*
     * Stream handshakes of the data path
     */
    input  wire        in_fire,
    input  wire        out_fire,
    output wire        out_last,

    /*
     * Control inputs of the data path
     */
    output reg         exemplar_capture = 1'b0,
    output reg         wl_valid = 1'b0,
    output reg  [31:0] wl_addr = 32'd0,
    output reg  [31:0] wl_data = 32'd0
    /* verilator coverage_on */
);

localparam [31:0] ID = 32'h514E4E46;

initial begin
    if (IN_WORDS < 1 || OUT_WORDS < 1) begin
        $error("axil_control: IN_WORDS and OUT_WORDS must be >= 1 (got %0d, %0d)", IN_WORDS, OUT_WORDS);
        $finish;
    end
    if (CAPTURE != 0 && CAPTURE != 1) begin
        $error("axil_control: CAPTURE must be 0 or 1 (got %0d)", CAPTURE);
        $finish;
    end
    if (WEIGHTS != 0 && WEIGHTS != 1) begin
        $error("axil_control: WEIGHTS must be 0 or 1 (got %0d)", WEIGHTS);
        $finish;
    end
end

reg [30:0] frames = 31'd1;
reg each = 1'b0;            // TLAST on every frame's last output word (FRAMES bit 31)
// the batch's output position as (frame, word in frame): counting frames rather than words
// needs no frames x OUT_WORDS product, so no multiplier
reg [31:0] frames_out = 32'd0;
reg [31:0] frame_words_out = 32'd0;
reg [63:0] cycles = 64'd0;
reg started = 1'b0;
reg done = 1'b0;
reg capture_next = 1'b0;   // the CAPTURE register
reg [31:0] weight_addr = 32'd0;   // the WEIGHT_ADDR register

// a write takes address and data together, and waits while its response is pending
wire write = s_axil_awvalid && s_axil_wvalid && !s_axil_bvalid;
assign s_axil_awready = write;
assign s_axil_wready = write;
assign s_axil_bresp = 2'b00;
assign s_axil_arready = !s_axil_rvalid;
assign s_axil_rresp = 2'b00;

wire frame_last = frame_words_out == OUT_WORDS - 32'd1;
wire batch_last = frame_last && frames_out == {1'b0, frames} - 32'd1;
assign out_last = batch_last || (frame_last && each);
wire running = started && !done;

always @(posedge clk) begin
    if (write) begin
        s_axil_bvalid <= 1'b1;
    end else if (s_axil_bready) begin
        s_axil_bvalid <= 1'b0;
    end

    if (s_axil_arvalid && s_axil_arready) begin
        s_axil_rvalid <= 1'b1;
        case (s_axil_araddr[5:2])
            4'd0: s_axil_rdata <= ID;
            4'd1: s_axil_rdata <= {30'd0, done, running};
            4'd2: s_axil_rdata <= {each, frames};
            4'd3: s_axil_rdata <= cycles[31:0];
            4'd4: s_axil_rdata <= cycles[63:32];
            4'd5: s_axil_rdata <= IN_WORDS;
            4'd6: s_axil_rdata <= OUT_WORDS;
            4'd7: s_axil_rdata <= {31'd0, capture_next};
            4'd8: s_axil_rdata <= weight_addr;
            default: s_axil_rdata <= 32'd0;
        endcase
    end else if (s_axil_rready) begin
        s_axil_rvalid <= 1'b0;
    end

    // the cycle counter: the first input word's cycle counts 1, then one per cycle up to and
    // including the cycle of the batch's last output word
    if (in_fire && !started) begin
        started <= 1'b1;
        cycles <= 64'd1;
    end else if (running) begin
        cycles <= cycles + 64'd1;
    end
    if (out_fire) begin
        if (batch_last) begin
            done <= 1'b1;
        end
        frame_words_out <= frame_last ? 32'd0 : frame_words_out + 32'd1;
        frames_out <= batch_last ? 32'd0 : frames_out + {31'd0, frame_last};
    end

    // the flag follows CAPTURE between batches and holds during one; a capture batch's end
    // clears CAPTURE (a write in the same cycle wins: it is meant for the next batch)
    if (!running) begin
        exemplar_capture <= capture_next;
    end
    if (out_fire && batch_last && exemplar_capture) begin
        capture_next <= 1'b0;
    end
    if (CAPTURE != 0 && write && s_axil_awaddr[5:2] == 4'd7) begin
        capture_next <= s_axil_wdata[0];
    end

    // the weight bus: one image word a WEIGHT_DATA write, at WEIGHT_ADDR, which counts on
    wl_valid <= WEIGHTS != 0 && write && s_axil_awaddr[5:2] == 4'd9;
    if (WEIGHTS != 0 && write && s_axil_awaddr[5:2] == 4'd9) begin
        wl_addr <= weight_addr;
        wl_data <= s_axil_wdata;
        weight_addr <= weight_addr + 32'd1;
    end
    if (WEIGHTS != 0 && write && s_axil_awaddr[5:2] == 4'd8) begin
        weight_addr <= s_axil_wdata;
    end

    if (write && s_axil_awaddr[5:2] == 4'd2) begin
        frames <= s_axil_wdata[30:0] == 31'd0 ? 31'd1 : s_axil_wdata[30:0];
        each <= s_axil_wdata[31];
        frames_out <= 32'd0;
        frame_words_out <= 32'd0;
        started <= 1'b0;
        done <= 1'b0;
        cycles <= 64'd0;
    end

    if (rst) begin
        s_axil_bvalid <= 1'b0;
        s_axil_rvalid <= 1'b0;
        frames <= 31'd1;
        each <= 1'b0;
        frames_out <= 32'd0;
        frame_words_out <= 32'd0;
        started <= 1'b0;
        done <= 1'b0;
        cycles <= 64'd0;
        capture_next <= 1'b0;
        exemplar_capture <= 1'b0;
        weight_addr <= 32'd0;
        wl_valid <= 1'b0;
    end
end

endmodule

`resetall
