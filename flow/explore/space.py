"""The design space of a sweep, from a JSON file or from flags, and the points it spans.

Space JSON (every key optional but "models"; lists span the space as a cross product):

    {"models": ["cnv_w1a1"],                  # target names or QONNX files
     "checkpoints": [null, "w1a1.pt"],        # a target's checkpoints (quantisation presets)
     "fps": [500, 1000, "max"],               # target frames/s, or "max" (the most that fits)
     "clock_mhz": [100],
     "ram_styles": ["auto", "block", "distributed"],   # every MVAU's weight memory
     "boards": ["pynq_z2"],
     "bounds": {"MVAU_*": {"PE": [1, 16]}, "MVAU_0": {"SIMD": [3, 3]}},   # per-op folding bounds
     "inputs": 4}                             # test inputs each verified point's ladder runs

Bounds take node names or shell patterns (fnmatch) and inclusive [least, most] ranges of a
folding attribute: the automatic folding's value is moved to the nearest legal one inside.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flow.board.spec import load_board
from flow.content_key import digest

RAM_STYLES = ("auto", "block", "distributed")
KEYS = ("models", "checkpoints", "fps", "clock_mhz", "ram_styles", "boards", "bounds", "inputs")


@dataclass(frozen=True)
class PointSpec:
    """One point of the space before folding: what to fold, for what, where."""
    model: str                 # a target name or a QONNX file
    checkpoint: str | None
    fps: float | str           # frames/s or "max"
    clock_mhz: float
    ram_style: str
    board: str

    @property
    def key(self) -> str:
        return digest(json.dumps(asdict(self), sort_keys=True))[:16]

    @property
    def design(self) -> str:
        """The network and its weights: points of one design are compared on one front."""
        name = Path(self.model).stem if self.model.endswith(".onnx") else self.model
        return name + (f" ({Path(self.checkpoint).stem})" if self.checkpoint else "")


@dataclass
class Space:
    models: list[str]
    checkpoints: list[str | None] = field(default_factory=lambda: [None])
    fps: list[float | str] = field(default_factory=lambda: ["max"])
    clock_mhz: list[float] = field(default_factory=lambda: [100.0])
    ram_styles: list[str] = field(default_factory=lambda: ["auto"])
    boards: list[str] = field(default_factory=lambda: ["pynq_z2"])
    bounds: dict = field(default_factory=dict)
    inputs: int = 4

    def points(self) -> list[PointSpec]:
        return [PointSpec(m, c, f, float(mhz), r, b) for m, c, f, mhz, r, b in itertools.product(
            self.models, self.checkpoints, self.fps, self.clock_mhz, self.ram_styles, self.boards)]

    def check(self) -> Space:
        """Raise ValueError (one line, naming the value) on anything the sweep cannot run."""
        if not self.models:
            raise ValueError("space: no models (give a target name or --model FILE)")
        for m in self.models:
            if m.endswith(".onnx") and not Path(m).is_file():
                raise ValueError(f"model {m}: no such file")
        for c in self.checkpoints:
            if c is not None and not Path(c).is_file():
                raise ValueError(f"checkpoint {c}: no such file")
        files = [m for m in self.models if m.endswith(".onnx")]
        if files and any(c is not None for c in self.checkpoints):
            raise ValueError(f"checkpoints go with target names; {files[0]} is a QONNX file with its weights")
        named: dict[str, tuple] = {}
        for spec in self.points():   # a design's points share one front and one front-end build
            other = named.setdefault(spec.design, (spec.model, spec.checkpoint))
            if other != (spec.model, spec.checkpoint):
                raise ValueError(f"models {other[0]} and {spec.model} (checkpoints {other[1]}, {spec.checkpoint}) "
                                 f"share the design name {spec.design!r}: rename one file")
        for f in self.fps:
            if f != "max" and not (isinstance(f, (int, float)) and f > 0):
                raise ValueError(f"fps {f!r}: expected a positive number or 'max'")
        for mhz in self.clock_mhz:
            if not (isinstance(mhz, (int, float)) and mhz > 0):
                raise ValueError(f"clock_mhz {mhz!r}: must be a positive number")
        for r in self.ram_styles:
            if r not in RAM_STYLES:
                raise ValueError(f"ram style {r!r}: expected one of {', '.join(RAM_STYLES)}")
        for b in self.boards:
            load_board(b)   # names the known boards when it is not one
        for pattern, attrs in self.bounds.items():
            if not isinstance(attrs, dict):
                raise ValueError(f"bounds {pattern}: expected {{attribute: [least, most]}}")
            for attr, bound in attrs.items():
                if not (isinstance(bound, (list, tuple)) and len(bound) == 2
                        and all(isinstance(v, int) and v > 0 for v in bound) and bound[0] <= bound[1]):
                    raise ValueError(f"bounds {pattern}.{attr}: expected [least, most], positive "
                                     f"integers, least <= most; got {bound!r}")
        if not (isinstance(self.inputs, int) and self.inputs > 0):
            raise ValueError(f"inputs {self.inputs!r}: must be a positive integer")
        return self


def load_space(path: Path) -> Space:
    try:
        data = json.loads(Path(path).read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise ValueError(f"space {path}: cannot read a JSON object ({err})") from None
    if not isinstance(data, dict):
        raise ValueError(f"space {path}: expected a JSON object with keys {', '.join(KEYS)}")
    unknown = sorted(set(data) - set(KEYS))
    if unknown:
        raise ValueError(f"space {path}: unknown keys {', '.join(unknown)} (known: {', '.join(KEYS)})")
    lists = {k: v if isinstance(v, list) else [v] for k, v in data.items() if k not in ("bounds", "inputs")}
    return Space(**{**data, **lists}).check()


def parse_bound(text: str) -> tuple[str, str, list[int]]:
    """'MVAU_0.PE=1:16' -> ('MVAU_0', 'PE', [1, 16])."""
    try:
        where, values = text.split("=")
        node, attr = where.rsplit(".", 1)
        least, most = (int(v) for v in values.split(":"))
    except ValueError:
        raise ValueError(f"--bound {text}: expected NODE.ATTR=LEAST:MOST (e.g. MVAU_*.PE=1:16)") from None
    return node, attr, [least, most]
