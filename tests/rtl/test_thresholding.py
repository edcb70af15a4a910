"""thresholding: the RTL equals Thresholding.compute bit for bit, under gaps and back-pressure,
at one word per cycle."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model

# (channels, PE, in dtype, out dtype, act_bias, vector_dims); each line is one Verilator build
CASES = [
    # partial PE, signed 8-bit input, 4-bit signed activation
    (8, 2, "INT8", "INT4", -8, [3]),
    # full PE (one channel fold), unsigned input, 2-bit unsigned activation
    (6, 6, "UINT4", "UINT2", 0, [2, 2]),
    # PE = 1, bipolar activation
    (5, 1, "INT4", "BIPOLAR", 0, [4]),
    # unsigned 8-bit input, 4-bit unsigned activation, one vector per frame
    (12, 4, "UINT8", "UINT4", 0, []),
    # wide signed input, 2-bit signed activation
    (4, 2, "INT12", "INT2", -2, [6]),
    # many thresholds, a binary search (threshold_search.v): 8-bit requantisation, 3 folds
    (6, 2, "INT12", "UINT8", 0, [5]),
    # the search on an unsigned input, one fold
    (3, 3, "UINT8", "INT5", -16, [4]),
]
IDS = [f"{c[2]}-c{c[0]}p{c[1]}-{c[3]}" for c in CASES]


def make_case(case, frames: int, seed: int = 0):
    """One-node Thresholding model and `frames` random input frames for a CASES entry."""
    c, pe, in_name, out_name, act_bias, vdims = case
    rng = np.random.default_rng(seed + 100 * c + pe)
    in_dt = DataType[in_name]
    lo, hi = int(in_dt.min()), int(in_dt.max())
    n_thres = 1 if out_name == "BIPOLAR" else 2 ** DataType[out_name].bitwidth() - 1
    # ascending thresholds inside the input range, so outputs take several levels; two reach
    # past it (clamped in hardware to always / never)
    thresholds = np.sort(rng.integers(lo, hi + 1, size=(c, n_thres)), axis=1)
    thresholds[0, -1] = hi + 9
    thresholds[-1, 0] = lo - 9
    x = random_values(rng, in_dt, (frames, *vdims, c))
    attrs = dict(channels=c, PE=pe, in_dtype=in_name, out_dtype=out_name, act_bias=act_bias)
    if vdims:
        attrs["vector_dims"] = vdims
    model = single_op_model("Thresholding", x.shape, {"thresholds": thresholds}, **attrs)
    return model, model.graph.node[0], x


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_thresholding_matches_model(tmp_path, case):
    model, node, x = make_case(case, frames=4)
    getCustomOp(node).check_folding()
    expected = assert_rtl_matches_model(model, node, x, tmp_path)
    assert len(np.unique(expected)) > 1, "test data gives a constant output"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_thresholding_steady_state_cycles(tmp_path, case):
    assert_analytic_cycles(*make_case(case, frames=5), tmp_path)


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[4]], ids=[IDS[0], IDS[2], IDS[4]])
def test_thresholding_lint_clean(tmp_path, case):
    model, node, _ = make_case(case, frames=1)
    params = getCustomOp(node).rtl_params(model, tmp_path)
    assert lint("thresholding", rtl_sources("thresholding"), params) == "", params
