"""The board: its facts as data (spec), the board-facing top and its Vivado Tcl, the .hwh and
bitstream, the package step, and the emulated PYNQ-Z2 that runs the shipped driver (L6)."""
