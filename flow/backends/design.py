"""A generated design as its simulators need it: the top, its source files and stream widths.
Both backends write one into their folder as design.json (save) and read it back (load); no
other code reads or writes that file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

RECORD = "design.json"


@dataclass(frozen=True)
class Design:
    top: str
    directory: Path
    sources: list[Path]     # Verilog files, or the HLS translation units (top and test bench)
    in_bits: int            # data bits of the input stream (port rounded up to bytes)
    out_bits: int
    controls: tuple[str, ...] = ()  # control inputs of the top (flow/ops/base.py control_ports)
    # the memories the host loads at run time (flow/backends/weight_image.py Region.as_dict);
    # the top then has the weight bus, and the folder holds their image
    weight_regions: tuple[dict, ...] = ()

    @property
    def weight_words(self) -> int:
        return sum(r["lanes"] * r["depth"] for r in self.weight_regions)

    def save(self) -> None:
        (self.directory / RECORD).write_text(json.dumps({
            "top": self.top, "sources": [p.name for p in self.sources], "in_bits": self.in_bits,
            "out_bits": self.out_bits, "controls": list(self.controls),
            "weight_regions": list(self.weight_regions)}, indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> Design:
        directory = Path(directory)
        d = json.loads((directory / RECORD).read_text())
        return cls(d["top"], directory, [directory / s for s in d["sources"]], d["in_bits"],
                   d["out_bits"], tuple(d.get("controls", ())), tuple(d.get("weight_regions", ())))
