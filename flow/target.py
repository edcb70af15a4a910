"""What a target is to the compiler: a name for (model + weights + test inputs + board + clock +
folding goal), and optionally steps of its own. Targets are plugins: packages declare them under
the `qnnflow.targets` entry point group (pyproject.toml), each entry naming a dict of Targets, so
the compiler finds them by name without importing any of them itself.

A target's extra steps are flow.step.Step objects that run after the generic ones, cached by the
same content keys; `report_section` adds a section to report.json / report.md; `sources` names
the Python packages whose code (and whatever of models/ it imports) enters every step's key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import numpy as np

ENTRY_POINT_GROUP = "qnnflow.targets"


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    make_model: Callable[[], Any]                    # () -> torch.nn.Module (Brevitas)
    make_inputs: Callable[[int, int], np.ndarray]    # (count, seed) -> float inputs N x ...
    target_fps: float | None = None
    top_k: int | None = None                         # append TopK -> LabelSelect (classifiers)
    board: str = "pynq_z2"
    clock_mhz: float = 100.0
    notes: list[str] = field(default_factory=list)
    # --checkpoint file -> model, for checkpoints that are not a bare state_dict of make_model()
    load_checkpoint: Callable[[Path], Any] | None = None
    default_inputs: int = 100                        # test inputs unless --inputs says otherwise
    steps: tuple = ()                                # extra flow.step.Step objects of this target
    # (build directory, report so far) -> (report key, JSON section or None, markdown)
    report_section: Callable[[Path, dict], tuple[str, dict | None, str]] | None = None
    data_files: tuple[Path, ...] = ()                # files the target reads (checkpoints), keyed by content
    # seed -> the model with seeded random weights (`--weights random:SEED`), for targets whose
    # hardware depends on the weight values or that are built before trained weights exist
    random_model: Callable[[int], Any] | None = None
    weights: str = "trained"                         # what make_model's weights are, for the report
    # (count, seed) -> the labels of make_inputs(count, seed) (classifiers): top-1 per level
    make_labels: Callable[[int, int], np.ndarray] | None = None


@cache
def known_targets() -> dict[str, Any]:
    """{target name: its entry point} over every installed target plugin."""
    return {name: ep for ep in entry_points(group=ENTRY_POINT_GROUP) for name in ep.load()}


def find_target(name: str) -> Target:
    targets = known_targets()
    if name not in targets:
        raise ValueError(f"unknown target '{name}' (known: {', '.join(sorted(targets)) or 'none installed'}; "
                         "or build any QONNX file with --model FILE)")
    return targets[name].load()[name]


