"""global_sum: the RTL sums each channel over the map exactly as the numpy model, one input word a
cycle."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from flow.streamline.quantizer import integer_dtype
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model

FRAMES = 4

# (ifm [H, W], channels, PE, input dtype)
CASES = [
    # ResNet-8's last map: 8 x 8 x 64, signed 4-bit
    ((8, 8), 64, 8, "INT4"),
    # one word per pixel: back-to-back words update the same sums
    ((3, 5), 4, 4, "UINT8"),
    # one channel, PE 1
    ((7, 7), 1, 1, "INT8"),
    # several words per pixel, unsigned
    ((2, 3), 6, 2, "UINT2"),
]
IDS = [f"{h}x{w}x{c}-pe{pe}-{dt}" for (h, w), c, pe, dt in CASES]


def make_case(ifm, channels, pe, dtype, frames=FRAMES):
    h, w = ifm
    in_dt = DataType[dtype]
    out_dt = integer_dtype(h * w * int(in_dt.min()), h * w * int(in_dt.max()))
    model = single_op_model("GlobalSum", (frames, h, w, channels), ifm_dims=list(ifm), channels=channels,
                            PE=pe, in_dtype=dtype, out_dtype=out_dt.name)
    x = random_values(np.random.default_rng(sum(ifm) + channels), in_dt, (frames, h, w, channels))
    return model, model.graph.node[0], x


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_global_sum_matches_model(tmp_path, case):
    assert_rtl_matches_model(*make_case(*case), tmp_path)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_global_sum_steady_state_cycles(tmp_path, case):
    assert_analytic_cycles(*make_case(*case), tmp_path)


@pytest.mark.parametrize("params", [
    {"PIXELS": 64, "C": 64, "PE": 8, "IN_BITS": 4, "IN_SIGNED": 1, "OUT_BITS": 10},
    {"PIXELS": 1, "C": 1, "PE": 1, "IN_BITS": 1, "IN_SIGNED": 0, "OUT_BITS": 1},
])
def test_global_sum_lint_clean(params):
    assert lint("global_sum", rtl_sources("global_sum"), params) == ""
