"""An emulated PYNQ-Z2: pynq's own remote protocol (PYNQ.remote, gRPC) served on the loopback,
with the board's DDR, SLCR clock registers, fpga_manager files, an AXI DMA in simple mode and the
build's Verilator simulation behind it. What is modelled and what is not: deploy/README.md."""
