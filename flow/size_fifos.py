"""FIFO sizing by simulation: the shallowest FIFOs that keep the design's full throughput.

1. Every FIFO deeper than anything it could hold: no op is ever blocked by a full FIFO. Fed at
   the design's own rate (one frame per bottleneck interval, as a continuous stream arrives),
   each FIFO's largest fill (printed by the harness) is what it ever needs; fed as fast as it
   will take, the design shows its unthrottled cycles per frame.
2. The largest fills themselves never fill, so with them the design runs as the deep one did.
   When they cost block RAM, the fills capped at a LUTRAM-sized depth are tried first and
   kept only if the cycles per frame do not exceed the unthrottled figure (one more Verilator
   build; ccache reuses the unchanged ops' objects). Deep FIFOs in front of an op that works
   near the bottleneck's rate are usually what keeps it from starving (cnv_w1a1: capping at
   32 costs 45% of the throughput), so the cap often fails; a per-FIFO search would find
   depths in between at the price of a build per trial.
3. A FIFO before a converter that narrows the stream holds wide words (cnv's 576-bit windows:
   96 RAM32M at depth 2), where the converter itself holds one and takes the next as its last
   piece leaves. Those FIFOs are removed (depth 0) when a run without them keeps the
   unthrottled cycles per frame (one run for all of them: one that is needed keeps the others
   too). Where the converter feeds the bottleneck and its producer works in bursts (a sliding
   window between rows and frames), they stay: without one, cnv at 20,000 images/s lost 57
   cycles a frame.

A FIFO on a branch after a DuplicateStreams keeps its largest fill, never capped: the words the
other branch takes in before its first output must fit, or the join deadlocks. The fill is at
least that many, since both branches receive every word together.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.op_sim import steady_state_cycles
from flow.backends.rtl.stitched import build_design, fifo_fills, simulate_design
from flow.ops.base import ram_style_for

SIZING_FRAMES = 6
MAX_DEPTH = 1 << 15
CAPPED_DEPTH = 32


def next_pow2(n: int) -> int:
    return 1 << max(1, int(n - 1).bit_length())


def fifo_depths_by_simulation(model: ModelWrapper, x_hw: np.ndarray, keep: set[str]) -> dict:
    """{FIFO name: {"depth": d}} for every FIFO not in `keep` (a folding dict)."""
    fifos = [n.name for n in model.graph.node if n.op_type == "FIFO" and n.name not in keep]
    if not fifos:
        return {}
    frames = x_hw[np.arange(SIZING_FRAMES) % len(x_hw)]
    interval = max(getCustomOp(n).cycles() for n in model.graph.node)
    deep = {name: min(MAX_DEPTH, next_pow2(_fifo(model, name).stream().words + 2)) for name in fifos}
    with tempfile.TemporaryDirectory() as tmp:
        fills, _ = _run(model, deep, frames, Path(tmp) / "deep", in_period=interval)
        _, unthrottled = _run(model, deep, frames, Path(tmp) / "deep")
        needed = {name: next_pow2(max(2, fills.get(name, 0) - 1)) for name in fifos}  # capacity depth + 1
        chosen = needed
        branches = _branch_fifos(model)
        capped = {name: d if name in branches else min(d, CAPPED_DEPTH) for name, d in needed.items()}
        if capped != needed and _uses_block_ram(model, needed):
            _, cycles = _run(model, capped, frames, Path(tmp) / "capped")
            if cycles <= unthrottled:   # never trade throughput: the verdict holds cycles to the analytic figure
                chosen = capped
        narrowing = _before_narrowing_converters(model) & set(chosen) - branches
        if narrowing:
            without = {name: 0 if name in narrowing else d for name, d in chosen.items()}
            _, cycles = _run(model, without, frames, Path(tmp) / "without")
            if cycles <= unthrottled:
                chosen = without
    return {name: {"depth": depth} for name, depth in chosen.items()}


def _branch_fifos(model: ModelWrapper) -> set[str]:
    return {n.name for n in model.graph.node if n.op_type == "FIFO"
            and (p := model.find_producer(n.input[0])) is not None and p.op_type == "DuplicateStreams"}


def _before_narrowing_converters(model: ModelWrapper) -> set[str]:
    fifos = set()
    for node in model.graph.node:
        consumer = model.find_consumer(node.output[0]) if node.op_type == "FIFO" else None
        if consumer is not None and consumer.op_type == "DataWidthConverter":
            op = getCustomOp(consumer)
            if op.attr("in_elems") > op.attr("out_elems"):
                fifos.add(node.name)
    return fifos


def _uses_block_ram(model: ModelWrapper, depths: dict) -> bool:
    for name, depth in depths.items():
        op = _fifo(model, name)
        if ram_style_for(op.stream().bits * depth, op.attr("ram_style")) == "block":
            return True
    return False


def _fifo(model, name):
    return getCustomOp(next(n for n in model.graph.node if n.name == name))


def _run(model: ModelWrapper, depths: dict, frames: np.ndarray, workdir: Path,
         in_period: float = 0.0) -> tuple[dict, float]:
    """(largest fill per FIFO, steady-state cycles per frame) with the given FIFO depths."""
    trial = ModelWrapper(model.model, make_deepcopy=True)
    for node in trial.graph.node:
        if node.name in depths:
            getCustomOp(node).set_nodeattr("depth", depths[node.name])
    design = generate_rtl(trial, workdir, "fifo_sizing")
    _, stats = simulate_design(build_design(design), design, trial, frames, in_period=in_period,
                               progress=f"FIFO sizing ({workdir.name})")
    return fifo_fills(stats["log"]), steady_state_cycles(stats)
