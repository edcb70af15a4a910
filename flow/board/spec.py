"""Boards as data (hw/boards/*.json): part, clock, resources and the budget the folding respects,
and the facts the Vivado Tcl and the emulated board share: the processing system's settings (a
Zynq-7000's PS7: PLLs, FCLK0; a Zynq UltraScale+'s PS8: its ports, PLLs and PL0), the DDR window
and CMA, the address map, the DMA, the board's Linux (CPU, device tree) and the pynq versions its
images run. The emulated board (flow/board/emulator/, L6) models both kinds of processing system."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flow.paths import HW_DIR

BOARDS_DIR = HW_DIR / "boards"
RESOURCE_KINDS = ("LUT", "FF", "BRAM36", "DSP")
ALL_RESOURCE_KINDS = ("LUT", "FF", "BRAM36", "URAM", "DSP")   # URAM on a Zynq UltraScale+ only


def ps8_pll_mhz(ref_mhz: float, fbdiv: int, div2: int) -> float:
    """A Zynq UltraScale+ PLL's output: the reference times FBDIV, halved where DIV2 is set."""
    return ref_mhz * fbdiv / (2 if div2 else 1)


@dataclass(frozen=True)
class Board:
    name: str
    part: str
    family: str
    default_clock_mhz: float
    resources: dict
    budget_fraction: dict
    data: dict

    def budget(self) -> dict:
        """The resources a design may use: the part's totals times the budget fraction (every
        kind the part has: URAM too, on an UltraScale+)."""
        return {k: v * self.budget_fraction.get(k, 1.0) for k, v in self.resources.items()}

    @property
    def resource_kinds(self) -> tuple[str, ...]:
        """The resource kinds the part has (UltraRAM on a Zynq UltraScale+), in report order."""
        return tuple(k for k in ALL_RESOURCE_KINDS if k in self.resources)

    @property
    def processing_system(self) -> str:
        """"ps7" (Zynq-7000) or "ps8" (Zynq UltraScale+): which block design and emulator apply."""
        return "ps8" if "ps8" in self.data else "ps7"

    @property
    def pynq_versions(self) -> tuple[str, ...]:
        """The pynq versions the board's PYNQ images run (the driver's L6 runs under those)."""
        return tuple(self.data["pynq_versions"])

    def address(self, block: str) -> int:
        """Base address of a block of the block design (axi_dma_0, accelerator)."""
        return int(self.data["address_map"][block], 16)

    def ddr_window(self) -> tuple[int, int]:
        """(base, size) of the PS DDR that the DMA reads and writes."""
        return int(self.data["ddr"]["base"], 16), int(self.data["ddr"]["size"], 16)

    def pl_source_mhz(self) -> float:
        """The PLL the PL clock divides, as the board's processing system sets it: the PS7's IO PLL
        (reference times its feedback divisor), the PS8's PL0 source (reference times FBDIV,
        halved by DIV2)."""
        if self.processing_system == "ps7":
            ps7 = self.data["ps7"]
            return ps7["ps_clk_mhz"] * ps7["pll_fdiv"]["IO_PLL"]
        ps8 = self.data["ps8"]
        return ps8_pll_mhz(ps8["ps_ref_clk_mhz"], **ps8["pll"][ps8["pl0"]["source"]])

    def fclk_divisors(self, clock_mhz: float) -> tuple[int, int, float]:
        """The PL clock's two 6-bit divisors of its PLL for clock_mhz (FCLK0 on a PS7, PL0 on a
        PS8), and the clock they give."""
        pll = self.pl_source_mhz()
        d0, d1 = min(((a, b) for a in range(1, 64) for b in range(1, 64)),
                     key=lambda d: (abs(pll / (d[0] * d[1]) - clock_mhz), d[1], d[0]))
        return d0, d1, pll / (d0 * d1)


def known_boards() -> list[str]:
    return sorted(p.stem for p in BOARDS_DIR.glob("*.json"))


def load_board(name: str = "pynq_z2") -> Board:
    path = BOARDS_DIR / f"{name}.json"
    if not path.is_file():
        known = ", ".join(known_boards())
        raise ValueError(f"unknown board '{name}' (known: {known})")
    data = json.loads(path.read_text())
    return Board(data["name"], data["part"], data["family"], float(data["default_clock_mhz"]),
                 data["resources"], data["budget_fraction"], data)
