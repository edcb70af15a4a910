"""The Zynq-7000 SLCR clock registers pynq's Clocks class reads and writes (PLL feedback
divisors, CPU clock, FCLK0..3 control), reset to the board's PS7 settings (hw/boards/)."""

from __future__ import annotations

from flow.board.spec import Board

PLL_OFFSETS = {"ARM_PLL": 0x100, "DDR_PLL": 0x104, "IO_PLL": 0x108}
ARM_CLK_CTRL = 0x120
FPGA_CLK_CTRL = (0x170, 0x180, 0x190, 0x1A0)
SIZE = 0x1000


def divisor_fields(register: int) -> tuple[int, int, int]:
    """(source select, divisor 0, divisor 1) of an FPGAn_CLK_CTRL value."""
    return (register >> 4) & 0x3, (register >> 8) & 0x3F, (register >> 20) & 0x3F


class SLCR:
    def __init__(self, board: Board):
        ps7 = board.data["ps7"]
        self.ref_mhz = ps7["ps_clk_mhz"]
        self.registers = {off: ps7["pll_fdiv"][name] << 12 for name, off in PLL_OFFSETS.items()}
        self.registers[ARM_CLK_CTRL] = ps7["arm_clk_divisor"] << 8       # source 0: ARM PLL
        d0, d1, _ = board.fclk_divisors(board.default_clock_mhz)
        for off in FPGA_CLK_CTRL:                                         # source 0: IO PLL
            self.registers[off] = (d1 << 20) | (d0 << 8)

    def read(self, offset: int) -> int:
        return self.registers.get(offset, 0)

    def write(self, offset: int, value: int) -> None:
        self.registers[offset] = value & 0xFFFFFFFF

    def fclk_mhz(self, index: int) -> float:
        source, d0, d1 = divisor_fields(self.registers[FPGA_CLK_CTRL[index]])
        pll = ("IO_PLL", "IO_PLL", "ARM_PLL", "DDR_PLL")[source]
        fdiv = (self.registers[PLL_OFFSETS[pll]] >> 12) & 0x7F
        return self.ref_mhz * fdiv / max(1, d0 * d1)
