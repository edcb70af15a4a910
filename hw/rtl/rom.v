// SPDX-License-Identifier: BSD-3-Clause
// Copyright (c) 2026 the qnnflow authors

`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * rom: a read-only memory with a registered read (one cycle from addr to data), its contents
 * from a $readmemh file. Vivado takes STYLE as rom_style; Yosys maps no ROM to LUTRAM, so
 * there a distributed ROM is LUT logic (ram_style "logic").
 */
module rom #
(
    parameter WIDTH = 8,
    parameter DEPTH = 16,
    // $readmemh file; "" = no contents (elaboration alone)
    parameter FILE = "",
    // "block" or "distributed"
    parameter STYLE = "distributed"
)
(
    // a port is its parent's net: toggle activity counts it there (flow/backends/rtl/activity.py)
    /* verilator coverage_off */
    input  wire                  clk,
    input  wire [ADDR_BITS-1:0]  addr,
    output reg  [WIDTH-1:0]      data = 0
    /* verilator coverage_on */
);

localparam ADDR_BITS = DEPTH > 1 ? $clog2(DEPTH) : 1;

`ifdef YOSYS
localparam YOSYS_STYLE = STYLE == "distributed" ? "logic" : STYLE;
(* ram_style = YOSYS_STYLE *)
`else
(* rom_style = STYLE *)
`endif
reg [WIDTH-1:0] words [0:DEPTH-1];

generate
if (FILE != "") begin : g_init
    initial begin
        $readmemh(FILE, words);
    end
end
endgenerate

always @(posedge clk) begin
    data <= words[addr];
end

endmodule

`resetall
