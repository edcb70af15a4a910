"""deploy/design.json: the facts the board's driver needs (streams, shapes, datatypes, registers,
DMA, bitfile). The package step writes it; the emulated board and L6 read it here, the driver on
the board reads it itself (deploy/driver.py: it ships without flow/)."""

from __future__ import annotations

import json
from pathlib import Path

FACTS = Path("deploy") / "design.json"


def write_facts(build_dir: Path, facts: dict) -> None:
    (Path(build_dir) / FACTS).write_text(json.dumps(facts, indent=2) + "\n")


def read_facts(build_dir: Path) -> dict:
    return json.loads((Path(build_dir) / FACTS).read_text())
