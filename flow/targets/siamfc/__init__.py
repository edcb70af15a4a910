"""The SiamFC targets: the tracker's backbone (models/siamfc.py) as the network, and the tracker
step that appends the run-time-exemplar cross-correlation and verifies the whole tracker."""

from functools import partial

from flow.step import Step
from flow.target import Target
from flow.targets.siamfc import inputs
from flow.targets.siamfc.report import report_section
from flow.targets.siamfc.steps import step_tracker
from models.siamfc import BINARY_CHECKPOINT


def tracker_step(pairs: int = inputs.CORRELATION_PAIRS) -> Step:
    """`pairs` exemplar/search pairs through the whole tracker accelerator: L0..L6."""
    return Step("tracker", partial(step_tracker, pairs=pairs),
                ("tracker", "40_tracker.onnx", "reference_xcorr.onnx"),
                ("backend", "board", "clock_mhz", "synth"), backend="rtl")


_COMMON = dict(
    make_inputs=inputs.search_crops, target_fps=inputs.SEARCH_IMAGES_PER_SECOND,
    load_checkpoint=inputs.siamfc_backbone, default_inputs=inputs.DEFAULT_INPUTS,
    steps=(tracker_step(),), report_section=report_section, data_files=(BINARY_CHECKPOINT,))

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
