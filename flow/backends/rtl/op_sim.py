"""Stream tensors through a Verilator simulation: one hardware op, or a whole stitched design."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import IDLE_CYCLES, X_SEED, Simulator, build
from flow.backends.weight_image import IMAGE_FILE, region_of, write_image
from flow.ops.base import Stream
from flow.packing import tensor_to_words, words_to_tensor


def run_streams(sim: Simulator, ins: Stream, outs: Stream, x: np.ndarray, out_shape: tuple,
                workdir: Path, cycles_per_frame: int, seed: int = 1, in_gap: float = 0.0,
                out_stall: float = 0.0, in_period: float = 0.0,
                capture: np.ndarray | None = None, x_seed: int = X_SEED,
                progress: str | None = None, plusargs: tuple[str, ...] = (),
                idle_cycles: int = IDLE_CYCLES) -> tuple[np.ndarray, dict]:
    """Pack x (N, ...) into words, stream it through, unpack the output to out_shape
    (capture: per-frame flags for a design with an exemplar_capture input; x_seed: see
    Simulator.run; progress: a label for a progress bar over the frames; plusargs: the
    design's; idle_cycles: run after the last output word)."""
    n = x.shape[0]
    words = tensor_to_words(np.asarray(x), ins.elems, ins.dtype).reshape(n * ins.words, -1)
    busiest = max(cycles_per_frame, ins.words, outs.words)
    out, stats = sim.run(words, n * outs.words, ins.words, outs.words, workdir, seed=seed,
                         in_gap=in_gap, out_stall=out_stall, max_cycles=50 * (n + 2) * busiest + 100_000,
                         in_period=in_period, capture=capture, x_seed=x_seed, progress=progress,
                         plusargs=plusargs, idle_cycles=idle_cycles)
    y = words_to_tensor(out.reshape(n, outs.words, -1), out_shape, outs.elems, outs.dtype)
    return y, stats


def simulate_op(model, node, x: np.ndarray, workdir: Path, seed: int = 1,
                in_gap: float = 0.0, out_stall: float = 0.0,
                capture: np.ndarray | None = None, x_seed: int = X_SEED) -> tuple[np.ndarray, dict]:
    """Run `node` (a flow.ops node of `model`) on x (N, ...) channels-last; returns (y, stats).
    capture: per-frame flags for an op with an exemplar_capture input (Correlation)."""
    op = getCustomOp(node)
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    params = op.rtl_params(model, workdir)
    ins, outs = op.in_stream(), op.out_stream()
    sim = build(op.rtl_module, rtl_sources(op.rtl_module), ins.bits, outs.bits, params,
                capture=bool(op.control_ports), weight_bus=op.weight_bus)
    region = region_of(op)
    if region is not None:   # the op's own part of the image, at its place in the design's
        write_image([region], workdir, workdir / IMAGE_FILE)
        sim = replace(sim, weights=workdir / IMAGE_FILE, weights_base=region.base)
    return run_streams(sim, ins, outs, x, op.out_shape(x.shape[0]), workdir, op.cycles(),
                       seed, in_gap, out_stall, capture=capture, x_seed=x_seed)


def steady_state_cycles(stats: dict) -> float:
    """Cycles between consecutive frames' last outputs, averaged over the run (needs >= 2 frames)."""
    ends = stats["frame_last_output"]
    return (ends[-1] - ends[0]) / (len(ends) - 1)
