"""Simulate the stitched accelerator (rtl/accelerator.v) built once per design by content hash."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.codegen import Design
from flow.backends.rtl.op_sim import run_streams
from flow.backends.rtl.verilator import IDLE_CYCLES, X_SEED, Simulator, build
from flow.backends.weight_image import IMAGE_FILE


def build_design(design: Design, extra_flags: tuple[str, ...] = ()) -> Simulator:
    """The design's simulator (extra_flags: verilator.build's); one with memories loaded at run
    time loads the design's weight image first, as the host does."""
    sim = build(design.top, design.sources, 8 * ((design.in_bits + 7) // 8),
                8 * ((design.out_bits + 7) // 8), capture=bool(design.controls), extra_flags=extra_flags,
                weight_bus=bool(design.weight_regions))
    if design.weight_regions:
        sim = replace(sim, weights=Path(design.directory) / IMAGE_FILE)
    return sim


def simulate_design(sim: Simulator, design: Design, model: ModelWrapper, x: np.ndarray,
                    seed: int = 1, in_gap: float = 0.0, out_stall: float = 0.0,
                    in_period: float = 0.0, capture: np.ndarray | None = None,
                    x_seed: int = X_SEED, progress: str | None = None,
                    taps: Path | None = None) -> tuple[np.ndarray, dict]:
    """Stream x (N, ...) channels-last through the accelerator; returns (y, stats).
    capture: per-frame exemplar_capture flags (designs with a Correlation op); x_seed: the seed
    of the values X and unreset state take (stats["x_seed"]); progress: a label for a progress
    bar over the frames; taps: a folder that receives every op's output stream
    (flow/backends/taps.py), complete because the design then runs on after the last output
    word until every op could have finished its frame (an op's output may not need all of its
    input: a strided window skips the last rows). The ops run concurrently and each has at most
    a frame of its own left, so twice the slowest op's frame is that time with a margin; were it
    short, an op's stream would miss words and its check fail, never pass wrongly."""
    nodes = list(model.graph.node)
    first, last = getCustomOp(nodes[0]), getCustomOp(nodes[-1])
    slowest = max(getCustomOp(n).cycles() for n in nodes)
    drain = 2 * slowest + IDLE_CYCLES if taps else IDLE_CYCLES
    return run_streams(sim, first.in_stream(), last.out_stream(), x, last.out_shape(x.shape[0]),
                       Path(design.directory), slowest, seed, in_gap, out_stall, in_period, capture,
                       x_seed, progress, (f"stream_taps={Path(taps).resolve()}",) if taps else (), drain)


def fifo_fills(log: str) -> dict:
    """{FIFO name: the most words it ever held}, from a simulation's log (hw/rtl/fifo.v prints
    them; a FIFO of depth 0, a wire, prints none)."""
    fills = {}
    for line in log.splitlines():
        if line.startswith("FIFO_MAX_FILL"):
            _, path, value = line.split()   # ....FIFO_3.g_fifo: the instance, then fifo.v's generate block
            fills[path.removesuffix(".g_fifo").rsplit(".", 1)[-1]] = int(value)
    return fills
