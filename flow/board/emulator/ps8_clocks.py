"""The Zynq UltraScale+'s clock registers, as pynq's Clocks (_ClocksUltrascale) reads and writes
them (UG1087): in CRL_APB the IOPLL and RPLL and PL0..3_REF_CTRL, in CRF_APB the APLL, DPLL, VPLL
and ACPU_CTRL, reset to the board's PS8 settings (hw/boards/: the preset's PLLs, the four PL clocks
from PL0's source at the board's clock). PL0 is the clock the PL's design runs at."""

from __future__ import annotations

from flow.board.emulator.registers import RegisterBlock
from flow.board.spec import Board, ps8_pll_mhz

CRL_PLLS = {"IOPLL": 0x20, "RPLL": 0x30}
CRF_PLLS = {"APLL": 0x20, "DPLL": 0x2C, "VPLL": 0x38}
ACPU_CTRL = 0x60
PL_REF_CTRL = (0xC0, 0xC4, 0xC8, 0xCC)
# PLn_REF_CTRL's SRCSEL; 3 (DPLL_CLK_TO_LPD, through a divisor of its own) is not modelled
PL_SOURCES = {0: "IOPLL", 2: "RPLL"}
ACPU_SOURCES = {"APLL": 0, "DPLL": 2, "VPLL": 3}
CLKACT = 1 << 24   # a clock control's enable: a gated PL clock stops
APB_SIZE = 0x10000


def pll_ctrl(fbdiv: int, div2: int) -> int:
    """A PLL_CTRL value: FBDIV in bits 14:8, DIV2 in bit 16, PRE_SRC (bits 22:20) the PS reference."""
    return (div2 << 16) | (fbdiv << 8)


class PS8Clocks:
    def __init__(self, board: Board):
        ps8 = board.data["ps8"]
        self.ref_mhz = ps8["ps_ref_clk_mhz"]
        d0, d1, _ = board.fclk_divisors(board.default_clock_mhz)
        source = {name: sel for sel, name in PL_SOURCES.items()}[ps8["pl0"]["source"]]
        crl = {off: pll_ctrl(**ps8["pll"][name]) for name, off in CRL_PLLS.items()}
        crl.update({off: CLKACT | (d1 << 16) | (d0 << 8) | source for off in PL_REF_CTRL})
        crf = {off: pll_ctrl(**ps8["pll"][name]) for name, off in CRF_PLLS.items()}
        crf[ACPU_CTRL] = CLKACT | (ps8["acpu"]["divisor0"] << 8) | ACPU_SOURCES[ps8["acpu"]["source"]]
        self.crl = RegisterBlock(int(ps8["crl_apb_base"], 16), APB_SIZE, crl)
        self.crf = RegisterBlock(int(ps8["crf_apb_base"], 16), APB_SIZE, crf)
        self.blocks = {"crl_apb": self.crl, "crf_apb": self.crf}

    def pl_clock_mhz(self, index: int) -> float:
        """PLn as the registers set it now: its PLL divided by the two divisors, 0 where gated."""
        ctrl = PL_REF_CTRL[index]
        if not self.crl.read(ctrl) & CLKACT:
            return 0.0
        select = self.crl.field(ctrl, 0, 3)
        if select not in PL_SOURCES:
            raise ValueError(f"PL{index}_REF_CTRL selects source {select}: the emulated PS8 models "
                             f"{', '.join(f'{name} ({sel})' for sel, name in PL_SOURCES.items())}")
        pll = CRL_PLLS[PL_SOURCES[select]]
        if self.crl.field(pll, 20, 3):
            raise ValueError(f"{PL_SOURCES[select]}_CTRL's PRE_SRC is not the PS reference clock, "
                             "the only source the emulated PS8 models")
        pll_mhz = ps8_pll_mhz(self.ref_mhz, self.crl.field(pll, 8, 7), self.crl.field(pll, 16, 1))
        return pll_mhz / max(1, self.crl.field(ctrl, 8, 6) * self.crl.field(ctrl, 16, 6))
