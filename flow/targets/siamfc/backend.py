"""Tracker backends that score with a compiled SiamFC build: the accelerator in rtlsim, or its
bit-exact reference (reference.onnx + reference_xcorr.onnx in onnxruntime).

Both offer what deploy/siamfc_tracker.py's SiamFCTracker asks of a backend: set_exemplar(1 x 3 x
127 x 127 pixels) once per sequence and each frame the S x 1 x 33 x 33 integer score maps
(float64) of its search crops. Their maps are integers, so two backends that agree bit for bit
give the tracker identical boxes.

The tracker accelerator cuts its crops itself (its crop engine, deploy/crop_stream.py), so the
rtlsim backend, like the board's, takes the frame and the crops' samples (cuts_crops) and streams
each crop's header and the frame; the exemplar goes as the canvas the engine cuts. The reference
backend takes pixels (the host's Pillow crops), or with crop_engine=True the frame and the crops'
geometry, cut by the engine's numpy model: the tracker's board configuration, on the host.

Each rtlsim call starts a fresh simulator (the exemplar memory does not survive between
processes), so every call sends the canvas again before its crops: the board sends it once per
sequence, and the fabric time per tracker frame is taken from the search frames alone.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from deploy import crop_stream
from deploy.crop_stream import FrameCrops
from deploy.exemplar import exemplar_canvas
from flow import verify
from flow.backends.design import Design
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.reference import CORE_OUT, run_reference, session
from flow.targets.siamfc.pairs import correlate_pairs
from flow.targets.siamfc.tracker_graph import EXEMPLAR_FEATURES
from models.tracking.backbones import pixels_to_input


class ReferenceScores:
    """reference.onnx (the backbone, L2) and reference_xcorr.onnx (the correlation) of a build;
    crop_engine: the tracker hands it frames and crops' geometry, which the crop engine's model cuts."""

    def __init__(self, build_dir, crop_engine: bool = False):
        build_dir = Path(build_dir)
        self.backbone = session(build_dir / "reference.onnx")
        self.side = self.backbone.get_inputs()[0].shape[-1]
        self.xcorr = session(build_dir / "reference_xcorr.onnx")
        self.cuts_crops = crop_engine
        self.exemplar = None

    def features(self, x: np.ndarray) -> np.ndarray:
        return run_reference(self.backbone, x)[CORE_OUT].astype(np.int64)

    def set_exemplar(self, pixels) -> None:
        canvas = exemplar_canvas(pixels_to_input(pixels).numpy(), self.side)
        self.exemplar = self.features(canvas)[:, :, :EXEMPLAR_FEATURES, :EXEMPLAR_FEATURES]

    def responses(self, pixels) -> np.ndarray:
        if isinstance(pixels, FrameCrops):
            pixels = cut(pixels, self.side)
        x = self.features(pixels_to_input(pixels).numpy())
        z = np.repeat(self.exemplar, len(x), axis=0)
        return correlate_pairs(self.xcorr, z, x).astype(np.float64)


def cut(crops: FrameCrops, side: int) -> np.ndarray:
    """The crops the engine's numpy model cuts, S x 3 x side x side uint8 pixels."""
    h, w = crops.frame.shape[:2]
    codes = [crop_stream.crop_codes(crop_stream.pack(r, side, crops.frame, crops.fill), side, h, w)
             for r in crops.regions(side)]
    return (np.stack(codes) ^ crop_stream.CODE).transpose(0, 3, 1, 2)


class RtlsimScores:
    """The tracker accelerator of a build (tracker/rtl, 40_tracker.onnx) in Verilator."""

    cuts_crops = True

    def __init__(self, build_dir):
        build_dir = Path(build_dir)
        self.model = ModelWrapper(str(build_dir / "40_tracker.onnx"))
        engine = getCustomOp(self.model.get_node_from_name("BilinearCrop_0"))
        self.side = engine.attr("out_size")
        self.frame_shape = (engine.attr("frame_height"), engine.attr("frame_width"))
        self.design = Design.load(build_dir / "tracker" / "rtl")
        self.sim = build_design(self.design)
        self.canvas = None
        self.search_frames = 0
        self.seconds = 0.0
        self.cycles_per_tracker_frame = []  # fabric cycles from the crops' start to the last score

    def set_exemplar(self, pixels) -> None:
        pixels = np.asarray(pixels, np.uint8)[0].transpose(1, 2, 0)
        self.canvas = crop_stream.canvas_stream(pixels, self.side, self.frame_shape)

    def responses(self, crops: FrameCrops) -> np.ndarray:
        streams = [crop_stream.pack(r, self.side, crops.frame, crops.fill) for r in crops.regions(self.side)]
        frames = np.stack([self.canvas, *streams])
        capture = np.array([1] + [0] * len(streams), dtype=np.uint8)
        started = time.time()
        y, stats = simulate_design(self.sim, self.design, self.model, frames, capture=capture)
        self.seconds += time.time() - started
        self.search_frames += len(streams)
        self.cycles_per_tracker_frame.append(stats["frame_last_output"][-1] - stats["frame_first_input"][1])
        return verify.to_channels_first(y[1:]).astype(np.float64)
