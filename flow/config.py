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
    weights_seed: int | None = None   # --weights random:SEED: the target's seeded random weights
    folding_path: Path | None = None
    target_fps: float | str | None = None
    clock_mhz: float = 100.0
    inputs: int = 100
    input_data: Path | None = None
    # --input-datatype: the --model's float input declared as integer codes (flow/declared_input.py)
    input_datatype: str | None = None
    per_op_sim: bool = True
    synth: bool = False
    # the fold step does not hold the design to the board budget (a network that fits no board,
    # verified all the same); the report says so
    ignore_budget: bool = False
    # every MVAU's weights loaded by the host at run time (reloadable without a new bitstream)
    runtime_weights: bool = False
    energy: bool = False   # the energy estimate from toggle activity (flow/energy.py)
    dynamo: bool = False
    board: str = "pynq_z2"
    seed: int = 0
    backend: str = "both"  # rtl, hls or both (flow/backends/__init__.py)
    # L4's frames in this many Ray tasks (flow/tasks.py), on this machine or the cluster at
    # ray_address; how L4 runs, not what it checks, so neither enters a step's key
    l4_shards: int = 1
    ray_address: str | None = None
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


@dataclass(frozen=True)
class DesignFiles:
    """Where one accelerator design's files lie in a build: by default the build's own (its
    folded graph, reference_outputs.npz, rtl/, hls/, sim/, synth/, vivado/, deploy/, board/ at
    the top). A target that adds a design of its own (the SiamFC tracker: 40_tracker.onnx and
    tracker/) runs the same backend and board steps on it with these fields set."""
    folded: str = "30_folded.onnx"
    root: str = ""          # the folder of its reference outputs and of everything made from it
    suffix: str = ""        # appended to the build's name for its top and overlay
    scope: str = "ladder"   # the verdict scope of its levels (flow/verdict.py)

    def file(self, *parts: str) -> str:
        """A path relative to the build directory (as Step outputs name them)."""
        return Path(self.root, *parts).as_posix()

    def path(self, cfg: BuildConfig, *parts: str) -> Path:
        return cfg.path(self.file(*parts))

    def name(self, cfg: BuildConfig) -> str:
        return cfg.name + self.suffix

    def reference(self, cfg: BuildConfig) -> dict:
        """Its reference inputs and outputs (CORE_IN, CORE_OUT), and the per-frame control
        flags of a design that has them ("capture")."""
        return dict(np.load(self.path(cfg, "reference_outputs.npz")))


BUILD_DESIGN = DesignFiles()


def json_default(value):
    """numpy scalars and arrays in JSON files."""
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
