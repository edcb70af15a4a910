// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * dwc: AXI-Stream data width converter. Regroups a stream of IN_ELEMS-element words into
 * OUT_ELEMS-element words, element order kept (element 0 in the least significant bits),
 * at one word per cycle on the narrower side (the side with more words). Frames need no
 * handling: a frame's element count is a multiple of both word sizes.
 *
 * Four forms, chosen by the ratio:
 *   equal        a register slice;
 *   up by n      a shift register that collects n input words, and a counter;
 *   down by n    a register that holds one input word, its n pieces selected in turn by a counter;
 *   any other    (6 -> 4, 4 -> 6, 9 -> 6 ...) a buffer of IN_ELEMS + OUT_ELEMS elements
 *                with a fill count: the output takes the bottom OUT_ELEMS elements, a new
 *                word is written just above the elements that remain. Fill levels count
 *                groups of gcd(IN_ELEMS, OUT_ELEMS) elements, so few write positions exist.
 */
module dwc #
(
    // elements per input word
    parameter IN_ELEMS = 1,
    // elements per output word
    parameter OUT_ELEMS = 1,
    // bits per element
    parameter BITS = 8
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                      clk,
    input  wire                      rst,

    /*
     * AXI-Stream input
     */
    input  wire [IN_ELEMS*BITS-1:0]  s_axis_tdata,
    input  wire                      s_axis_tvalid,
    output wire                      s_axis_tready,

    /*
     * AXI-Stream output
     */
    output wire [OUT_ELEMS*BITS-1:0] m_axis_tdata,
    output wire                      m_axis_tvalid,
    input  wire                      m_axis_tready
    /* verilator coverage_on */
);

localparam IN_W = IN_ELEMS * BITS;
localparam OUT_W = OUT_ELEMS * BITS;
// integer ratios take the shift-register forms
localparam UP = OUT_ELEMS > IN_ELEMS && OUT_ELEMS % IN_ELEMS == 0;
localparam DOWN = IN_ELEMS > OUT_ELEMS && IN_ELEMS % OUT_ELEMS == 0;
// words per word on the narrow side of an integer ratio
localparam RATIO = UP ? OUT_ELEMS / IN_ELEMS : DOWN ? IN_ELEMS / OUT_ELEMS : 1;
localparam CNT_BITS = RATIO > 1 ? $clog2(RATIO) : 1;
localparam integer LAST_INT = RATIO - 1;
// counter value of the last piece of a word on the narrow side
localparam [CNT_BITS-1:0] LAST = LAST_INT[CNT_BITS-1:0];
// the general form counts in groups of GROUP elements, the largest size dividing both words
localparam GROUP = gcd(IN_ELEMS, OUT_ELEMS);
localparam GROUP_W = GROUP * BITS;
// groups per input word, per output word, and held by the general form's buffer
localparam IN_G = IN_ELEMS / GROUP;
localparam OUT_G = OUT_ELEMS / GROUP;
localparam CAP_G = IN_G + OUT_G;
localparam FILL_BITS = $clog2(CAP_G + 1);

// greatest common divisor, for the parameters above
function integer gcd(input integer a, input integer b);
    integer d;
    begin
        gcd = 1;
        for (d = 1; d <= a; d = d + 1) begin
            if (a % d == 0 && b % d == 0) begin
                gcd = d;
            end
        end
    end
endfunction

initial begin
    if (IN_ELEMS < 1 || OUT_ELEMS < 1 || BITS < 1) begin
        $error("dwc: IN_ELEMS=%0d, OUT_ELEMS=%0d and BITS=%0d must all be >= 1",
               IN_ELEMS, OUT_ELEMS, BITS);
        $finish;
    end
end

wire in_fire = s_axis_tvalid && s_axis_tready;

