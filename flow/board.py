"""Boards as data (hw/boards/*.json): part, clock, resources and the budget the folding respects."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

BOARDS_DIR = Path(__file__).resolve().parents[1] / "hw" / "boards"
RESOURCE_KINDS = ("LUT", "FF", "BRAM36", "DSP")


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
        """The resources a design may use: the part's totals times the budget fraction."""
        return {k: self.resources[k] * self.budget_fraction.get(k, 1.0) for k in RESOURCE_KINDS}


def load_board(name: str = "pynq_z2") -> Board:
    path = BOARDS_DIR / f"{name}.json"
    if not path.is_file():
        known = ", ".join(p.stem for p in BOARDS_DIR.glob("*.json"))
        raise ValueError(f"unknown board '{name}' (known: {known})")
    data = json.loads(path.read_text())
    return Board(data["name"], data["part"], data["family"], float(data["default_clock_mhz"]),
                 data["resources"], data["budget_fraction"], data)
