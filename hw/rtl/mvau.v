// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * mvau: matrix-vector-activation unit. Each input vector of MW elements, arriving as
 * MW/SIMD words of SIMD elements, is multiplied by an MW x MH weight matrix held in a ROM;
 * MH/PE output words of PE channels leave per vector, either the accumulators or their
 * multi-threshold activations. One synapse-fold step (SIMD x PE products) per cycle: the
 * vector is buffered while neuron fold 0 consumes it and replayed for the other folds.
 *
 * Modes: 0 xnor (bipolar x bipolar as bits, popcount P, accumulator 2P - MW, thresholds
 * compare P unsigned), 1 binary_weight (weight bit 1 = +1, 0 = -1, integer inputs),
 * 2 int (integer x integer multiply-accumulate), 3 binary_input (input bit 1 = +1,
 * 0 = -1, integer weights). Semantics: flow/ops/mvau.py.
 *
 * Pipeline (free running, no stall): issue (counters, weight and buffer read) -> terms
 * (products; in xnor, the matches of each three bit pairs) -> adder_tree -> accumulators
 * (+ threshold read) -> activation -> output FIFO.
 * The issue stage takes a credit per output word and stalls when the FIFO could fill, so
 * nothing in flight ever waits; s_axis_tready and m_axis_tvalid come from registers only.
 */
module mvau #
(
    // elements per input vector (weight matrix rows)
    parameter MW = 8,
    // output channels (weight matrix columns)
    parameter MH = 4,
    // input elements per word (synapse parallelism), divides MW
    parameter SIMD = 2,
    // output channels per word (neuron parallelism), divides MH
    parameter PE = 2,
    // 0 = xnor, 1 = binary_weight, 2 = int, 3 = binary_input
    parameter MODE = 0,
    // width of an input element
    parameter IN_BITS = 1,
    // input elements are two's complement (1) or unsigned (0)
    parameter IN_SIGNED = 0,
    // width of a weight
    parameter W_BITS = 1,
    // weights are two's complement (1) or unsigned (0); modes int and binary_input
    parameter W_SIGNED = 0,
    // width of the (signed) accumulator value, the output width without thresholds
    parameter ACC_BITS = 5,
    // vectors per frame; the datapath does not depend on it
    parameter NUM_VECTORS = 1,
    // thresholds per channel, 0 = output the accumulators
    parameter N_THRES = 0,
    // width of a threshold (unsigned in mode xnor, two's complement otherwise)
    parameter THRES_BITS = 1,
    // width of an output element
    parameter OUT_BITS = 5,
    // added to the threshold count: the lowest output level
    parameter ACT_BIAS = 0,
    // $readmemh file of the weights: word nf*(MW/SIMD) + sf, field pe*SIMD + s
    parameter WEIGHT_FILE = "",
    // thresholds by binary search (activation.v: THRES_FILE is the stem of its files,
    // THRES_BITS their width) rather than compared all at once
    parameter THRES_SEARCH = 0,
    // $readmemh file of the thresholds: word nf, field pe*N_THRES + k (or the stem above)
    parameter THRES_FILE = "",
    // "auto", "block", "distributed" or "ultra" (UltraRAM); read by synthesis only
    parameter WEIGHT_RAM_STYLE = "auto",
    // 1: the weights are loaded at run time over the weight bus (weight_loader.v), from word
    // WEIGHT_BASE of the design's weight image on; WEIGHT_FILE is then not read
    parameter WEIGHT_LOAD = 0,
    parameter WEIGHT_BASE = 0,
    // xnor only: 1 puts the dot product's adder levels past DOT_LUT_LEVELS, and the
    // accumulators, in DSP48 slices (dot_dsp.v); 0 keeps them in LUTs (adder_tree.v)
    parameter DOT_DSP = 0,
    parameter DOT_LUT_LEVELS = 1
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                     clk,
    input  wire                     rst,

    /*
     * The weight bus (unused unless WEIGHT_LOAD)
     */
    input  wire                     wl_valid,
    input  wire [31:0]              wl_addr,
    input  wire [31:0]              wl_data,

    /*
     * AXI-Stream input: SIMD elements of IN_BITS, element 0 in the LSBs
     */
    input  wire [SIMD*IN_BITS-1:0]  s_axis_tdata,
    input  wire                     s_axis_tvalid,
    output wire                     s_axis_tready,

    /*
     * AXI-Stream output: PE elements of OUT_BITS, channel nf*PE + 0 in the LSBs
     */
    output wire [PE*OUT_BITS-1:0]   m_axis_tdata,
    output wire                     m_axis_tvalid,
    input  wire                     m_axis_tready
    /* verilator coverage_on */
);

