"""Tracker backends that score with a compiled SiamFC build: the accelerator in rtlsim, or its
bit-exact reference (reference.onnx + reference_xcorr.onnx in onnxruntime).

Both offer what deploy/siamfc_tracker.py's SiamFCTracker asks of a backend: set_exemplar(1 x 3 x 127 x 127 pixels) once per sequence and responses(S x 3 x 255 x 255
pixels) -> S x 1 x 33 x 33 integer score maps (float64). Their maps are integers, so two backends
that agree bit for bit give the tracker identical boxes.

The rtlsim backend streams the exemplar's canvas as a capture frame and then the frame's search
crops through the stitched RTL. Each call starts a fresh simulator (the exemplar memory does not
survive between processes), so every call sends the canvas again before its crops: the board
sends it once per sequence, and the fabric time per tracker frame is taken from the search
frames alone.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from deploy.exemplar import exemplar_canvas
from flow import verify
from flow.backends.design import Design
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.reference import CORE_IN, CORE_OUT, run_reference, session
from flow.targets.siamfc.pairs import correlate_pairs
from flow.targets.siamfc.tracker_graph import EXEMPLAR_FEATURES
from models.tracking.backbones import pixels_to_input


class ReferenceScores:
    """reference.onnx (the backbone, L2) and reference_xcorr.onnx (the correlation) of a build."""

    def __init__(self, build_dir):
        build_dir = Path(build_dir)
        self.backbone = session(build_dir / "reference.onnx")
        self.side = self.backbone.get_inputs()[0].shape[-1]
        self.xcorr = session(build_dir / "reference_xcorr.onnx")
        self.exemplar = None

    def features(self, x: np.ndarray) -> np.ndarray:
        return run_reference(self.backbone, x)[CORE_OUT].astype(np.int64)

    def set_exemplar(self, pixels) -> None:
        canvas = exemplar_canvas(pixels_to_input(pixels).numpy(), self.side)
        self.exemplar = self.features(canvas)[:, :, :EXEMPLAR_FEATURES, :EXEMPLAR_FEATURES]

    def responses(self, pixels) -> np.ndarray:
        x = self.features(pixels_to_input(pixels).numpy())
        z = np.repeat(self.exemplar, len(x), axis=0)
        return correlate_pairs(self.xcorr, z, x).astype(np.float64)


class RtlsimScores:
    """The tracker accelerator of a build (tracker/rtl, 40_tracker.onnx) in Verilator."""

    def __init__(self, build_dir):
        build_dir = Path(build_dir)
        self.model = ModelWrapper(str(build_dir / "40_tracker.onnx"))
        self.design = Design.load(build_dir / "tracker" / "rtl")
        self.sim = build_design(self.design)
        self.quantize = session(build_dir / "reference.onnx")  # its input edge: pixels -> int8 codes
        self.side = self.quantize.get_inputs()[0].shape[-1]
        self.canvas = None
        self.search_frames = 0
        self.seconds = 0.0
        self.cycles_per_tracker_frame = []  # fabric cycles from the crops' start to the last score

    def codes(self, x: np.ndarray) -> np.ndarray:
        return verify.to_channels_last(run_reference(self.quantize, x)[CORE_IN])

    def set_exemplar(self, pixels) -> None:
        self.canvas = self.codes(exemplar_canvas(pixels_to_input(pixels).numpy(), self.side))

    def responses(self, pixels) -> np.ndarray:
        crops = self.codes(pixels_to_input(pixels).numpy())
        frames = np.concatenate([self.canvas, crops])
        capture = np.array([1] + [0] * len(crops), dtype=np.uint8)
        started = time.time()
        y, stats = simulate_design(self.sim, self.design, self.model, frames, capture=capture)
        self.seconds += time.time() - started
        self.search_frames += len(crops)
        self.cycles_per_tracker_frame.append(stats["frame_last_output"][-1] - stats["frame_first_input"][1])
        return verify.to_channels_first(y[1:]).astype(np.float64)
