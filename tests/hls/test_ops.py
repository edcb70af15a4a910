"""Each hw/hls op, C-simulated alone (g++), equals its numpy model bit for bit.

The parameter sets are chosen from the RTL tests' lists (tests/rtl/), which build the models;
each set is one compiled design. Together they cover widths, PE/SIMD, kernel, stride,
padding, bit widths, bipolar, unsigned and signed inputs, every MVAU mode, with and
without thresholds, VVAU and GlobalSum, ChannelScale, both Upscale modes, and Correlation's run-time exemplar under per-frame capture flags.
"""

import numpy as np
import pytest
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.backends.hls.op_sim import csim_op
from flow.backends.rtl.verilator import SimulationError
from tests.helpers import random_values, single_op_model
from tests.rtl import test_channel_scale as rtl_channel_scale
from tests.rtl import test_channel_sum as rtl_channel_sum
from tests.rtl import test_correlation as rtl_correlation
from tests.rtl import test_label_select as rtl_label_select
from tests.rtl import test_maxpool as rtl_maxpool
from tests.rtl import test_mvau as rtl_mvau
from tests.rtl import test_sliding_window as rtl_sliding_window
from tests.rtl import test_thresholding as rtl_thresholding
from tests.rtl import test_upscale as rtl_upscale
from tests.rtl.checks import expected_outputs

# (MW, MH, SIMD, PE, in dtype, weight dtype, out dtype (None: accumulators), act_bias, vector_dims)
MVAU_CASES = [
    (16, 8, 4, 2, "BIPOLAR", "BIPOLAR", "BIPOLAR", 0, [3]),      # xnor, popcount thresholds
    (200, 2, 100, 1, "BIPOLAR", "BIPOLAR", None, 0, [2]),        # xnor, wide SIMD, 2P - MW out
    (8, 6, 2, 3, "INT4", "BIPOLAR", None, 0, [2]),               # binary_weight, signed inputs
    (6, 4, 6, 2, "UINT4", "BIPOLAR", "INT4", -8, [3]),           # binary_weight, signed activation
    (32, 8, 8, 4, "INT4", "INT4", None, 0, [2]),                 # int INT4 x INT4, two per DSP
    (16, 16, 16, 16, "INT4", "INT4", "INT2", -2, [4, 4]),        # int, fully unfolded, thresholds
    (12, 4, 3, 1, "UINT4", "INT3", "UINT4", 0, [2]),             # int, PE = 1: one product per DSP
    (10, 4, 5, 2, "BIPOLAR", "INT3", "INT4", -8, [3]),           # binary_input
]
# (ifm, channels, kernel, stride, pads (top, left, bottom, right), SIMD, dtype)
SLIDING_WINDOW_CASES = [
    ((7, 9), 6, (3, 3), (1, 1), (1, 1, 1, 1), 2, "INT4"),
    ((39, 39), 3, (11, 11), (4, 4), (0, 0, 0, 0), 3, "UINT8"),
    ((6, 10), 2, (2, 3), (1, 2), (0, 1, 1, 1), 1, "BINARY"),
    ((8, 8), 4, (3, 3), (1, 1), (0, 0, 0, 0), 4, "BIPOLAR"),
    # whole windows (parallel_window.hpp)
    ((13, 11), 3, (3, 2), (2, 3), (0, 0, 0, 0), 18, "INT4"),
    ((3, 3), 16, (3, 3), (1, 1), (0, 0, 0, 0), 144, "BIPOLAR"),
    ((5, 4), 130, (3, 3), (1, 1), (0, 0, 0, 0), 1170, "BIPOLAR"),   # above ap_uint's default 1,024 bits
    ((11, 10), 2, (2, 2), (3, 3), (1, 0, 0, 1), 2, "UINT4"),
]
# (ifm, channels, kernel = stride, PE, dtype)
MAXPOOL_CASES = [((9, 7), 6, 3, 2, "INT4"), ((8, 8), 4, 2, 4, "BIPOLAR"), ((11, 10), 4, 3, 4, "INT8")]
# (channels, PE, in dtype, out dtype, act_bias, vector_dims)
THRESHOLDING_CASES = [(8, 2, "INT8", "INT4", -8, [3]), (5, 1, "INT4", "BIPOLAR", 0, [4]),
                      (6, 6, "UINT4", "UINT2", 0, [2, 2])]
# (labels, K, PE, dtype, value range (None: the dtype's) for ties)
LABEL_SELECT_CASES = [(10, 5, 2, "UINT4", (6, 8)), (12, 3, 4, "BIPOLAR", None), (1000, 5, 8, "INT16", None)]
# (in elems, out elems, dtype, frame shape)
# (exemplar side, channels, SIMD, score-map side, dtype), per-frame capture flags (5 frames)
CORRELATION_CASES = [
    ((3, 4, 4, 5, "INT8"), rtl_correlation.CAPTURE),  # 3x3x4 exemplar on a 7x7 map, recaptured
    ((5, 3, 5, 5, "INT8"), rtl_correlation.CAPTURE),  # 5x5x3 on 9x9, SIMD across window positions
    ((2, 6, 3, 2, "INT8"), [0, 1, 1, 0, 0]),          # the zero memory first, two captures in a row
    ((3, 2, 1, 2, "UINT4"), rtl_correlation.CAPTURE),  # SIMD 1, unsigned elements
]
# (ifm, channels of an output pixel, block, mode, PE, dtype)
UPSCALE_CASES = [((4, 5), 3, 2, "depth_to_space", 1, "INT18"), ((3, 4), 4, 3, "depth_to_space", 2, "UINT4"),
                 ((4, 6), 4, 2, "nearest", 2, "UINT4")]
