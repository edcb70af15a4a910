"""FIFO sizing by simulation: run the design with deep FIFOs, keep what each one needed.

With every FIFO deeper than anything it could hold, no op is ever blocked by a full FIFO.
The input is paced to the design's own rate (one frame per bottleneck interval), as a
continuous stream arrives; unpaced, the ops ahead of the bottleneck would run a whole frame
ahead and every FIFO in front of it would grow to a frame. Each FIFO's largest fill (the
harness prints it) becomes its depth (next power of two), so in the sized design no FIFO
fills either and it runs as the deep one did; the build's throughput run checks that.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.codegen_rtl import generate_rtl
from flow.sim.stitched import build_design, simulate_design

SIZING_FRAMES = 6
MAX_DEPTH = 1 << 15


def next_pow2(n: int) -> int:
    return 1 << max(1, int(n - 1).bit_length())


def fifo_depths_by_simulation(model: ModelWrapper, x_hw: np.ndarray, keep: set[str]) -> dict:
    """{FIFO name: {"depth": d}} for every FIFO not in `keep` (a folding dict)."""
    fifos = [n for n in model.graph.node if n.op_type == "FIFO" and n.name not in keep]
    if not fifos:
        return {}
    deep = ModelWrapper(model.model.__deepcopy__())
    for node in deep.graph.node:
        if node.op_type == "FIFO" and node.name not in keep:
            op = getCustomOp(node)
            op.set_nodeattr("depth", min(MAX_DEPTH, next_pow2(op.stream().words + 2)))
    frames = x_hw[np.arange(SIZING_FRAMES) % len(x_hw)]
    interval = max(getCustomOp(n).cycles() for n in model.graph.node)
    with tempfile.TemporaryDirectory() as tmp:
        design = generate_rtl(deep, Path(tmp) / "rtl", "fifo_sizing")
        _, stats = simulate_design(build_design(design), design, deep, frames, in_period=interval)
    fills = {}
    for line in stats["log"].splitlines():
        if line.startswith("FIFO_MAX_FILL"):
            _, path, value = line.split()
            fills[path.split(".")[-1]] = int(value)
    # capacity is depth + 1 (memory plus output register)
    return {n.name: {"depth": next_pow2(max(2, fills.get(n.name, 0) - 1))} for n in fifos}
