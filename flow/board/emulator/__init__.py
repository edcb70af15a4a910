"""The emulated boards below an unmodified pynq 3 (3.0.1, 3.1.2): a PYNQ-Z2 (Zynq-7000, PS7,
armv7l) and a ZCU104 or KV260 (Zynq UltraScale+, PS8, aarch64), each from its hw/boards/*.json.
The board's Linux and XRT (zynq_linux.*, and pyxrt.py, XRT's Python binding, which pynq 3.1
calls), with the board's DDR and CMA, its processing system's clock registers (ps7_clocks.py: the
SLCR; ps8_clocks.py: CRL_APB and CRF_APB) and a PS8's PS-PL port widths (ps8_ports.py),
fpga_manager files, an AXI DMA in simple mode (32- or 64-bit addresses) and the build's Verilator
simulation behind it. What is modelled and what is not (the PS8's SMMU, cache coherency, the DDR
controller among the latter): deploy/README.md."""
