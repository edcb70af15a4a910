"""The tracker accelerator on the (emulated) board: tracker/ packaged as a board design of its
own (tracker/vivado/, tracker/deploy/: the board top with the CAPTURE register, the .bit/.hwh
pair, the driver, the pairs' frames with their capture flags); the generic board step then runs
L6, its shipped driver on the emulated PYNQ-Z2, on those frames.

The accelerator cuts its crops itself (its crop engine; design.json `tracker.crop_engine`): the
deploy/tracker.py backend hands it each crop's samples and the frame. The crops' codes are
pixel - PIXEL_OFFSET: SiamFC's input edge, checked against reference.onnx's codes of the very
frames L6 streams (check_input_edge, in the tracker_verify step).
"""

from __future__ import annotations

import numpy as np
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.steps import load_design
from flow.board.package import package_design, run_vivado_and_deploy
from flow.reference import CORE_IN, CORE_OUT
from models.siamfc import EXEMPLAR_SIZE

PIXEL_OFFSET = 128       # models: input (pixel - 128) / 128, INT8 codes pixel - 128
THROUGHPUT_BATCH = 4     # throughput runs of 1, 2, 4 frames: the full network simulates slowly


def check_input_edge(frames: np.ndarray, codes: np.ndarray) -> None:
    """frames: network inputs (N x 3 x S x S); codes: reference.onnx's integer codes of them."""
    pixels = np.rint(np.asarray(frames, np.float64) * 128 + 128)
    if not np.array_equal(codes, pixels - PIXEL_OFFSET):
        raise RuntimeError("reference.onnx's input codes are not pixel - 128: the board tracker "
                           "backend (deploy/tracker.py) would feed the accelerator other codes")


def step_tracker_package(cfg, files) -> list[dict]:
    """The tracker as a board design of its own: vivado/ (Tcl, checked) and deploy/ (driver, .bit/.hwh)."""
    ref = files.reference(cfg)
    rtlsim = cfg.read_json(files.file("sim", "rtlsim.json"))["throughput_run"]
    reference = {"core_in": ref[CORE_IN].astype(np.int64), "capture": ref["capture"], "core_out": ref[CORE_OUT]}
    model = cfg.load_model(files.folded)
    engine = getCustomOp(model.get_node_from_name("BilinearCrop_0"))
    crop_engine = {"out_size": engine.attr("out_size"),
                   "frame_shape": [engine.attr("frame_height"), engine.attr("frame_width")]}
    package_design(files.path(cfg), files.name(cfg), cfg, load_design(cfg, files), model,
                   reference, {k: rtlsim[k] for k in ("cycles_per_frame", "latency_cycles")},
                   {"tracker": {"pixel_offset": PIXEL_OFFSET, "exemplar_size": EXEMPLAR_SIZE,
                                "crop_engine": crop_engine}})
    return run_vivado_and_deploy(files.path(cfg), files.name(cfg))
