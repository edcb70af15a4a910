"""BuildConfig: everything a build depends on besides the files its steps write, and the one
way steps read and write the build directory."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from flow.target import Target


@dataclass
class BuildConfig:
    name: str
    out: Path
    target: Target | None = None
    model_path: Path | None = None
    # a Brevitas module given to flow.api: its QONNX export is model_path (and its key); here for L0
    torch_model: Any = None
    checkpoint: Path | None = None
    folding_path: Path | None = None
    target_fps: float | str | None = None
    clock_mhz: float = 100.0
    inputs: int = 100
    input_data: Path | None = None
    per_op_sim: bool = True
    synth: bool = False
    dynamo: bool = False
    board: str = "pynq_z2"
    seed: int = 0
    backend: str = "both"  # rtl, hls or both (flow/backends/__init__.py)
    notes: list[str] = field(default_factory=list)

    @property
    def torch_level(self) -> bool:
        """Whether the ladder has L0: a target's model or a given Brevitas module to run in torch."""
        return self.target is not None or self.torch_model is not None

    def path(self, *parts) -> Path:
        return self.out.joinpath(*parts)

    def load_model(self, name: str) -> ModelWrapper:
        return ModelWrapper(str(self.path(name)))

    def write_json(self, relative: str, data) -> None:
        path = self.path(relative)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2, default=json_default) + "\n")

    def read_json(self, relative: str):
        return json.loads(self.path(relative).read_text())


def json_default(value):
    """numpy scalars and arrays in JSON files."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
