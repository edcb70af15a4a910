"""The HLS backend's build steps: codegen into hls/, the C-simulation (L5), and C synthesis
when Vitis HLS is installed. `--backend rtl|hls|both` picks which backend's steps run."""

from __future__ import annotations

import json
import time

import numpy as np

from flow import verify
from flow.board import load_board
from flow.codegen_hls import HLSDesign, generate_hls
from flow.hls_synth import run_csynth
from flow.reference import CORE_IN, CORE_OUT
from flow.sim.hls_csim import build_csim, cached_binary
from flow.sim.stitched import simulate_design

BACKENDS = {"rtl": ("rtl",), "hls": ("hls",), "both": ("rtl", "hls")}
# the steps of each backend; every other step runs for both
BACKEND_STEPS = {"rtl": ("codegen", "rtlsim", "op_rtlsim", "tracker", "synth", "package", "board"), "hls": ("hls_codegen", "hlssim", "hls_synth")}


def step_selected(step: str, backend: str) -> bool:
    return all(step not in names or b in BACKENDS[backend] for b, names in BACKEND_STEPS.items())


def _write_json(path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def step_hls_codegen(cfg) -> None:
    """30_folded.onnx -> hls/: dataflow top, memory headers, test bench, Vitis HLS Tcl."""
    from flow.steps import _load

    ref = np.load(cfg.path("reference_outputs.npz"))
    cosim_io = (verify.to_channels_last(ref[CORE_IN]), verify.to_channels_last(ref[CORE_OUT]))
    design = generate_hls(_load(cfg, "30_folded.onnx"), cfg.path("hls"), cfg.name,
                          load_board(cfg.board).part, cfg.clock_mhz, cosim_io)
    _write_json(cfg.path("hls", "design.json"), {
        "top": design.top, "sources": [p.name for p in design.sources],
        "in_bits": design.in_bits, "out_bits": design.out_bits})


def load_hls_design(cfg) -> HLSDesign:
    d = json.loads(cfg.path("hls", "design.json").read_text())
    return HLSDesign(d["top"], cfg.path("hls"), [cfg.path("hls", s) for s in d["sources"]],
                     d["in_bits"], d["out_bits"])


def step_hlssim(cfg) -> None:
    """g++ C-simulation of hls/ on every test input (L5)."""
    from flow.steps import _load

    model = _load(cfg, "30_folded.onnx")
    design = load_hls_design(cfg)
    cached = cached_binary(design).exists()
    started = time.time()
    sim = build_csim(design)
    compile_seconds = time.time() - started
    x = verify.to_channels_last(np.load(cfg.path("reference_outputs.npz"))[CORE_IN])
    started = time.time()
    y, _ = simulate_design(sim, design, model, x)
    run_seconds = time.time() - started
    cfg.path("sim").mkdir(exist_ok=True)
    np.save(cfg.path("sim", "l5_outputs.npy"), y)
    _write_json(cfg.path("sim", "hlssim.json"), {
        "frames": len(x), "compile_seconds": round(compile_seconds, 2), "compiled_before": cached,
        "run_seconds": round(run_seconds, 2), "frames_per_second": len(x) / run_seconds})


def step_hls_synth(cfg) -> None:
    """Vitis HLS C synthesis of hls/ (when vitis_hls or vivado_hls is on the PATH)."""
    _write_json(cfg.path("hls_synth", "csynth.json"), run_csynth(cfg.path("hls")))