localparam MODE_XNOR = 0;
localparam MODE_BINARY_WEIGHT = 1;
localparam MODE_INT = 2;
localparam MODE_BINARY_INPUT = 3;

// synapse folds (input words per vector) and neuron folds (output words per vector)
localparam SF = MW / SIMD;
localparam NF = MH / PE;
localparam SF_BITS = SF > 1 ? $clog2(SF) : 1;
localparam NF_BITS = NF > 1 ? $clog2(NF) : 1;
localparam WADDR_BITS = SF * NF > 1 ? $clog2(SF * NF) : 1;
localparam SF_LAST_I = SF - 1;
localparam NF_LAST_I = NF - 1;
localparam WADDR_LAST_I = SF * NF - 1;
localparam [SF_BITS-1:0] SF_LAST = SF_LAST_I[SF_BITS-1:0];
localparam [NF_BITS-1:0] NF_LAST = NF_LAST_I[NF_BITS-1:0];
localparam [WADDR_BITS-1:0] WADDR_LAST = WADDR_LAST_I[WADDR_BITS-1:0];

// one product: +-x, or x * w (signed)
localparam PROD_BITS = IN_BITS + W_BITS + (IN_SIGNED == 0 && W_SIGNED == 0 ? 1 : 0);
// the binary modes add or subtract a value (pm_tree.v): an input where the weight is +-1, a
// weight where the input is
localparam BINARY = MODE == MODE_BINARY_WEIGHT || MODE == MODE_BINARY_INPUT;
localparam VALUE_BITS = MODE == MODE_BINARY_WEIGHT ? IN_BITS : W_BITS;
localparam VALUE_SIGNED = MODE == MODE_BINARY_WEIGHT ? IN_SIGNED : W_SIGNED;
// the adder tree's terms per lane: in xnor, the number of equal bits among three
// input/weight pairs (0..3, unsigned; a function of six bits, one LUT6 per result bit,
// where an xnor per pair and a binary tree of adders would cost about three LUTs per pair);
// in the binary modes the values, else the products
localparam TERMS = MODE == MODE_XNOR ? (SIMD + 2) / 3 : SIMD;
localparam TERM_BITS = MODE == MODE_XNOR ? 2 : BINARY ? VALUE_BITS : PROD_BITS;
localparam TERM_SIGNED = MODE == MODE_XNOR ? 0 : 1;
// radix-4 digits of a weight (mode int)
localparam W_DIGITS = (W_BITS + 1) / 2;
// accumulator: the popcount P in xnor, else the signed ACC_BITS value
localparam ACC_W = MODE == MODE_XNOR ? $clog2(MW + 1) : ACC_BITS;
// adder levels between registers in the dot-product tree
localparam TREE_LEVELS_PER_REG = MODE == MODE_XNOR ? 4 : 3;

// cycles from issue to the output FIFO's input (only sizes the FIFO; see adder_tree and
// activation for their latencies)
localparam TREE_LEVELS = TERMS > 1 ? $clog2(TERMS) : 1;
// dot_dsp: a register after its LUT levels, one per slice level below the accumulators
localparam DSP_LAST = TERMS > 1 && $clog2(TERMS) > DOT_LUT_LEVELS + 1 ? $clog2(TERMS) - 1 : DOT_LUT_LEVELS;
localparam TREE_LATENCY = DOT_DSP != 0 ? (DOT_LUT_LEVELS > 0 ? 1 : 0) + DSP_LAST - DOT_LUT_LEVELS :
                          BINARY ? TREE_LEVELS :
                          (TREE_LEVELS + TREE_LEVELS_PER_REG - 1) / TREE_LEVELS_PER_REG;
localparam COUNT_LEVELS = N_THRES > 1 ? $clog2(N_THRES) : 1;
localparam THRES_LATENCY = N_THRES == 0 ? 0 :
                           THRES_SEARCH != 0 ? 2 * $clog2(N_THRES + 1) + 1 : 2 + (COUNT_LEVELS + 3) / 4;
