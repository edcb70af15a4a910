"""bilinear_crop: Pillow's crop bytes from the header and frame stream (deploy/crop_stream.py's
model, which is the Pillow kernel's bytes), with gaps and back-pressure, within its cycle bound."""

import numpy as np
import pytest
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.op_sim import simulate_op
from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from tests.crop_cases import crop_inputs
from tests.helpers import single_op_model
from tests.rtl.checks import assert_rtl_matches_model

N = 15


@pytest.mark.parametrize(("h", "w"), [(13, 17), (9, 40)], ids=str)
def test_bilinear_crop_is_pillows_bytes(tmp_path, h, w):
    x, pillow = crop_inputs(h, w, N)
    model = single_op_model("BilinearCrop", x.shape, out_size=N, frame_height=h, frame_width=w)
    expected = assert_rtl_matches_model(model, model.graph.node[0], x, tmp_path)
    assert np.array_equal(expected.astype(np.int8).view(np.uint8), pillow)


def test_bilinear_crop_cycles_stay_within_the_bound(tmp_path):
    """Without gaps, each crop's cycles (last output to last output) within cycles()."""
    x, _ = crop_inputs(13, 17, N)
    model = single_op_model("BilinearCrop", x.shape, out_size=N, frame_height=13, frame_width=17)
    node = model.graph.node[0]
    _, stats = simulate_op(model, node, x, tmp_path)
    per_crop = np.diff([0, *stats["frame_last_output"]])
    assert per_crop.min() >= N * N and per_crop.max() <= getCustomOp(node).cycles(), per_crop


def test_bilinear_crop_lint_clean():
    for n, h, w in [(15, 13, 17), (255, 480, 640), (1, 1, 1)]:
        assert lint("bilinear_crop", rtl_sources("bilinear_crop"), {"N": n, "H": h, "W": w}) == "", (n, h, w)
