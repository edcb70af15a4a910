"""maxpool: the RTL pools exactly as the numpy model, one input word a cycle."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model

FRAMES = 4

# (ifm [H, W], channels, kernel = stride, PE, dtype)
CASES = [
    # one word per pixel, bipolar (max = OR)
    ((8, 8), 4, 2, 4, "BIPOLAR"),
    # 3x3, height and width not multiples of 3, 3 words per pixel, signed
    ((9, 7), 6, 3, 2, "INT4"),
    # PE = 1, odd height
    ((7, 10), 8, 2, 1, "UINT8"),
    # one channel: consecutive words update the same partial maximum
    ((6, 6), 1, 3, 1, "INT8"),
    # odd height and width, one word per pixel, unsigned
    ((5, 9), 4, 2, 4, "UINT4"),
    # 3x3 signed 8-bit, dropped rows and columns
    ((11, 10), 4, 3, 4, "INT8"),
    # CNV-like
    ((28, 28), 64, 2, 16, "BIPOLAR"),
]
IDS = [f"{h}x{w}x{c}-k{k}-pe{pe}-{dt}" for (h, w), c, k, pe, dt in CASES]


def make_case(ifm, channels, k, pe, dtype, frames=FRAMES):
    h, w = ifm
    model = single_op_model("MaxPool", (frames, h, w, channels), ifm_dims=list(ifm),
                            channels=channels, kernel=k, PE=pe, out_dtype=dtype)
    x = random_values(np.random.default_rng(sum(ifm) + channels), DataType[dtype],
                      (frames, h, w, channels))
    return model, model.graph.node[0], x


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_maxpool_matches_model(tmp_path, case):
    assert_rtl_matches_model(*make_case(*case), tmp_path)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_maxpool_steady_state_cycles(tmp_path, case):
    assert_analytic_cycles(*make_case(*case), tmp_path)


@pytest.mark.parametrize("params", [
    {"IFM_H": 9, "IFM_W": 7, "C": 6, "K": 3, "PE": 2, "BITS": 4, "SIGNED": 1},
    {"IFM_H": 28, "IFM_W": 28, "C": 64, "K": 2, "PE": 16, "BITS": 1, "SIGNED": 0,
     "RAM_STYLE": "distributed"},
    {"IFM_H": 2, "IFM_W": 2, "C": 1, "K": 2, "PE": 1, "BITS": 8, "SIGNED": 0},
])
def test_maxpool_lint_clean(params):
    assert lint("maxpool", rtl_sources("maxpool"), params) == ""
