"""channel_scale: each channel times its own factor, as the numpy model, one word a cycle, under
input gaps and output back-pressure (the factors a ROM read the cycle after a word is taken)."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from flow.streamline.quantizer import integer_dtype
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model

FRAMES = 4

# (channels, PE, vector_dims, input dtype, largest factor)
CASES = [
    # a power-of-two join's doubling, 4 lanes
    (8, 4, [3, 3], "INT4", 2),
    # one lane, unsigned input, factors up to 7, two folds of distinct factors
    (6, 1, [2, 2], "UINT3", 7),
    # every channel in one word, 8-bit factors
    (5, 5, [2], "INT8", 255),
]


def make_case(case, frames=FRAMES):
    c, pe, dims, in_name, k_max = case
    in_dt = DataType[in_name]
    rng = np.random.default_rng(c + k_max)
    factors = rng.integers(1, k_max + 1, c)
    factors[0] = k_max
    k_bits = int(k_max).bit_length()
    lo, hi = int(in_dt.min()) * k_max, int(in_dt.max()) * k_max
    out = integer_dtype(lo, hi)
    bits = max(out.bitwidth(), in_dt.bitwidth() + 1, k_bits + 1)
    out_name = f"{'INT' if out.signed() else 'UINT'}{bits}"
    model = single_op_model("ChannelScale", (frames, *dims, c), {"factors": factors}, channels=c, PE=pe,
                            vector_dims=dims, in_dtype=in_name, factor_bits=k_bits, out_dtype=out_name)
    return model, model.graph.node[0], random_values(rng, in_dt, (frames, *dims, c))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_channel_scale_matches_model(tmp_path, case):
    expected = assert_rtl_matches_model(*make_case(case), tmp_path)
    assert np.abs(expected).max() > 0


@pytest.mark.parametrize("case", CASES, ids=str)
def test_channel_scale_steady_state_cycles(tmp_path, case):
    assert_analytic_cycles(*make_case(case), tmp_path)


def test_channel_scale_lint_clean(tmp_path):
    model, node, _ = make_case(CASES[1], frames=1)
    from qonnx.custom_op.registry import getCustomOp

    params = getCustomOp(node).rtl_params(model, tmp_path)
    params["FACTOR_FILE"] = str(tmp_path / params["FACTOR_FILE"])
    assert lint("channel_scale", rtl_sources("channel_scale"), params) == ""
