"""Boards as data (hw/boards/*.json): part, clock, resources and the budget the folding respects,
and the facts the Vivado Tcl and the emulated board share: the processing system's settings (a
Zynq-7000's PS7: PLLs, FCLK0; a Zynq UltraScale+'s PS8: its ports and PL clock), the DDR window,
the address map and the DMA. Only the PS7 boards have an emulated board (L6)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from flow.paths import HW_DIR

BOARDS_DIR = HW_DIR / "boards"
RESOURCE_KINDS = ("LUT", "FF", "BRAM36", "DSP")
ALL_RESOURCE_KINDS = ("LUT", "FF", "BRAM36", "URAM", "DSP")   # URAM on a Zynq UltraScale+ only


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
    def emulated(self) -> bool:
        """Whether L6 can run on an emulated board of this kind (flow/board/emulator/: PS7 only);
        a board without one says why in "no_emulator"."""
        return "no_emulator" not in self.data

    def address(self, block: str) -> int:
        """Base address of a block of the block design (axi_dma_0, accelerator)."""
        return int(self.data["address_map"][block], 16)

    def ddr_window(self) -> tuple[int, int]:
        """(base, size) of the PS DDR that the DMA reads and writes."""
        return int(self.data["ddr"]["base"], 16), int(self.data["ddr"]["size"], 16)

    def fclk_divisors(self, clock_mhz: float) -> tuple[int, int, float]:
        """FCLK0's two 6-bit divisors of the IO PLL for clock_mhz, and the clock they give."""
        ps7 = self.data["ps7"]
        pll = ps7["ps_clk_mhz"] * ps7["pll_fdiv"]["IO_PLL"]
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
