// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * dsp_add: one DSP48 slice as a registered 48-bit adder, p <= (acc ? p : 0) + ab + c while ce.
 * Callers pack several narrow sums into the 48 bits, each field wide enough that no carry
 * leaves it, so one slice adds many pairs at once (dot_dsp).
 * For Yosys the DSP48E1 primitive is instantiated (Yosys maps no adder to a DSP slice by
 * itself); elsewhere the same arithmetic, which Vivado maps to a DSP48 slice (use_dsp) and a
 * simulator runs as is. tests/rtl/test_dot_dsp.py proves the two equal.
 */
module dsp_add
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire        clk,
    input  wire        rst,
    input  wire        ce,
    // 1: add to p (accumulate); 0: start from 0
    input  wire        acc,
    input  wire [47:0] ab,
    input  wire [47:0] c,
    output wire [47:0] p
    /* verilator coverage_on */
);

`ifdef SYNTHESIS
// OPMODE: X = A:B, Y = C, Z = P (accumulate) or 0; ALUMODE 0: Z + X + Y; only P registered
DSP48E1 #(
    .A_INPUT("DIRECT"), .B_INPUT("DIRECT"), .USE_DPORT("FALSE"), .USE_MULT("NONE"),
    .USE_SIMD("ONE48"), .USE_PATTERN_DETECT("NO_PATDET"),
    .ACASCREG(0), .ADREG(0), .ALUMODEREG(0), .AREG(0), .BCASCREG(0), .BREG(0),
    .CARRYINREG(0), .CARRYINSELREG(0), .CREG(0), .DREG(0), .INMODEREG(0), .MREG(0),
    .OPMODEREG(0), .PREG(1)
) slice (
    .CLK(clk),
    .A(ab[47:18]), .B(ab[17:0]), .C(c), .D(25'd0),
    .OPMODE({1'b0, acc, 1'b0, 4'b1111}), .ALUMODE(4'b0000), .INMODE(5'd0),
    .CARRYIN(1'b0), .CARRYINSEL(3'd0),
    .CEA1(1'b0), .CEA2(1'b0), .CEB1(1'b0), .CEB2(1'b0), .CEC(1'b0), .CED(1'b0), .CEAD(1'b0),
    .CEM(1'b0), .CEP(ce), .CEALUMODE(1'b0), .CECTRL(1'b0), .CECARRYIN(1'b0), .CEINMODE(1'b0),
    .RSTA(1'b0), .RSTB(1'b0), .RSTC(1'b0), .RSTD(1'b0), .RSTM(1'b0), .RSTP(rst),
    .RSTALLCARRYIN(1'b0), .RSTALUMODE(1'b0), .RSTCTRL(1'b0), .RSTINMODE(1'b0),
    .ACIN(30'd0), .BCIN(18'd0), .PCIN(48'd0), .CARRYCASCIN(1'b0), .MULTSIGNIN(1'b0),
    .P(p),
    .ACOUT(), .BCOUT(), .PCOUT(), .CARRYOUT(), .CARRYCASCOUT(), .MULTSIGNOUT(),
    .OVERFLOW(), .UNDERFLOW(), .PATTERNDETECT(), .PATTERNBDETECT()
);
`else
(* use_dsp = "yes" *)
reg [47:0] sum = 48'd0;
always @(posedge clk) begin
    if (rst) begin
        sum <= 48'd0;
    end else if (ce) begin
        sum <= (acc ? sum : 48'd0) + ab + c;
    end
end
assign p = sum;
`endif

endmodule

`resetall