DWC_CASES = [(3, 9, "INT2", (18,)), (12, 3, "INT4", (2, 12)), (4, 6, "INT4", (3, 12)), (9, 6, "BIPOLAR", (2, 18))]


def assert_csim_matches_model(model, node, x, tmp_path, capture=None) -> np.ndarray:
    expected = expected_outputs(model, node, x) if capture is None else getCustomOp(node).compute(x, capture)
    y = csim_op(model, node, x, tmp_path, capture)
    assert y.shape == expected.shape
    assert np.array_equal(y, expected), f"{np.count_nonzero(y != expected)} of {y.size} outputs differ"
    assert len(np.unique(expected)) > 1, "test data gives a constant output"
    return expected


@pytest.mark.parametrize("case", MVAU_CASES, ids=str)
def test_mvau_csim_equals_model(tmp_path, case):
    assert_csim_matches_model(*rtl_mvau.make_case(case, frames=3), tmp_path)


@pytest.mark.parametrize("case", SLIDING_WINDOW_CASES, ids=str)
def test_sliding_window_csim_equals_model(tmp_path, case):
    assert_csim_matches_model(*rtl_sliding_window.make_case(*case), tmp_path)


@pytest.mark.parametrize("case", MAXPOOL_CASES, ids=str)
def test_maxpool_csim_equals_model(tmp_path, case):
    assert_csim_matches_model(*rtl_maxpool.make_case(*case), tmp_path)


@pytest.mark.parametrize("case", rtl_channel_sum.VVAU_CASES, ids=str)
def test_vvau_csim_equals_model(tmp_path, case):
    assert_csim_matches_model(*rtl_channel_sum.make_case(case, frames=3), tmp_path)


@pytest.mark.parametrize("case", rtl_channel_scale.CASES, ids=str)
def test_channel_scale_csim_equals_model(tmp_path, case):
    assert_csim_matches_model(*rtl_channel_scale.make_case(case), tmp_path)


@pytest.mark.parametrize("case", rtl_channel_sum.GLOBAL_SUM_CASES[:2], ids=str)
def test_global_sum_csim_equals_model(tmp_path, case):
    assert_csim_matches_model(*rtl_channel_sum.make_global_case(*case), tmp_path)


@pytest.mark.parametrize("case", UPSCALE_CASES, ids=str)
def test_upscale_csim_equals_model(tmp_path, case):
    assert_csim_matches_model(*rtl_upscale.make_case(*case), tmp_path)


@pytest.mark.parametrize("case", THRESHOLDING_CASES, ids=str)
def test_thresholding_csim_equals_model(tmp_path, case):
    assert_csim_matches_model(*rtl_thresholding.make_case(case, frames=4), tmp_path)


@pytest.mark.parametrize("case", LABEL_SELECT_CASES, ids=str)
def test_label_select_csim_equals_model(tmp_path, case):
    labels, k, pe, dtype, value_range = case
    rng = np.random.default_rng(labels + 10 * k + pe)
    x = rtl_label_select.frames(rng, labels, dtype, value_range, 8)
    model = rtl_label_select.label_select_model(labels, k, pe, dtype, len(x))
    assert_csim_matches_model(model, model.graph.node[0], x, tmp_path)


@pytest.mark.parametrize(("case", "capture"), CORRELATION_CASES, ids=str)
def test_correlation_csim_equals_model(tmp_path, case, capture):
    capture = np.asarray(capture, dtype=np.uint8)
    model, node, x = rtl_correlation.make_case(case)
    expected = assert_csim_matches_model(model, node, x, tmp_path, capture)
    if not capture[0]:  # no exemplar yet: the memory starts at zero
        assert not expected[0].any()


def dwc_case(in_elems, out_elems, dtype, shape):
    x = random_values(np.random.default_rng(in_elems * 16 + out_elems), DataType[dtype], (5, *shape))
    model = single_op_model("DataWidthConverter", x.shape, shape=list(shape), out_dtype=dtype,
                            in_elems=in_elems, out_elems=out_elems)
    return model, x


def test_capture_flags_for_a_design_without_capture_are_refused(tmp_path):
    model, x = dwc_case(*DWC_CASES[0])  # the same design as a case below: compiled once
    with pytest.raises(SimulationError, match="no exemplar_capture input"):
        csim_op(model, model.graph.node[0], x, tmp_path, capture=np.ones(len(x), dtype=np.uint8))


@pytest.mark.parametrize("case", DWC_CASES, ids=str)
def test_dwc_csim_equals_model(tmp_path, case):
    model, x = dwc_case(*case)
    assert np.array_equal(assert_csim_matches_model(model, model.graph.node[0], x, tmp_path), x)
