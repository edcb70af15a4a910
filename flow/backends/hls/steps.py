"""The HLS backend's steps: codegen into hls/, the C-simulation (L5), and C synthesis when
Vitis HLS is installed."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from flow import verdict, verify
from flow.backends.design import Design
from flow.backends.hls.codegen import generate_hls
from flow.backends.hls.csim import build_csim, cached_binary
from flow.backends.hls.synth import run_csynth
from flow.backends.rtl.stitched import simulate_design
from flow.backends.taps import stream_checks
from flow.board.spec import load_board
from flow.config import BUILD_DESIGN, BuildConfig, DesignFiles
from flow.reference import CORE_IN, CORE_OUT
from flow.step import Step


def step_hls_codegen(cfg: BuildConfig, files: DesignFiles = BUILD_DESIGN) -> None:
    """The folded graph -> hls/: dataflow top, memory headers, test bench, Vitis HLS Tcl."""
    ref = files.reference(cfg)
    cosim_io = (verify.to_channels_last(ref[CORE_IN]), verify.to_channels_last(ref[CORE_OUT]))
    generate_hls(cfg.load_model(files.folded), files.path(cfg, "hls"), files.name(cfg),
                 load_board(cfg.board).part, cfg.clock_mhz, cosim_io, ref.get("capture")).save()


def step_hlssim(cfg: BuildConfig, files: DesignFiles = BUILD_DESIGN) -> list[dict]:
    """g++ C-simulation of hls/ on every test input (L5), each op's output stream checked
    against L3."""
    model = cfg.load_model(files.folded)
    design = Design.load(files.path(cfg, "hls"))
    cached = cached_binary(design).exists()
    started = time.time()
    sim = build_csim(design)
    compile_seconds = time.time() - started
    ref = files.reference(cfg)
    x, capture = verify.to_channels_last(ref[CORE_IN]), ref.get("capture")
    files.path(cfg, "sim").mkdir(exist_ok=True)
    nodes = [n for n in model.graph.node if n.op_type != "FIFO"]  # a FIFO is a stream's depth here
    with tempfile.TemporaryDirectory(dir=files.path(cfg, "sim")) as folder:
        started = time.time()
        y, _ = simulate_design(sim, design, model, x, capture=capture, taps=Path(folder))
        run_seconds = time.time() - started
        op_checks = stream_checks(model, nodes, Path(folder), x, "L5 stream", capture)
    np.save(files.path(cfg, "sim", "l5_outputs.npy"), y)
    cfg.write_json(files.file("sim", "hlssim.json"), {
        "frames": len(x), "compile_seconds": round(compile_seconds, 2), "compiled_before": cached,
        "run_seconds": round(run_seconds, 2), "frames_per_second": len(x) / run_seconds})
    core_out = ref[CORE_OUT]
    # the op checks first: the verdict's first failure is then the op where a fault occurs
    l5 = verify.compare(core_out, verify.to_channels_first(y).reshape(core_out.shape), exact=True)
    return [*op_checks, verdict.level("L2_L5", l5, scope=files.scope)]


def step_hls_synth(cfg: BuildConfig) -> None:
    """Vitis HLS C synthesis of hls/ (when vitis_hls or vivado_hls is on the PATH)."""
    cfg.write_json("hls_synth/csynth.json", run_csynth(cfg.path("hls")))


SIMULATION = (
    Step("hls_codegen", step_hls_codegen, ("hls",), ("board",), backend="hls"),    # HLS C++ top, memories, Tcl
    Step("hlssim", step_hlssim, ("sim/hlssim.json", "sim/l5_outputs.npy"), backend="hls"),  # g++ C-sim (L5)
)
SYNTHESIS = (
    Step("hls_synth", step_hls_synth, ("hls_synth/csynth.json",), backend="hls"),  # Vitis HLS, if installed
)
