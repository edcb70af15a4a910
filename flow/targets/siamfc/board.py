"""The tracker accelerator on the (emulated) board: tracker/ packaged as a board design of its
own (tracker/vivado/, tracker/deploy/: the board top with the CAPTURE register, the .bit/.hwh
pair, the driver) and L6, its shipped driver on the emulated PYNQ-Z2 streaming the L4 frames
with their capture flags (each flag through the CAPTURE register, batch by batch).

The deploy/tracker.py backend turns the tracker's uint8 crops into the accelerator's input
codes as pixel - PIXEL_OFFSET: SiamFC's input edge, checked here against reference.onnx's codes
of the very frames L6 streams before anything is packaged.
"""

from __future__ import annotations

import json

import numpy as np

from flow import verify
from flow.board.l6 import run_driver_on_emulated_board
from flow.board.package import package_design
from models.siamfc import EXEMPLAR_SIZE

PIXEL_OFFSET = 128       # models: input (pixel - 128) / 128, INT8 codes pixel - 128
THROUGHPUT_BATCH = 4     # throughput runs of 1, 2, 4 frames: the full network simulates slowly


def board_l6(cfg, tracker, design, frames: np.ndarray, codes: np.ndarray, capture: np.ndarray,
             l2: np.ndarray, perf: dict) -> dict:
    """Package tracker/ and run L6 on frames (network input, N x 3 x S x S), their integer codes
    at the accelerator's input (channels-last) and capture flags; l2: reference score maps.
    Writes tracker/board.json (the driver's run: throughput, where it ran); returns L2_L6."""
    codes = verify.to_channels_first(codes).astype(np.int64)
    pixels = np.rint(np.asarray(frames, np.float64) * 128 + 128)
    if not np.array_equal(codes, pixels - PIXEL_OFFSET):
        raise RuntimeError("reference.onnx's input codes are not pixel - 128: the board tracker "
                           "backend (deploy/tracker.py) would feed the accelerator other codes")
    out = cfg.path("tracker")
    reference = {"core_in": codes, "capture": np.asarray(capture, np.uint8), "core_out": l2}
    rtlsim = {"cycles_per_frame": perf["cycles_per_search_frame"],
              "latency_cycles": perf["capture_frame_latency_cycles"]}
    package_design(out, f"{cfg.name}_tracker", cfg, design, tracker, reference, rtlsim,
                   {"tracker": {"pixel_offset": PIXEL_OFFSET, "exemplar_size": EXEMPLAR_SIZE}})
    result = run_driver_on_emulated_board(out, cfg.board, max_batch=THROUGHPUT_BATCH)
    (out / "board.json").write_text(json.dumps(result, indent=2) + "\n")
    return result["L2_L6"]
