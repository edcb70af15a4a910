`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * popcount: LANES independent counts of the set bits of an N-bit word each, the same
 * sums as adder_tree with 1-bit unsigned addends and the same pipeline: a balanced binary
 * tree of adders, a register every LEVELS_PER_REG levels and after the last level, a tag
 * (sideband bits, reset to 0) travelling with the data.
 * Latency: max(1, ceil(clog2(N) / LEVELS_PER_REG)) cycles, as adder_tree.
 *
 * Each lane's word (zero-padded to a power of two, W bits) is split into chunks of up to
 * 64 bits, and every tree level works on a whole chunk at once (SWAR): at level l the chunk
 * holds its partial counts in fields of 2^l bits, and one masked add of the word and the
 * word shifted by half a field sums all pairs of neighbouring fields. A field's count needs
 * l + 1 bits, so no carry crosses into the next field. In hardware each level is one adder
 * over the chunk, one LUT per bit that can be nonzero; a simulator executes it as a few
 * word operations. Chunks are added as plain numbers above that (N > 64).
 */
module popcount #
(
    // independent counts computed side by side
    parameter LANES = 1,
    // bits counted per lane
    parameter N = 4,
    // width of a count: the exact count is extended to it, or wrapped when narrower
    parameter OUT_BITS = 3,
    // adder levels between pipeline registers
    parameter LEVELS_PER_REG = 4,
    // sideband bits delayed along with the data
    parameter TAG_BITS = 1
)
(
    input  wire                      clk,
    input  wire                      rst,

    // lane l at [l*N +: N]
    input  wire [LANES*N-1:0]        in_data,
    input  wire [TAG_BITS-1:0]       in_tag,

    // lane l at [l*OUT_BITS +: OUT_BITS]
    output wire [LANES*OUT_BITS-1:0] out_data,
    output wire [TAG_BITS-1:0]       out_tag
);

// adder levels, as adder_tree (a single bit still passes one registered level)
localparam LEVELS = N > 1 ? $clog2(N) : 1;
// the word padded to a power of two
localparam W = 1 << LEVELS;
// chunk width and the levels computed inside a chunk
localparam CH = W < 64 ? W : 64;
localparam CL = $clog2(CH);
// chunks per lane
localparam NC = W / CH;
// exact width of a count
localparam SUM_BITS = LEVELS + 1;

initial begin
    if (LANES < 1 || N < 1 || OUT_BITS < 1 || TAG_BITS < 1) begin
        $error("popcount: LANES, N, OUT_BITS, TAG_BITS must be >= 1");
        $finish;
    end
    if (LEVELS_PER_REG < 1) begin
        $error("popcount: LEVELS_PER_REG must be >= 1 (got %0d)", LEVELS_PER_REG);
        $finish;
    end
end

// ones in the low `bits` bits of every field of 2^l bits of a chunk
function [CH-1:0] field_mask(input integer l, input integer bits);
    integer b;
    begin
        field_mask = {CH{1'b0}};
        for (b = 0; b < CH; b = b + 1) begin
            if (b % (1 << l) < bits) begin
                field_mask[b] = 1'b1;
            end
        end
    end
endfunction

genvar l, ln, c, k;
generate
for (l = 0; l <= LEVELS; l = l + 1) begin : lvl
    // a register after this level
    localparam REG = l > 0 && (l % LEVELS_PER_REG == 0 || l == LEVELS);
    wire [TAG_BITS-1:0] tag;

    if (l == 0) begin : g_in
        assign tag = in_tag;
    end else if (REG) begin : g_reg
        reg [TAG_BITS-1:0] tag_reg = 0;
        always @(posedge clk) begin
            if (rst) begin
                tag_reg <= 0;
            end else begin
                tag_reg <= lvl[l-1].tag;
            end
        end
        assign tag = tag_reg;
    end else begin : g_comb
        assign tag = lvl[l-1].tag;
    end

    for (ln = 0; ln < LANES; ln = ln + 1) begin : lane
        if (l <= CL) begin : g_swar
            // field width 2^l; the previous level's fields, paired, hold l-bit counts
            localparam [CH-1:0] PAIR = field_mask(l, l);
            // a register keeps the l + 1 bits of each field that can be nonzero
            localparam [CH-1:0] KEEP = field_mask(l, l + 1);
            for (c = 0; c < NC; c = c + 1) begin : chunk
                // the fields' high bits are zero; the last level's are never read
                /* verilator lint_off UNUSEDSIGNAL */
                wire [CH-1:0] v;
                /* verilator lint_on UNUSEDSIGNAL */
                if (l == 0) begin : g_bits
                    if ((c + 1) * CH <= N) begin : g_full
                        assign v = in_data[ln*N + c*CH +: CH];
                    end else if (c * CH >= N) begin : g_zero
                        assign v = {CH{1'b0}};
                    end else begin : g_pad
                        assign v = {{(CH - (N - c*CH)){1'b0}}, in_data[ln*N + c*CH +: N - c*CH]};
                    end
                end else begin : g_add
                    wire [CH-1:0] prev = lvl[l-1].lane[ln].g_swar.chunk[c].v;
                    wire [CH-1:0] sum = (prev & PAIR) + ((prev >> (1 << (l - 1))) & PAIR);
                    if (REG) begin : g_reg
                        reg [CH-1:0] data_reg = 0;
                        always @(posedge clk) begin
                            data_reg <= sum & KEEP;
                        end
                        assign v = data_reg;
                    end else begin : g_comb
                        assign v = sum;
                    end
                end
            end
        end else begin : g_tree
            // NC >> (l - CL) nodes of l + 1 bits: the chunk counts, added pairwise
            localparam NL = NC >> (l - CL);
            for (k = 0; k < NL; k = k + 1) begin : node
                wire [l:0] v;
                wire [l-1:0] a;
                wire [l-1:0] b;
                if (l == CL + 1) begin : g_chunks
                    assign a = lvl[l-1].lane[ln].g_swar.chunk[2*k].v[l-1:0];
                    assign b = lvl[l-1].lane[ln].g_swar.chunk[2*k+1].v[l-1:0];
                end else begin : g_nodes
                    assign a = lvl[l-1].lane[ln].g_tree.node[2*k].v;
                    assign b = lvl[l-1].lane[ln].g_tree.node[2*k+1].v;
                end
                wire [l:0] sum = {1'b0, a} + {1'b0, b};
                if (REG) begin : g_reg
                    reg [l:0] data_reg = 0;
                    always @(posedge clk) begin
                        data_reg <= sum;
                    end
                    assign v = data_reg;
                end else begin : g_comb
                    assign v = sum;
                end
            end
        end
    end
end

for (ln = 0; ln < LANES; ln = ln + 1) begin : out_lane
    // bits above OUT_BITS are dropped when the count wraps
    /* verilator lint_off UNUSEDSIGNAL */
    wire [SUM_BITS-1:0] s;
    /* verilator lint_on UNUSEDSIGNAL */
    if (LEVELS <= CL) begin : g_swar
        assign s = lvl[LEVELS].lane[ln].g_swar.chunk[0].v[SUM_BITS-1:0];
    end else begin : g_tree
        assign s = lvl[LEVELS].lane[ln].g_tree.node[0].v;
    end
    if (OUT_BITS > SUM_BITS) begin : g_extend
        assign out_data[ln*OUT_BITS +: OUT_BITS] = {{(OUT_BITS - SUM_BITS){1'b0}}, s};
    end else begin : g_wrap
        assign out_data[ln*OUT_BITS +: OUT_BITS] = s[OUT_BITS-1:0];
    end
end
endgenerate

assign out_tag = lvl[LEVELS].tag;

endmodule

`resetall
