"""The SiamFC targets: the tracker's backbone (models/siamfc.py) as the network, and the tracker
steps that append the run-time-exemplar cross-correlation and verify the whole tracker
(flow/targets/siamfc/steps.py)."""

from functools import partial

from flow.backends.hls import steps as hls
from flow.backends.rtl import steps as rtl
from flow.board.l6 import step_board
from flow.step import Step
from flow.target import Target
from flow.targets.siamfc import inputs
from flow.targets.siamfc.board import THROUGHPUT_BATCH, step_tracker_package
from flow.targets.siamfc.report import report_section
from flow.targets.siamfc.steps import (
    TRACKER,
    step_tracker_fold,
    step_tracker_host,
    step_tracker_verify,
)
from models.siamfc import BINARY_CHECKPOINT


def tracker_steps(pairs: int = inputs.CORRELATION_PAIRS, frame_shape=inputs.FRAME_SHAPE) -> tuple[Step, ...]:
    """The tracker accelerator's steps; `pairs` exemplar/search pairs go through L0..L6; its crop
    engine takes frames of frame_shape (H, W)."""
    t = TRACKER
    return (
        Step("tracker_fold", partial(step_tracker_fold, frame_shape=tuple(frame_shape)),
             (t.folded, t.file("fold.json")), ("board", "clock_mhz")),
        Step("tracker_verify", partial(step_tracker_verify, pairs=pairs, frame_shape=tuple(frame_shape)),  # L0..L3
             ("reference_xcorr.onnx", t.file("reference_outputs.npz")), ("seed",)),
        Step("tracker_host", step_tracker_host, (t.file("host.json"),)),         # host work per frame
        Step("tracker_codegen", partial(rtl.step_codegen, files=t), (t.file("rtl"),), backend="rtl"),
        Step("tracker_rtlsim", partial(rtl.step_rtlsim, files=t),                 # L4, cycles per frame
             (t.file("sim", "rtlsim.json"), t.file("sim", "l4_outputs.npy")), backend="rtl"),
        Step("tracker_hls_codegen", partial(hls.step_hls_codegen, files=t), (t.file("hls"),), backend="hls"),
        Step("tracker_hlssim", partial(hls.step_hlssim, files=t),                 # L5
             (t.file("sim", "hlssim.json"), t.file("sim", "l5_outputs.npy")), backend="hls"),
        Step("tracker_package", partial(step_tracker_package, files=t), (t.file("vivado"), t.file("deploy")),
             ("board", "clock_mhz"), backend="rtl"),
        Step("tracker_board", partial(step_board, files=t, max_batch=THROUGHPUT_BATCH),  # L6
             (t.file("board", "board.json"),), backend="rtl"),
        Step("tracker_synth", partial(rtl.step_synth, files=t), (t.file("synth", "yosys.json"),), ("synth",),
             backend="rtl"),
    )


_COMMON = dict(
    make_inputs=inputs.search_crops, target_fps=inputs.SEARCH_IMAGES_PER_SECOND,
    load_checkpoint=inputs.siamfc_backbone, default_inputs=inputs.DEFAULT_INPUTS,
    steps=tracker_steps(), report_section=report_section, data_files=(BINARY_CHECKPOINT,))

TARGETS = {
    "siamfc_binary": Target(
        "siamfc_binary", "SiamFC tracker backbone, preset binary (INT8 image x INT4, W1A1 hidden, "
        "INT4 last layer, INT8 features), 255x255 search crop -> 49x49x32",
        inputs.siamfc_backbone, notes=[inputs.FPS_NOTE], **_COMMON),
    "siamfc_int4": Target(
        "siamfc_int4", "SiamFC tracker backbone, preset int4 (INT8 image x INT4, W4A4 hidden on the "
        "INT4 MAC engine, INT8 features), 255x255 search crop -> 49x49x32",
        partial(inputs.untrained_backbone, "int4"), notes=[inputs.FPS_NOTE, inputs.UNTRAINED_NOTE],
        **_COMMON),
}