generate
    if (IN_ELEMS == OUT_ELEMS) begin : equal
        reg [OUT_W-1:0] data = 0;
        reg valid = 1'b0;

        assign s_axis_tready = !valid || m_axis_tready;
        assign m_axis_tdata = data;
        assign m_axis_tvalid = valid;

        always @(posedge clk) begin
            if (in_fire) begin
                data <= s_axis_tdata;
            end
            if (rst) begin
                valid <= 1'b0;
            end else if (in_fire) begin
                valid <= 1'b1;
            end else if (m_axis_tready) begin
                valid <= 1'b0;
            end
        end
    end else if (UP) begin : up
        // input words enter at the top; after RATIO of them the first sits at the bottom
        reg [OUT_W-1:0] data = 0;
        reg [CNT_BITS-1:0] count = 0;
        reg valid = 1'b0;

        // the shift register is the output word: it shifts only once that word leaves
        assign s_axis_tready = !valid || m_axis_tready;
        assign m_axis_tdata = data;
        assign m_axis_tvalid = valid;

        always @(posedge clk) begin
            if (in_fire) begin
                data <= {s_axis_tdata, data[OUT_W-1:IN_W]};
            end
            if (rst) begin
                count <= 0;
                valid <= 1'b0;
            end else begin
                if (in_fire) begin
                    count <= count == LAST ? 0 : count + 1'b1;
                end
                if (in_fire && count == LAST) begin
                    valid <= 1'b1;
                end else if (m_axis_tready) begin
                    valid <= 1'b0;
                end
            end
        end
    end else if (DOWN) begin : down
        // one input word, held; its pieces leave in turn through a multiplexer (about a LUT
        // per output bit per four pieces), where shifting the word down would take a LUT per
        // bit below its top piece
        reg [IN_W-1:0] data = 0;
        reg [CNT_BITS-1:0] count = 0;
        reg valid = 1'b0;
        wire out_fire = valid && m_axis_tready;

        assign s_axis_tready = !valid || (m_axis_tready && count == LAST);
        assign m_axis_tdata = data[count*OUT_W +: OUT_W];
        assign m_axis_tvalid = valid;

        always @(posedge clk) begin
            if (in_fire) begin
                data <= s_axis_tdata;
            end
            if (rst) begin
                count <= 0;
                valid <= 1'b0;
            end else if (in_fire) begin
                count <= 0;
                valid <= 1'b1;
            end else if (out_fire) begin
                count <= count + 1'b1;
                if (count == LAST) begin
                    valid <= 1'b0;
                end
            end
        end
    end else begin : general
        // groups [0, fill) of the buffer are held, the oldest at the bottom; those above are
        // don't-care. Every fill level is a whole number of groups.
        reg [CAP_G*GROUP_W-1:0] data = 0;
        reg [FILL_BITS-1:0] fill = 0;
        reg [CAP_G*GROUP_W-1:0] next_data;

        // the group counts at the width of the fill count
        localparam integer IN_INT = IN_G;
        localparam integer OUT_INT = OUT_G;
        localparam integer ROOM_INT = CAP_G - IN_G;
        localparam [FILL_BITS-1:0] IN_N = IN_INT[FILL_BITS-1:0];
        localparam [FILL_BITS-1:0] OUT_N = OUT_INT[FILL_BITS-1:0];
        // the most groups held when a new word may enter
        localparam [FILL_BITS-1:0] ROOM_N = ROOM_INT[FILL_BITS-1:0];

        wire out_fire = m_axis_tvalid && m_axis_tready;
        // groups left after this cycle's output; the new word is written just above them
        wire [FILL_BITS-1:0] kept = out_fire ? fill - OUT_N : fill;
        wire [CAP_G*GROUP_W-1:0] shifted = out_fire ? data >> OUT_W : data;

        assign s_axis_tready = kept <= ROOM_N;
        assign m_axis_tdata = data[OUT_W-1:0];
        assign m_axis_tvalid = fill >= OUT_N;

        // one input position for each fill level that lets a word in
        integer p;
        always @* begin
            next_data = shifted;
            for (p = 0; p <= ROOM_INT; p = p + 1) begin
                if (in_fire && kept == p[FILL_BITS-1:0]) begin
                    next_data[p*GROUP_W +: IN_W] = s_axis_tdata;
                end
            end
        end

        always @(posedge clk) begin
            data <= next_data;
            if (rst) begin
                fill <= 0;
            end else begin
                fill <= in_fire ? kept + IN_N : kept;
            end
        end
    end
endgenerate

endmodule

`resetall
