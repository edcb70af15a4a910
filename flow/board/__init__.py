"""The board: its facts as data (spec), the board-facing top and its Vivado Tcl, the .hwh and
bitstream, the package step, and the emulated boards (the PYNQ-Z2's Zynq-7000, the ZCU104's and
KV260's Zynq UltraScale+) that run the shipped driver (L6)."""
