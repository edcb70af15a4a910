"""The Zynq-7000's clock registers in its SLCR, as pynq's Clocks (_ClocksZynq) reads and writes
them: the PLL feedback divisors (ARM, DDR, IO PLL), the CPU clock and FPGA0..3_CLK_CTRL, reset to
the board's PS7 settings (hw/boards/). FCLK0 is the clock the PL's design runs at."""

from __future__ import annotations

from flow.board.emulator.registers import RegisterBlock
from flow.board.spec import Board

PLL_OFFSETS = {"ARM_PLL": 0x100, "DDR_PLL": 0x104, "IO_PLL": 0x108}
ARM_CLK_CTRL = 0x120
FPGA_CLK_CTRL = (0x170, 0x180, 0x190, 0x1A0)
FCLK_SOURCES = ("IO_PLL", "IO_PLL", "ARM_PLL", "DDR_PLL")   # by FPGAn_CLK_CTRL's SRCSEL
SLCR_SIZE = 0x1000


class PS7Clocks:
    def __init__(self, board: Board):
        ps7 = board.data["ps7"]
        self.ref_mhz = ps7["ps_clk_mhz"]
        reset = {off: ps7["pll_fdiv"][name] << 12 for name, off in PLL_OFFSETS.items()}
        reset[ARM_CLK_CTRL] = ps7["arm_clk_divisor"] << 8                 # source 0: ARM PLL
        d0, d1, _ = board.fclk_divisors(board.default_clock_mhz)
        reset.update({off: (d1 << 20) | (d0 << 8) for off in FPGA_CLK_CTRL})   # source 0: IO PLL
        self.slcr = RegisterBlock(int(ps7["slcr_base"], 16), SLCR_SIZE, reset)
        self.blocks = {"slcr": self.slcr}

    def pl_clock_mhz(self, index: int) -> float:
        """FCLKn as the registers set it now: its PLL divided by the two divisors."""
        ctrl = FPGA_CLK_CTRL[index]
        fdiv = self.slcr.field(PLL_OFFSETS[FCLK_SOURCES[self.slcr.field(ctrl, 4, 2)]], 12, 7)
        return self.ref_mhz * fdiv / max(1, self.slcr.field(ctrl, 8, 6) * self.slcr.field(ctrl, 20, 6))