localparam LATENCY = 3 + TREE_LATENCY + THRES_LATENCY;
// a credit returns LATENCY + 3 cycles after its step issued (FIFO write, FIFO read,
// handshake); with one output word per SF steps this many keep the issue stage busy
localparam CREDITS = (LATENCY + 3 + SF - 1) / SF;

initial begin
    if (SIMD < 1 || MW % SIMD != 0) begin
        $error("mvau: SIMD=%0d must divide MW=%0d", SIMD, MW);
        $finish;
    end
    if (PE < 1 || MH % PE != 0) begin
        $error("mvau: PE=%0d must divide MH=%0d", PE, MH);
        $finish;
    end
    if (MODE != MODE_XNOR && MODE != MODE_BINARY_WEIGHT && MODE != MODE_INT && MODE != MODE_BINARY_INPUT) begin
        $error("mvau: MODE=%0d is not 0 (xnor), 1 (binary_weight), 2 (int) or 3 (binary_input)", MODE);
        $finish;
    end
    if (MODE == MODE_BINARY_INPUT && IN_BITS != 1) begin
        $error("mvau: binary_input takes 1-bit inputs (IN_BITS=%0d)", IN_BITS);
        $finish;
    end
    if (MODE == MODE_XNOR && (IN_BITS != 1 || W_BITS != 1)) begin
        $error("mvau: xnor takes 1-bit inputs and weights (IN_BITS=%0d W_BITS=%0d)", IN_BITS, W_BITS);
        $finish;
    end
    if (MODE == MODE_BINARY_WEIGHT && W_BITS != 1) begin
        $error("mvau: binary_weight takes 1-bit weights (W_BITS=%0d)", W_BITS);
        $finish;
    end
    if (DOT_DSP != 0 && MODE != MODE_XNOR) begin
        $error("mvau: DOT_DSP takes mode xnor (MODE=%0d)", MODE);
        $finish;
    end
    if (MODE == MODE_XNOR && ACC_BITS < ACC_W + 1) begin
        $error("mvau: ACC_BITS=%0d cannot hold +-MW=%0d", ACC_BITS, MW);
        $finish;
    end
    if (N_THRES == 0 && OUT_BITS != ACC_BITS) begin
        $error("mvau: without thresholds OUT_BITS=%0d must equal ACC_BITS=%0d", OUT_BITS, ACC_BITS);
        $finish;
    end
    if (N_THRES < 0 || NUM_VECTORS < 1) begin
        $error("mvau: N_THRES=%0d must be >= 0 and NUM_VECTORS=%0d >= 1", N_THRES, NUM_VECTORS);
        $finish;
    end
end

/*
 * Issue: one step (sf, nf) per cycle. Neuron fold 0 takes the input word from the stream
 * (and keeps it in the vector buffer), the other folds replay it from the buffer. The last
 * step of a fold takes a credit for the output word it makes.
 */
reg [SF_BITS-1:0] sf = 0;
reg [NF_BITS-1:0] nf = 0;
reg [WADDR_BITS-1:0] waddr = 0;
wire credit_ok;

wire sf_last = sf == SF_LAST;
wire nf_first = nf == 0;
wire nf_last = nf == NF_LAST;
wire step_ok = !sf_last || credit_ok;
wire issue = step_ok && (!nf_first || s_axis_tvalid);

assign s_axis_tready = nf_first && step_ok;

