"""channel_sum: the RTL sums each channel's terms exactly as the numpy models, one input word a
cycle: a depthwise convolution's window times its weights (VVAU), a map's pixels (GlobalSum)."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from flow.streamline.quantizer import integer_dtype
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model

FRAMES = 4

# (kernel positions, channels, vector_dims [OH, OW], PE, input dtype, weight dtype)
VVAU_CASES = [
    # MobileNet's 3x3 depthwise, 4-bit
    (9, 8, [3, 3], 4, "UINT4", "INT4"),
    # one word per position: back-to-back words update the same sums
    (9, 4, [2, 2], 4, "INT8", "INT3"),
    # PE 1, a 5x5 kernel, unsigned weights
    (25, 2, [2, 1], 1, "UINT2", "UINT3"),
]
# (ifm [H, W], channels, PE, input dtype)
GLOBAL_SUM_CASES = [
    # ResNet-8's last map: 8 x 8 x 64, signed 4-bit
    ((8, 8), 64, 8, "INT4"),
    # one word per pixel
    ((3, 5), 4, 4, "UINT8"),
    # one channel, PE 1
    ((7, 7), 1, 1, "INT8"),
    # several words per pixel, unsigned
    ((2, 3), 6, 2, "UINT2"),
]


def make_case(case, frames=FRAMES):
    """A VVAU case: the model, its node and random windows."""
    k, c, dims, pe, in_name, w_name = case
    in_dt, w_dt = DataType[in_name], DataType[w_name]
    rng = np.random.default_rng(k + c)
    weights = random_values(rng, w_dt, (c, k))
    corners = [int(in_dt.min()) * int(w_dt.min()), int(in_dt.min()) * int(w_dt.max()),
               int(in_dt.max()) * int(w_dt.min()), int(in_dt.max()) * int(w_dt.max())]
    acc = integer_dtype(k * min(corners), k * max(corners))
    model = single_op_model("VVAU", (frames, *dims, k * c), {"W": weights}, channels=c, kernel_positions=k,
                            vector_dims=dims, PE=pe, in_dtype=in_name, w_dtype=w_name, out_dtype=acc.name)
    x = random_values(rng, in_dt, (frames, *dims, k * c))
    return model, model.graph.node[0], x


def make_global_case(ifm, channels, pe, dtype, frames=FRAMES):
    h, w = ifm
    in_dt = DataType[dtype]
    out_dt = integer_dtype(h * w * int(in_dt.min()), h * w * int(in_dt.max()))
    model = single_op_model("GlobalSum", (frames, h, w, channels), ifm_dims=list(ifm), channels=channels,
                            PE=pe, in_dtype=dtype, out_dtype=out_dt.name)
    x = random_values(np.random.default_rng(sum(ifm) + channels), in_dt, (frames, h, w, channels))
    return model, model.graph.node[0], x


@pytest.mark.parametrize("case", VVAU_CASES, ids=str)
def test_vvau_matches_model(tmp_path, case):
    assert_rtl_matches_model(*make_case(case), tmp_path)


@pytest.mark.parametrize("case", VVAU_CASES, ids=str)
def test_vvau_steady_state_cycles(tmp_path, case):
    assert_analytic_cycles(*make_case(case), tmp_path)


@pytest.mark.parametrize("case", GLOBAL_SUM_CASES, ids=str)
def test_global_sum_matches_model(tmp_path, case):
    assert_rtl_matches_model(*make_global_case(*case), tmp_path)


@pytest.mark.parametrize("case", GLOBAL_SUM_CASES, ids=str)
def test_global_sum_steady_state_cycles(tmp_path, case):
    assert_analytic_cycles(*make_global_case(*case), tmp_path)


@pytest.mark.parametrize("params", [
    {"K": 64, "C": 64, "PE": 8, "IN_BITS": 4, "IN_SIGNED": 1, "OUT_BITS": 10},
    {"K": 1, "C": 1, "PE": 1, "IN_BITS": 1, "IN_SIGNED": 0, "OUT_BITS": 1},
])
def test_channel_sum_lint_clean(params):
    assert lint("channel_sum", rtl_sources("channel_sum"), params) == ""


def test_the_vvau_estimate_counts_a_dsp_per_lane():
    """Yosys puts each lane's product of multi-bit operands in a DSP48 (1 for a PE-1 VVAU of 4-bit
    values and weights, measured): the budget check must see them."""
    from qonnx.custom_op.registry import getCustomOp

    for case, dsps in ((VVAU_CASES[0], 4), (VVAU_CASES[2], 1)):
        _, node, _ = make_case(case, frames=1)
        assert getCustomOp(node).resources()["DSP"] == dsps
    _, node, _ = make_global_case(*GLOBAL_SUM_CASES[0], frames=1)
    assert getCustomOp(node).resources()["DSP"] == 0
