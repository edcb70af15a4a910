"""L5 of the tracker: the tracker graph (backbone + correlation) as HLS C++ in tracker/hls/, its
g++ C-simulation on the frames and capture flags that L4 streams, compared with L2.

The C-simulation binary is cached by content hash (flow/backends/hls/csim.py); the generated
export_ip.tcl co-simulates the first two frames (a capture frame and its search frame) with
their capture flags.
"""

from __future__ import annotations

import time

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from flow import verify
from flow.backends.hls.codegen import generate_hls
from flow.backends.hls.csim import build_csim, cached_binary
from flow.backends.rtl.stitched import simulate_design
from flow.board.spec import load_board


def hls_level(cfg, tracker: ModelWrapper, x: np.ndarray, capture: np.ndarray,
              l2: np.ndarray) -> tuple[dict, dict]:
    """x: the frames' backbone inputs (channels-last), capture: their flags, l2: their L2 score
    maps (N, 1, o, o). Returns (the L2_L5 comparison, the C-simulation's figures)."""
    design = generate_hls(tracker, cfg.path("tracker", "hls"), f"{cfg.name}_tracker",
                          load_board(cfg.board).part, cfg.clock_mhz,
                          cosim_io=(x, verify.to_channels_last(l2)), cosim_capture=capture)
    compiled_before = cached_binary(design).exists()
    started = time.time()
    sim = build_csim(design)
    compile_seconds = time.time() - started
    started = time.time()
    l5, _ = simulate_design(sim, design, tracker, x, capture=capture)
    run_seconds = time.time() - started
    figures = {"frames": len(x), "compiled_before": compiled_before, "compile_seconds": round(compile_seconds, 2),
               "run_seconds": round(run_seconds, 2), "frames_per_second": len(x) / run_seconds}
    return verify.compare(l2, verify.to_channels_first(l5), exact=True), figures
