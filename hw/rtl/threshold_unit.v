// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * threshold_unit: per channel of PE side by side, the number of its N_THRES thresholds that
 * the input reaches (value >= threshold), every threshold compared at once: the sum of the
 * compare bits, so it is exact for any thresholds, ascending or not; OUT_BITS wide (wrapped).
 * No handshake: it advances every cycle, in_valid travels with the data.
 * Pipeline: compare register, adder_tree (LEVELS_PER_REG = 4); latency
 * 1 + max(1, ceil(clog2(N_THRES) / 4)) cycles. activation.v adds the bias.
 */
module threshold_unit #
(
    // channels thresholded side by side
    parameter PE = 1,
    // width of an input value
    parameter IN_BITS = 8,
    // input values are two's complement (1) or unsigned (0)
    parameter IN_SIGNED = 1,
    // thresholds per channel
    parameter N_THRES = 1,
    // width of a threshold
    parameter THRES_BITS = 8,
    // thresholds are two's complement (1) or unsigned (0)
    parameter THRES_SIGNED = 1,
    // width of a count
    parameter OUT_BITS = 1
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                           clk,
    input  wire                           rst,

    // channel p at [p*IN_BITS +: IN_BITS]
    input  wire                           in_valid,
    input  wire [PE*IN_BITS-1:0]          in_data,
    // threshold k of channel p at [(p*N_THRES + k)*THRES_BITS +: THRES_BITS]; same cycle as in_data
    input  wire [PE*N_THRES*THRES_BITS-1:0] in_thres,

    // channel p at [p*OUT_BITS +: OUT_BITS]
    output wire                           out_valid,
    output wire [PE*OUT_BITS-1:0]         out_data
    /* verilator coverage_on */
);

// both sides extended to a common signed width, so one signed compare serves all cases
localparam CMP_BITS = (IN_BITS > THRES_BITS ? IN_BITS : THRES_BITS) + 1;

initial begin
    if (PE < 1 || IN_BITS < 1 || N_THRES < 1 || THRES_BITS < 1 || OUT_BITS < 1) begin
        $error("threshold_unit: PE, IN_BITS, N_THRES, THRES_BITS, OUT_BITS must be >= 1");
        $finish;
    end
    if (OUT_BITS < 31 && N_THRES >= (1 << OUT_BITS)) begin
        $error("threshold_unit: %0d thresholds give %0d levels, more than OUT_BITS=%0d hold",
               N_THRES, N_THRES + 1, OUT_BITS);
        $finish;
    end
end

// stage 1: compare bits, bit p*N_THRES + k = (value of channel p >= its threshold k)
reg [PE*N_THRES-1:0] ge = 0;
reg ge_valid = 1'b0;

genvar p, k;
generate
for (p = 0; p < PE; p = p + 1) begin : chan
    wire [IN_BITS-1:0] x = in_data[p*IN_BITS +: IN_BITS];
    wire [CMP_BITS-1:0] xe = {{(CMP_BITS - IN_BITS){IN_SIGNED != 0 && x[IN_BITS-1]}}, x};
    for (k = 0; k < N_THRES; k = k + 1) begin : thres
        wire [THRES_BITS-1:0] t = in_thres[(p*N_THRES + k)*THRES_BITS +: THRES_BITS];
        wire [CMP_BITS-1:0] te = {{(CMP_BITS - THRES_BITS){THRES_SIGNED != 0 && t[THRES_BITS-1]}}, t};
        always @(posedge clk) begin
            ge[p*N_THRES + k] <= $signed(xe) >= $signed(te);
        end
    end
end
endgenerate

always @(posedge clk) begin
    if (rst) begin
        ge_valid <= 1'b0;
    end else begin
        ge_valid <= in_valid;
    end
end

// stage 2: count the compare bits of each channel

adder_tree #(
    .LANES(PE),
    .N(N_THRES),
    .IN_BITS(1),
    .SIGNED(0),
    .OUT_BITS(OUT_BITS),
    .LEVELS_PER_REG(4),
    .TAG_BITS(1)
)
count_tree (
    .clk(clk),
    .rst(rst),
    .in_data(ge),
    .in_tag(ge_valid),
    .out_data(out_data),
    .out_tag(out_valid)
);


endmodule

`resetall
