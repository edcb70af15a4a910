"""mvau: the RTL equals MVAU.compute bit for bit, under gaps and back-pressure, at the analytic rate."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from flow.ops.mvau import mvau_mode
from flow.ops.thresholds import signed_bits
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model

# (MW, MH, SIMD, PE, in dtype, weight dtype, out dtype (None: the accumulators), act_bias,
#  vector_dims). Mode follows from the dtypes (flow.ops.mvau.mvau_mode): BIPOLAR x BIPOLAR
#  xnor, integer x BIPOLAR weights binary_weight, BIPOLAR x integer weights binary_input,
#  else int. Each line is one Verilator build.
CASES = [
    # xnor: partial SIMD and PE, bipolar activation, 3 vectors per frame
    (16, 8, 4, 2, "BIPOLAR", "BIPOLAR", "BIPOLAR", 0, [3]),
    # xnor: full SIMD (MW/SIMD = 1, 5-level popcount), PE = 1, accumulators out
    (32, 6, 32, 1, "BIPOLAR", "BIPOLAR", None, 0, [2, 2]),
    # xnor: SIMD above the 64-bit popcount chunk and not a power of two (padded chunks)
    (200, 2, 100, 1, "BIPOLAR", "BIPOLAR", None, 0, [2]),
    # xnor: SIMD a multiple of the popcount's 6-bit groups, 8 lanes
    (36, 8, 12, 8, "BIPOLAR", "BIPOLAR", "BIPOLAR", 0, [2]),
    # xnor: SIMD = 1, full PE (MH/PE = 1), 2-bit unsigned activation
    (9, 4, 1, 4, "BIPOLAR", "BIPOLAR", "UINT2", 0, []),
    # binary_weight: signed inputs, accumulators out
    (8, 6, 2, 3, "INT4", "BIPOLAR", None, 0, [2]),
    # binary_weight: unsigned inputs, full SIMD, 4-bit signed activation
    (6, 4, 6, 2, "UINT4", "BIPOLAR", "INT4", -8, [3]),
    # int INT4 x INT4: accumulators out, MW/SIMD = 4, MH/PE = 2
    (32, 8, 8, 4, "INT4", "INT4", None, 0, [2]),
    # int INT4 x INT4: fully unfolded (one output word per cycle), 2-bit signed activation
    (16, 16, 16, 16, "INT4", "INT4", "INT2", -2, [4, 4]),
    # int unsigned x signed (odd weight width), 4-bit unsigned activation
    (12, 4, 3, 1, "UINT4", "INT3", "UINT4", 0, [2]),
    # int unsigned x unsigned, SIMD = PE = 1, bipolar activation
    (4, 2, 1, 1, "UINT4", "UINT2", "BIPOLAR", 0, [5]),
    # binary_input: bipolar activations x INT4 weights (a binary net's INT4 last layer)
    (24, 6, 4, 3, "BIPOLAR", "INT4", None, 0, [2]),
    # binary_input: odd weight width, 4-bit signed activation
    (10, 4, 5, 2, "BIPOLAR", "INT3", "INT4", -8, [3]),
    # many thresholds, a binary search (threshold_search.v): binary_input, 8-bit signed
    # activation (a binary tracker's last layer), 3 neuron folds
    (24, 6, 8, 2, "BIPOLAR", "INT4", "INT8", -128, [3]),
    # the search in xnor (unsigned popcount), 5-bit unsigned activation, one fold
    (40, 3, 20, 3, "BIPOLAR", "BIPOLAR", "UINT5", 0, [4]),
    # the search in int, 6-bit signed activation (63 thresholds: the last stage half padding)
    (12, 4, 6, 1, "INT4", "INT4", "INT6", -32, [3]),
    # a replayed vector of more than 256 words (its buffer written a cycle late, with a forward)
    (1024, 4, 2, 2, "UINT4", "INT4", None, 0, [2]),
    # binary_weight: CNV's first layer kind, 8-bit pixels, three a step (pm_tree: a value
    # passes a level alone with its complement and debt)
    (27, 16, 3, 8, "UINT8", "BIPOLAR", "BIPOLAR", 0, [2]),
    # binary_input, SIMD = 1: a single subtracted value reaches the accumulator complemented
    (3, 4, 1, 2, "BIPOLAR", "INT4", None, 0, [3]),
]
IDS = [f"{c[4]}x{c[5]}-{c[0]}x{c[1]}-s{c[2]}p{c[3]}-{c[6]}" for c in CASES]


def acc_range(weights: np.ndarray, in_dt: DataType) -> tuple[int, int]:
    """Exact range of x @ W over every input x of in_dt."""
    lo_x, hi_x = int(in_dt.min()), int(in_dt.max())
    lo = np.minimum(weights * lo_x, weights * hi_x).sum(axis=0)
    hi = np.maximum(weights * lo_x, weights * hi_x).sum(axis=0)
    return int(lo.min()), int(hi.max())


def random_thresholds(rng, acc: np.ndarray, n_thres: int, lo: int, hi: int) -> np.ndarray:
    """(C, n_thres) ascending thresholds drawn from each channel's observed accumulators, so
    outputs take several levels; a few reach past the accumulator range (clamped in hardware)."""
    acc = acc.reshape(-1, acc.shape[-1])
    t = np.empty((acc.shape[1], n_thres), dtype=np.int64)
    for c in range(acc.shape[1]):
        v = acc[:, c]
        t[c] = np.sort(rng.integers(v.min(), v.max() + 1, size=n_thres))
    t[0, -1] = hi + 7          # never reached
    t[-1, 0] = lo - 7          # always reached
    return t


def make_case(case, frames: int, seed: int = 0):
    """One-node MVAU model and `frames` random input frames for a CASES entry. The weights
    (hence the RTL parameters and the build) depend on the case and seed only."""
    mw, mh, simd, pe, in_name, w_name, out_name, act_bias, vdims = case
    rng = np.random.default_rng(seed + 1000 * mw + mh)
    in_dt, w_dt = DataType[in_name], DataType[w_name]
    weights = random_values(rng, w_dt, (mw, mh))
    x = random_values(rng, in_dt, (frames, *vdims, mw))
    lo, hi = acc_range(weights, in_dt)
    acc_dt = f"INT{signed_bits(lo, hi)}"
    inits = {"weights": weights}
    if out_name is not None:
        n_thres = 1 if out_name == "BIPOLAR" else 2 ** DataType[out_name].bitwidth() - 1
        acc = x.astype(np.int64) @ weights
        inits["thresholds"] = random_thresholds(rng, acc, n_thres, lo, hi)
    attrs = dict(MW=mw, MH=mh, SIMD=simd, PE=pe, mode=mvau_mode(DataType[in_name], DataType[w_name]),
                 in_dtype=in_name, w_dtype=w_name, acc_dtype=acc_dt,
                 out_dtype=out_name or acc_dt, act_bias=act_bias)
    if vdims:
        attrs["vector_dims"] = vdims
    model = single_op_model("MVAU", x.shape, inits, **attrs)
    return model, model.graph.node[0], x


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_mvau_matches_model(tmp_path, case):
    model, node, x = make_case(case, frames=3)
    getCustomOp(node).check_folding()
    expected = assert_rtl_matches_model(model, node, x, tmp_path)
    assert len(np.unique(expected)) > 1, "test data gives a constant output"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_mvau_steady_state_cycles(tmp_path, case):
    assert_analytic_cycles(*make_case(case, frames=4), tmp_path)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_mvau_lint_clean(tmp_path, case):
    model, node, _ = make_case(case, frames=1)
    params = getCustomOp(node).rtl_params(model, tmp_path)
    assert lint("mvau", rtl_sources("mvau"), params) == "", params


@pytest.mark.parametrize("style", ["block", "distributed"])
def test_mvau_lint_clean_in_each_weight_style(tmp_path, style):
    # block RAM: a registered read; distributed: a ROM read by a registered address
    model, node, _ = make_case(CASES[0], frames=1)
    op = getCustomOp(node)
    op.set_nodeattr("weight_ram_style", style)
    params = op.rtl_params(model, tmp_path)
    assert params["WEIGHT_RAM_STYLE"] == style
    assert lint("mvau", rtl_sources("mvau"), params) == "", params
