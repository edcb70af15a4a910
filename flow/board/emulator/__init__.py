"""An emulated PYNQ-Z2 below an unmodified pynq 3 (3.0.1, 3.1.2): the board's Linux and XRT
(zynq_linux.*, and pyxrt.py, XRT's Python binding, which pynq 3.1 calls),
with the board's DDR, SLCR clock registers, fpga_manager files, an AXI DMA in simple mode and the
build's Verilator simulation behind it. What is modelled and what is not: deploy/README.md."""
