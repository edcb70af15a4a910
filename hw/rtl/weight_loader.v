// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * weight_loader: the write port of a parameter memory that is loaded at run time rather than
 * by the bitstream (an UltraRAM cannot be initialised by a bitstream: its contents power up as
 * zeros). The host writes the design's weight image, 32-bit words in address order, onto one
 * bus that every loaded memory watches (on the board: axil_control's WEIGHT_ADDR / WEIGHT_DATA
 * registers). This memory's part of the image starts at word BASE: each memory word takes
 * LANES = ceil(WIDTH / 32) image words, least significant lane first, and the loader writes
 * the memory word when its last lane arrives.
 *
 * The image is written in address order from a memory's first word on (the image's first word
 * at BASE restarts the count), so the loader counts lanes and words rather than dividing the
 * address by LANES. The host loads only while no frame is in flight.
 */
module weight_loader #
(
    // this memory's first word in the weight image
    parameter BASE = 0,
    // memory word width and depth
    parameter WIDTH = 32,
    parameter DEPTH = 1
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                  clk,
    input  wire                  rst,

    /*
     * The weight bus: one image word a cycle where wl_valid is high
     */
    input  wire                  wl_valid,
    input  wire [31:0]           wl_addr,
    input  wire [31:0]           wl_data,

    /*
     * The memory's write port
     */
    output reg                   we = 1'b0,
    output reg  [(DEPTH > 1 ? $clog2(DEPTH) : 1)-1:0] waddr = 0,
    output reg  [WIDTH-1:0]      wdata = 0
    /* verilator coverage_on */
);

localparam LANES = (WIDTH + 31) / 32;
localparam LANE_BITS = LANES > 1 ? $clog2(LANES) : 1;
localparam DEPTH_BITS = DEPTH > 1 ? $clog2(DEPTH) : 1;
localparam [31:0] BASE_I = BASE;
localparam [31:0] WORDS_I = LANES * DEPTH;
// the region may end at 2^32: its end in 33 bits
localparam [32:0] END = {1'b0, BASE_I} + {1'b0, WORDS_I};
localparam LANE_LAST_I = LANES - 1;
localparam [LANE_BITS-1:0] LANE_LAST = LANE_LAST_I[LANE_BITS-1:0];

initial begin
    if (WIDTH < 1 || DEPTH < 1 || BASE < 0 || END > 33'h1_0000_0000) begin
        $error("weight_loader: WIDTH=%0d, DEPTH=%0d and BASE=%0d must be positive and fit 32-bit addresses",
               WIDTH, DEPTH, BASE);
        $finish;
    end
end

// the address's offset in the region: bit 32 set (a borrow) below it
wire [32:0] offset = {1'b0, wl_addr} - {1'b0, BASE_I};
wire hit = wl_valid && !offset[32] && offset[31:0] < WORDS_I;
wire first = wl_addr == BASE_I;
reg [LANE_BITS-1:0] lane = 0;
reg [DEPTH_BITS-1:0] word = 0;
wire [LANE_BITS-1:0] lane_now = first ? {LANE_BITS{1'b0}} : lane;
wire [DEPTH_BITS-1:0] word_now = first ? {DEPTH_BITS{1'b0}} : word;

// the lanes before the last, held until the last arrives
wire [LANES*32-1:0] assembled;
generate
if (LANES > 1) begin : g_stage
    reg [(LANES-1)*32-1:0] stage = 0;
    always @(posedge clk) begin
        if (hit && lane_now != LANE_LAST) begin
            stage[lane_now*32 +: 32] <= wl_data;
        end
    end
    assign assembled = {wl_data, stage};
end else begin : g_no_stage
    assign assembled = wl_data;
end
endgenerate

always @(posedge clk) begin
    we <= hit && lane_now == LANE_LAST;
    if (hit) begin
        if (lane_now == LANE_LAST) begin
            waddr <= word_now;
            wdata <= assembled[WIDTH-1:0];
            lane <= {LANE_BITS{1'b0}};
            word <= word_now + 1'b1;
        end else begin
            lane <= lane_now + 1'b1;
            word <= word_now;
        end
    end
    if (rst) begin
        we <= 1'b0;
        lane <= {LANE_BITS{1'b0}};
        word <= {DEPTH_BITS{1'b0}};
    end
end

endmodule

`resetall