always @(posedge clk) begin
    if (rst) begin
        sf <= 0;
        nf <= 0;
        waddr <= 0;
    end else begin
        if (issue) begin
            sf <= sf_last ? {SF_BITS{1'b0}} : sf + 1'b1;
            if (sf_last) begin
                nf <= nf_last ? {NF_BITS{1'b0}} : nf + 1'b1;
            end
            waddr <= waddr == WADDR_LAST ? {WADDR_BITS{1'b0}} : waddr + 1'b1;
        end
    end
end

/*
 * Stage 1: weight word and input word (registered reads)
 */
// The weights are a ROM unless loaded at run time: Vivado takes a ROM's style as rom_style.
// Yosys (0.70 as 0.23) maps no ROM to LUTRAM, so there a distributed ROM is what it is in the
// fabric, LUT logic.
`ifdef YOSYS
localparam WEIGHT_YOSYS_STYLE = WEIGHT_RAM_STYLE == "distributed" && WEIGHT_LOAD == 0 ? "logic" : WEIGHT_RAM_STYLE;
(* ram_style = WEIGHT_YOSYS_STYLE *)
`else
(* rom_style = WEIGHT_RAM_STYLE, ram_style = WEIGHT_RAM_STYLE *)
`endif
reg [PE*SIMD*W_BITS-1:0] weights [0:SF*NF-1];
// the weight register's or ROM's output by another name (a ROM read by a registered address is
// merged into the terms stage's LUTs): toggle activity leaves it out
/* verilator coverage_off */
wire [PE*SIMD*W_BITS-1:0] w1;
/* verilator coverage_on */
reg [SIMD*IN_BITS-1:0] x_stream = 0;
wire [SIMD*IN_BITS-1:0] x1;
// tag: {nf, last step of the fold, first step of the fold, valid}
localparam TAG_BITS = NF_BITS + 3;
reg [TAG_BITS-1:0] tag1 = 0;

// no file (elaboration with the default parameters), or loaded at run time: no contents (an
// UltraRAM's power up as zeros, and the design is simulated as the board runs it)
generate
if (WEIGHT_FILE != "" && WEIGHT_LOAD == 0) begin : g_weight_init
    initial begin
        $readmemh(WEIGHT_FILE, weights);
    end
end
endgenerate

generate
if (WEIGHT_LOAD != 0) begin : g_weight_load
    wire we;
    wire [WADDR_BITS-1:0] load_addr;
    wire [PE*SIMD*W_BITS-1:0] load_data;
    weight_loader #(
        .BASE(WEIGHT_BASE),
        .WIDTH(PE*SIMD*W_BITS),
        .DEPTH(SF*NF)
    ) loader (
        .clk(clk),
        .rst(rst),
        .wl_valid(wl_valid),
        .wl_addr(wl_addr),
        .wl_data(wl_data),
        .we(we),
        .waddr(load_addr),
        .wdata(load_data)
    );
    always @(posedge clk) begin
        if (we) begin
            weights[load_addr] <= load_data;
        end
    end
end
endgenerate

// In block RAM the read is registered (the block's output register). A distributed ROM is
// logic: read by a registered address, it joins the terms stage's LUTs, which then take the
// address bits beside the input bits: no weight register, and synthesis merges the ROM into them
generate
if (WEIGHT_RAM_STYLE == "distributed") begin : g_weight_logic
    reg [WADDR_BITS-1:0] waddr1 = 0;
    always @(posedge clk) begin
        waddr1 <= waddr;
    end
    assign w1 = weights[waddr1];
end else begin : g_weight_reg
    reg [PE*SIMD*W_BITS-1:0] w_reg = 0;
    always @(posedge clk) begin
        w_reg <= weights[waddr];
    end
    assign w1 = w_reg;
end
endgenerate

always @(posedge clk) begin
    x_stream <= s_axis_tdata;
    if (rst) begin
        tag1 <= 0;
    end else begin
        tag1 <= {nf, sf_last, sf == 0, issue};
    end
end

generate
if (NF > 1) begin : g_buffer
    // the vector, replayed for neuron folds 1..NF-1, in LUTs (the estimate's style, which
    // synthesis follows rather than choosing block RAM by its own costs)
    (* ram_style = "distributed" *)
    reg [SIMD*IN_BITS-1:0] buffer [0:SF-1];
    reg [SIMD*IN_BITS-1:0] x_buffer = 0;
    reg from_stream = 1'b0;
    always @(posedge clk) begin
        from_stream <= nf_first;
    end
    if (SF <= 256) begin : g_one_port
        always @(posedge clk) begin
            if (issue && nf_first) begin
                buffer[sf] <= s_axis_tdata;
            end
            x_buffer <= buffer[sf];
        end
    end else begin : g_two_ports
        // written a cycle after the word is taken, with a forward for a read of that word
        // then: a write port apart from the read port, where one shared port would be a
        // single-port LUTRAM deeper than 256 words, which Yosys 0.70 maps on UltraScale+ to a
        // primitive its own mapping file lacks (and stops)
        reg wr_en = 1'b0;
        reg [SF_BITS-1:0] wr_addr = 0;
        reg [SIMD*IN_BITS-1:0] wr_data = 0;
        always @(posedge clk) begin
            wr_en <= issue && nf_first && !rst;
            wr_addr <= sf;
            wr_data <= s_axis_tdata;
            if (wr_en) begin
                buffer[wr_addr] <= wr_data;
            end
            x_buffer <= wr_en && wr_addr == sf ? wr_data : buffer[sf];
        end
    end
    assign x1 = from_stream ? x_stream : x_buffer;
end else begin : g_no_buffer
    assign x1 = x_stream;
end
endgenerate

/*
 * Stage 2: terms, lane pe, term t at [(pe*TERMS + t)*TERM_BITS +: TERM_BITS]
 */
// binary_weight's values are the input's, the same in every lane: registered once
localparam TERM_LANES = MODE == MODE_BINARY_WEIGHT ? 1 : PE;
reg [TERM_LANES*TERMS*TERM_BITS-1:0] term2 = 0;
// the binary modes: 1 where a value is subtracted
reg [PE*SIMD-1:0] neg2 = 0;
reg [TAG_BITS-1:0] tag2 = 0;

// bit b of the number of equal pairs (x[i] == w[i], i < 3) of the six bits {w[2:0], x[2:0]}
function [63:0] match_count_bit(input integer b);
    integer v, i, n;
    begin
        for (v = 0; v < 64; v = v + 1) begin
            n = 0;
            for (i = 0; i < 3; i = i + 1) begin
                n = n + (((v >> i) & 1) == ((v >> (i + 3)) & 1) ? 1 : 0);
            end
            match_count_bit[v] = ((n >> b) & 1) == 1;
        end
    end
endfunction

genvar pe, s;
generate
if (MODE == MODE_XNOR) begin : g_xnor
    // two 64-entry tables rather than one of 2-bit entries: a simulator indexes a 64-bit word
    localparam [63:0] MATCH_LO = match_count_bit(0);
    localparam [63:0] MATCH_HI = match_count_bit(1);
    // lanes past SIMD pad with input 0 and weight 1: they never match
    localparam PAD = 3 * TERMS - SIMD;
    // x_pad, w_pad and v rename and pad x1 and w1 (wiring): toggle activity leaves them out
    /* verilator coverage_off */
    wire [3*TERMS-1:0] x_pad;
    /* verilator coverage_on */
    if (PAD > 0) begin : g_pad_x
        assign x_pad = {{PAD{1'b0}}, x1};
    end else begin : g_full_x
        assign x_pad = x1;
    end
    for (pe = 0; pe < PE; pe = pe + 1) begin : lane
        /* verilator coverage_off */
        wire [3*TERMS-1:0] w_pad;
        /* verilator coverage_on */
        if (PAD > 0) begin : g_pad_w
            assign w_pad = {{PAD{1'b1}}, w1[pe*SIMD +: SIMD]};
        end else begin : g_full_w
            assign w_pad = w1[pe*SIMD +: SIMD];
        end
        for (s = 0; s < TERMS; s = s + 1) begin : triple
            /* verilator coverage_off */
            wire [5:0] v = {w_pad[3*s +: 3], x_pad[3*s +: 3]};
            /* verilator coverage_on */
            always @(posedge clk) begin
                term2[(pe*TERMS + s)*2 +: 2] <= {MATCH_HI[v], MATCH_LO[v]};
            end
        end
    end
end else if (BINARY) begin : g_pm
    for (pe = 0; pe < PE; pe = pe + 1) begin : lane
        for (s = 0; s < SIMD; s = s + 1) begin : elem
            // other names of x1's and w1's fields: toggle activity counts them there
            /* verilator coverage_off */
            wire [W_BITS-1:0] w = w1[(pe*SIMD + s)*W_BITS +: W_BITS];
            /* verilator coverage_on */
            if (MODE == MODE_BINARY_WEIGHT) begin : g_bw
                always @(posedge clk) begin
                    neg2[pe*SIMD + s] <= !w[0];
                end
                if (pe == 0) begin : g_value
                    always @(posedge clk) begin
                        term2[s*TERM_BITS +: TERM_BITS] <= x1[s*IN_BITS +: IN_BITS];
                    end
                end
            end else begin : g_bi
                /* verilator coverage_off */
                wire [IN_BITS-1:0] x = x1[s*IN_BITS +: IN_BITS];
                /* verilator coverage_on */
                always @(posedge clk) begin
                    term2[(pe*SIMD + s)*TERM_BITS +: TERM_BITS] <= w;
                    neg2[pe*SIMD + s] <= !x[0];
                end
            end
        end
    end
end else begin : g_mul
    wire [PE*SIMD*PROD_BITS-1:0] prod;
    for (pe = 0; pe < PE; pe = pe + 1) begin : lane
        for (s = 0; s < SIMD; s = s + 1) begin : elem
            wire [IN_BITS-1:0] x = x1[s*IN_BITS +: IN_BITS];
            wire [W_BITS-1:0] w = w1[(pe*SIMD + s)*W_BITS +: W_BITS];
            // x extended to the product width
            wire [PROD_BITS-1:0] xe = {{(PROD_BITS - IN_BITS){IN_SIGNED != 0 && x[IN_BITS-1]}}, x};
            // radix-4 digits of the weight (LUTs, no DSP): x * w = sum over digits d of
            // x * digit_d * 4^d, each x * digit a selection (0, x, 2x, 3x) rather than
            // an adder per weight bit; the top digit is two's complement when W_SIGNED
            wire [2*W_DIGITS-1:0] wd;
            if (W_BITS % 2 != 0) begin : g_odd
                assign wd = {W_SIGNED != 0 && w[W_BITS-1], w};
            end else begin : g_even
                assign wd = w;
            end
            reg [PROD_BITS-1:0] acc;
            reg [PROD_BITS-1:0] part;
            reg top;
            integer d;
            always @* begin
                acc = {PROD_BITS{1'b0}};
                for (d = 0; d < W_DIGITS; d = d + 1) begin
                    top = W_SIGNED != 0 && d == W_DIGITS - 1;
                    case (wd[2*d +: 2])
                        2'd0: part = {PROD_BITS{1'b0}};
                        2'd1: part = xe;
                        2'd2: part = top ? -(xe << 1) : xe << 1;
                        default: part = top ? -xe : xe + (xe << 1);
                    endcase
                    acc = acc + (part << (2*d));
                end
            end
            assign prod[(pe*SIMD + s)*PROD_BITS +: PROD_BITS] = acc;
        end
    end
    always @(posedge clk) begin
        term2 <= prod;
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
 * Stages 3 and 4: one partial dot product per lane, added to the lane's accumulator; a
 * vector's fold is complete when its last step lands
 */
wire [TAG_BITS-1:0] tag3;
wire [PE*ACC_W-1:0] acc4;
reg valid4 = 1'b0;

generate
if (DOT_DSP != 0) begin : g_dot_dsp
    dot_dsp #(
        .LANES(PE),
        .N(TERMS),
        .IN_BITS(TERM_BITS),
        .LUT_LEVELS(DOT_LUT_LEVELS),
        .ACC_BITS(ACC_W),
        .TAG_BITS(TAG_BITS)
    )
    dot (
        .clk(clk),
        .rst(rst),
        .in_data(term2),
        .in_tag(tag2),
        .out_tag(tag3),
        .out_acc(acc4)
    );
end else if (BINARY) begin : g_dot_pm
    // sums of +-values, each owing a carry-in (and, of a single value, its complement) that
    // its accumulator's adder pays
    wire [PE*ACC_W-1:0] sum3;
    wire [PE-1:0] flip3, carry3;
    pm_tree #(
        .LANES(PE),
        .N(SIMD),
        .IN_BITS(VALUE_BITS),
        .IN_SIGNED(VALUE_SIGNED),
        .OUT_BITS(ACC_W),
        .TAG_BITS(TAG_BITS)
    )
    dot_tree (
        .clk(clk),
        .rst(rst),
        .in_data({(PE / TERM_LANES){term2}}),
        .in_neg(neg2),
        .in_tag(tag2),
        .out_data(sum3),
        .out_flip(flip3),
        .out_carry(carry3),
        .out_tag(tag3)
    );
    for (pe = 0; pe < PE; pe = pe + 1) begin : acc_lane
        reg [ACC_W-1:0] acc = 0;
        wire [ACC_W-1:0] next;
        add_chain #(.W(ACC_W)) add (
            .a(acc), .a_keep(!tag3[1]), .a_flip(1'b0),
            .b(sum3[pe*ACC_W +: ACC_W]), .b_flip(flip3[pe]), .ci(carry3[pe]), .y(next)
        );
        always @(posedge clk) begin
            if (tag3[0]) begin
                acc <= next;
            end
        end
        assign acc4[pe*ACC_W +: ACC_W] = acc;
    end
end else begin : g_dot_lut
    wire [PE*ACC_W-1:0] sum3;
    adder_tree #(
        .LANES(PE),
        .N(TERMS),
        .IN_BITS(TERM_BITS),
        .SIGNED(TERM_SIGNED),
        .OUT_BITS(ACC_W),
        .LEVELS_PER_REG(TREE_LEVELS_PER_REG),
        .TAG_BITS(TAG_BITS)
    )
    dot_tree (
        .clk(clk),
        .rst(rst),
        .in_data(term2),
        .in_tag(tag2),
        .out_data(sum3),
        .out_tag(tag3)
    );
    for (pe = 0; pe < PE; pe = pe + 1) begin : acc_lane
        reg [ACC_W-1:0] acc = 0;
        always @(posedge clk) begin
            if (tag3[0]) begin
                acc <= (tag3[1] ? {ACC_W{1'b0}} : acc) + sum3[pe*ACC_W +: ACC_W];
            end
        end
        assign acc4[pe*ACC_W +: ACC_W] = acc;
    end
end
endgenerate

wire valid3 = tag3[0];
wire last3 = tag3[2];
// read by the threshold memory only
wire [NF_BITS-1:0] nf3 = tag3[TAG_BITS-1:3];

always @(posedge clk) begin
    if (rst) begin
        valid4 <= 1'b0;
    end else begin
        valid4 <= valid3 && last3;
    end
end

/*
 * Stage 5: activation (or the accumulators as they are) into the output FIFO
 */
wire [PE*OUT_BITS-1:0] out5;
wire valid5;

generate
if (N_THRES > 0) begin : g_thres
    // the fold's thresholds are read while its last step accumulates (nf3), ready beside its result
    activation #(
        .PE(PE),
        .NF(NF),
        .IN_BITS(ACC_W),
        .IN_SIGNED(MODE == MODE_XNOR ? 0 : 1),
        .N_THRES(N_THRES),
        .THRES_BITS(THRES_BITS),
        .THRES_SIGNED(MODE == MODE_XNOR ? 0 : 1),
        .OUT_BITS(OUT_BITS),
        .ACT_BIAS(ACT_BIAS),
        .THRES_SEARCH(THRES_SEARCH),
        .THRES_FILE(THRES_FILE)
    )
    act (
        .clk(clk),
        .rst(rst),
        .fold(nf3),
        .in_valid(valid4),
        .in_data(acc4),
        .out_valid(valid5),
        .out_data(out5)
    );
end else if (MODE == MODE_XNOR) begin : g_popcount_out
    // acc = 2P - MW
    localparam [OUT_BITS-1:0] MW_C = MW[OUT_BITS-1:0];
    for (pe = 0; pe < PE; pe = pe + 1) begin : lane
        wire [OUT_BITS-1:0] count = {{(OUT_BITS - ACC_W){1'b0}}, acc4[pe*ACC_W +: ACC_W]};
        assign out5[pe*OUT_BITS +: OUT_BITS] = (count << 1) - MW_C;
    end
    assign valid5 = valid4;
end else begin : g_acc_out
    assign out5 = acc4;
    assign valid5 = valid4;
end
endgenerate

credit_fifo #(
    .WIDTH(PE*OUT_BITS),
    .CREDITS(CREDITS)
)
out_fifo (
    .clk(clk),
    .rst(rst),
    .take(issue && sf_last),
    .credit_ok(credit_ok),
    .in_data(out5),
    .in_valid(valid5),
    .m_axis_tdata(m_axis_tdata),
    .m_axis_tvalid(m_axis_tvalid),
    .m_axis_tready(m_axis_tready)
);

endmodule

`resetall
