"""The widths of the Zynq UltraScale+'s PS-PL AXI ports the design uses, which pynq sets at download
from the .hwh's C_MAXIGP0_DATA_WIDTH and C_SAXIGP2_DATA_WIDTH (EmbeddedDevice.set_axi_port_width):
FPD_SLCR's AXI_FS, DW_SS0_SEL for M_AXI_HPM0_FPD, and AFIFM2's RDCTRL and WRCTRL, FABRIC_WIDTH for
S_AXI_HP0_FPD (UG1087). They start at 128 bits, the widths of the boot design of PYNQ's ZCU104
image (base.hwh: C_MAXIGP0_DATA_WIDTH and C_SAXIGP2_DATA_WIDTH 128). A port set to another width
than the design's side of it garbles the data on a board (Xilinx answer record 66295): the
emulated board refuses to reach the PL through it."""

from __future__ import annotations

from flow.board.emulator.registers import RegisterBlock
from flow.board.top import CONTROL_BITS

FPD_SLCR, AXI_FS = 0xFD610000, 0x5000            # DW_SS0_SEL: AXI_FS bits 9:8
AFIFM2, RDCTRL, WRCTRL = 0xFD380000, 0x00, 0x14   # FABRIC_WIDTH: bits 1:0 of each
DW_SS_BITS = {0: 32, 1: 64, 2: 128}
FABRIC_BITS = {0: 128, 1: 64, 2: 32}
BLOCK_SIZE = 0x10000


class PortWidths:
    def __init__(self):
        self.fpd_slcr = RegisterBlock(FPD_SLCR, BLOCK_SIZE, {AXI_FS: (2 << 10) | (2 << 8)})   # HPM0, HPM1: 128
        self.afifm2 = RegisterBlock(AFIFM2, BLOCK_SIZE, {RDCTRL: 0, WRCTRL: 0})
        self.blocks = {"fpd_slcr": self.fpd_slcr, "afifm2": self.afifm2}

    def widths(self) -> dict[str, int | None]:
        """The ports' widths in bits as the registers set them now (None: a reserved code)."""
        return {"M_AXI_HPM0_FPD": DW_SS_BITS.get(self.fpd_slcr.field(AXI_FS, 8, 2)),
                "S_AXI_HP0_FPD read": FABRIC_BITS.get(self.afifm2.field(RDCTRL, 0, 2)),
                "S_AXI_HP0_FPD write": FABRIC_BITS.get(self.afifm2.field(WRCTRL, 0, 2))}

    def mismatch(self, mm_bits: int) -> str | None:
        """Why the PL cannot be reached at the ports' widths now (the design's: CONTROL_BITS on the
        control port, the DMA's mm_bits on HP0), or None."""
        wanted = {"M_AXI_HPM0_FPD": CONTROL_BITS, "S_AXI_HP0_FPD read": mm_bits, "S_AXI_HP0_FPD write": mm_bits}
        now = self.widths()
        wrong = [f"{port} is set to {now[port]} bits, the design's side to {bits}"
                 for port, bits in wanted.items() if now[port] != bits]
        return "; ".join(wrong) or None
