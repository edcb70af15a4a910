// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * correlation: dot products of streaming window vectors with an exemplar vector held in a
 * memory written at run time (SiamFC's cross-correlation; semantics: flow/ops/correlation.py).
 * Each vector of MW elements arrives as MW/SIMD words of SIMD signed elements; one score
 * (ACC_BITS, signed) leaves per vector.
 *
 * exemplar_capture is sampled when a frame's first word issues. In such a capture frame the first
 * vector is written into the exemplar memory as it streams and is multiplied by itself; the
 * frame's other vectors read the new exemplar. Otherwise every vector reads the memory.
 *
 * Pipeline (free running, no stall), as mvau: issue (counters, memory read/write) -> products
 * -> adder_tree -> accumulator -> output FIFO; the issue stage takes a credit per score.
 */
module correlation #
(
    // elements per vector (the exemplar's size, KH * KW * C)
    parameter MW = 8,
    // input elements per word, divides MW
    parameter SIMD = 2,
    // width of an element (feature) and of an exemplar element
    parameter IN_BITS = 8,
    // elements are two's complement (1) or unsigned (0)
    parameter IN_SIGNED = 1,
    // width of a score (signed)
    parameter ACC_BITS = 20,
    // vectors (score-map cells) per frame
    parameter NUM_VECTORS = 4,
    // "auto", "block" or "distributed": the exemplar memory; read by synthesis only
    parameter RAM_STYLE = "auto"
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                     clk,
    input  wire                     rst,

    /*
     * Control: capture the next frame's first vector as the exemplar
     */
    input  wire                     exemplar_capture,

    /*
     * AXI-Stream input: SIMD elements of IN_BITS, element 0 in the LSBs
     */
    input  wire [SIMD*IN_BITS-1:0]  s_axis_tdata,
    input  wire                     s_axis_tvalid,
    output wire                     s_axis_tready,

    /*
     * AXI-Stream output: one score
     */
    output wire [ACC_BITS-1:0]      m_axis_tdata,
    output wire                     m_axis_tvalid,
    input  wire                     m_axis_tready
    /* verilator coverage_on */
);

localparam SF = MW / SIMD;
localparam SF_BITS = SF > 1 ? $clog2(SF) : 1;
localparam VEC_BITS = NUM_VECTORS > 1 ? $clog2(NUM_VECTORS) : 1;
localparam SF_LAST_I = SF - 1;
localparam VEC_LAST_I = NUM_VECTORS - 1;
localparam [SF_BITS-1:0] SF_LAST = SF_LAST_I[SF_BITS-1:0];
localparam [VEC_BITS-1:0] VEC_LAST = VEC_LAST_I[VEC_BITS-1:0];
localparam PROD_BITS = 2 * IN_BITS + (IN_SIGNED != 0 ? 0 : 1);
localparam TREE_LEVELS_PER_REG = 3;
localparam TREE_LEVELS = SIMD > 1 ? $clog2(SIMD) : 1;
localparam TREE_LATENCY = (TREE_LEVELS + TREE_LEVELS_PER_REG - 1) / TREE_LEVELS_PER_REG;
// issue -> memory/input register -> product register -> tree -> accumulator
localparam LATENCY = 3 + TREE_LATENCY;
localparam CREDITS = (LATENCY + 3 + SF - 1) / SF;

initial begin
    if (SIMD < 1 || MW % SIMD != 0) begin
        $error("correlation: SIMD=%0d must divide MW=%0d", SIMD, MW);
        $finish;
    end
    if (NUM_VECTORS < 1) begin
        $error("correlation: NUM_VECTORS=%0d must be >= 1", NUM_VECTORS);
        $finish;
    end
    if (IN_BITS < 1 || ACC_BITS < 1) begin
        $error("correlation: IN_BITS=%0d and ACC_BITS=%0d must be >= 1", IN_BITS, ACC_BITS);
        $finish;
    end
end

/*
 * Issue: one word per cycle while a credit for its score is available.
 */
reg [SF_BITS-1:0] sf = 0;
reg [VEC_BITS-1:0] vec = 0;
reg capturing = 1'b0;   // this frame is a capture frame (sampled at its first word)
wire credit_ok;

wire sf_last = sf == SF_LAST;
wire frame_first = vec == 0 && sf == 0;
wire issue = s_axis_tvalid && (!sf_last || credit_ok);
// the first vector of a capture frame: store it, and multiply it by itself
wire write_exemplar = issue && vec == 0 && (frame_first ? exemplar_capture : capturing);

assign s_axis_tready = !sf_last || credit_ok;

always @(posedge clk) begin
    if (rst) begin
        sf <= 0;
        vec <= 0;
        capturing <= 1'b0;
    end else if (issue) begin
        sf <= sf_last ? {SF_BITS{1'b0}} : sf + 1'b1;
        if (sf_last) begin
            vec <= vec == VEC_LAST ? {VEC_BITS{1'b0}} : vec + 1'b1;
        end
        if (frame_first) begin
            capturing <= exemplar_capture;
        end
    end
end

/*
 * Stage 1: the input word and the exemplar word (the input itself while it is written)
 */
(* ram_style = RAM_STYLE *)
reg [SIMD*IN_BITS-1:0] exemplar [0:SF-1];
reg [SIMD*IN_BITS-1:0] x1 = 0;
reg [SIMD*IN_BITS-1:0] e_mem = 0;
reg from_input = 1'b0;
// tag: {last word of the vector, first word of the vector, valid}
reg [2:0] tag1 = 0;

integer i;
initial begin
    for (i = 0; i < SF; i = i + 1) begin
        exemplar[i] = 0;
    end
end

always @(posedge clk) begin
    if (write_exemplar) begin
        exemplar[sf] <= s_axis_tdata;
    end
    e_mem <= exemplar[sf];
    x1 <= s_axis_tdata;
    from_input <= write_exemplar;
    if (rst) begin
        tag1 <= 0;
    end else begin
        tag1 <= {sf_last, sf == 0, issue};
    end
end

wire [SIMD*IN_BITS-1:0] e1 = from_input ? x1 : e_mem;

/*
 * Stage 2: SIMD products
 */
reg [SIMD*PROD_BITS-1:0] prod2 = 0;
reg [2:0] tag2 = 0;

genvar s;
generate
for (s = 0; s < SIMD; s = s + 1) begin : elem
    wire signed [IN_BITS:0] x = {IN_SIGNED != 0 && x1[s*IN_BITS + IN_BITS - 1], x1[s*IN_BITS +: IN_BITS]};
    wire signed [IN_BITS:0] e = {IN_SIGNED != 0 && e1[s*IN_BITS + IN_BITS - 1], e1[s*IN_BITS +: IN_BITS]};
    // the exact product, of which PROD_BITS carry every value
    wire signed [2*IN_BITS+1:0] p = x * e;
    always @(posedge clk) begin
        prod2[s*PROD_BITS +: PROD_BITS] <= p[PROD_BITS-1:0];
    end
end
endgenerate

always @(posedge clk) begin
    if (rst) begin
        tag2 <= 0;
    end else begin
        tag2 <= tag1;
    end
end

/*
 * Stage 3: the word's partial dot product
 */
wire [ACC_BITS-1:0] sum3;
wire [2:0] tag3;

adder_tree #(
    .LANES(1),
    .N(SIMD),
    .IN_BITS(PROD_BITS),
    .SIGNED(1),
    .OUT_BITS(ACC_BITS),
    .LEVELS_PER_REG(TREE_LEVELS_PER_REG),
    .TAG_BITS(3)
)
dot_tree (
    .clk(clk),
    .rst(rst),
    .in_data(prod2),
    .in_tag(tag2),
    .out_data(sum3),
    .out_tag(tag3)
);

/*
 * Stage 4: the accumulator; a score is complete when the vector's last word lands
 */
reg [ACC_BITS-1:0] acc = 0;
reg valid4 = 1'b0;

always @(posedge clk) begin
    if (tag3[0]) begin
        acc <= (tag3[1] ? {ACC_BITS{1'b0}} : acc) + sum3;
    end
    if (rst) begin
        valid4 <= 1'b0;
    end else begin
        valid4 <= tag3[0] && tag3[2];
    end
end

credit_fifo #(
    .WIDTH(ACC_BITS),
    .CREDITS(CREDITS)
)
out_fifo (
    .clk(clk),
    .rst(rst),
    .take(issue && sf_last),
    .credit_ok(credit_ok),
    .in_data(acc),
    .in_valid(valid4),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`resetall
