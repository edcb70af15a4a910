"""sliding_window and parallel_window (whole windows): the RTL emits exactly the numpy model's
windows, at max(input, output) words a frame."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.op_sim import simulate_op
from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from flow.ops import FoldingError
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import (
    GAPS_AND_STALLS,
    assert_analytic_cycles,
    assert_rtl_matches_model,
    expected_outputs,
)

FRAMES = 4

# (ifm [H, W], channels, kernel [KH, KW], stride [SH, SW], pads [t, l, b, r], SIMD, dtype)
CASES = [
    # 3x3, no padding, one word per pixel, 1-bit
    ((8, 8), 4, (3, 3), (1, 1), (0, 0, 0, 0), 4, "BIPOLAR"),
    # 3x3 "same" padding, non-square image, 3 words per pixel
    ((7, 9), 6, (3, 3), (1, 1), (1, 1, 1, 1), 2, "INT4"),
    # 2x2 stride 2, odd height: the last row is consumed and dropped; SIMD = 1
    ((9, 8), 2, (2, 2), (2, 2), (0, 0, 0, 0), 1, "UINT8"),
    # 5x5, asymmetric padding
    ((10, 11), 3, (5, 5), (1, 1), (2, 1, 1, 2), 3, "INT8"),
    # first-layer-like: 11x11 stride 4, unused bottom rows and right columns
    ((39, 39), 3, (11, 11), (4, 4), (0, 0, 0, 0), 3, "UINT8"),
    # 1x1 stride 2 (input-bound): every other row and column unused
    ((9, 7), 8, (1, 1), (2, 2), (0, 0, 0, 0), 2, "INT4"),
    # kernel = image: one window per frame, reading and writing overlap across frames
    ((3, 3), 16, (3, 3), (1, 1), (0, 0, 0, 0), 4, "BIPOLAR"),
    # non-square kernel and stride, asymmetric padding, 1-bit unsigned (padding reads as 0)
    ((6, 10), 2, (2, 3), (1, 2), (0, 1, 1, 1), 1, "BINARY"),
    # 3x3 stride 2 with bottom/right padding only
    ((8, 6), 4, (3, 3), (2, 2), (0, 0, 1, 1), 2, "INT8"),
    # stride larger than the kernel: rows between windows are never stored
    ((11, 10), 2, (2, 2), (3, 3), (1, 0, 0, 1), 2, "UINT4"),
    # whole windows (parallel_window.v): SIMD = KH * KW * channels
    ((8, 8), 4, (3, 3), (1, 1), (0, 0, 0, 0), 36, "BIPOLAR"),
    # whole windows, non-square kernel and stride: unused bottom rows and right columns
    ((13, 11), 3, (3, 2), (2, 3), (0, 0, 0, 0), 18, "INT4"),
    # whole windows, kernel = image: one window per frame
    ((3, 3), 16, (3, 3), (1, 1), (0, 0, 0, 0), 144, "BIPOLAR"),
    # whole windows, a single kernel row
    ((5, 7), 2, (1, 3), (1, 1), (0, 0, 0, 0), 6, "UINT8"),
    # whole windows wider than ap_uint's default 1,024 bits
    ((5, 4), 130, (3, 3), (1, 1), (0, 0, 0, 0), 1170, "BIPOLAR"),
]
IDS = [f"{h}x{w}x{c}-k{kh}x{kw}-s{sh}x{sw}-p{''.join(map(str, p))}-simd{simd}-{dt}"
       for (h, w), c, (kh, kw), (sh, sw), p, simd, dt in CASES]


def make_case(ifm, channels, kernel, stride, pads, simd, dtype, frames=FRAMES):
    h, w = ifm
    model = single_op_model("SlidingWindow", (frames, h, w, channels), ifm_dims=list(ifm),
                            channels=channels, kernel=list(kernel), stride=list(stride),
                            pads=list(pads), SIMD=simd, out_dtype=dtype)
    x = random_values(np.random.default_rng(sum(ifm) + channels), DataType[dtype],
                      (frames, h, w, channels))
    return model, model.graph.node[0], x


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sliding_window_matches_model(tmp_path, case):
    assert_rtl_matches_model(*make_case(*case), tmp_path, schedules=GAPS_AND_STALLS[:2])


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_sliding_window_steady_state_cycles(tmp_path, case):
    assert_analytic_cycles(*make_case(*case), tmp_path)


@pytest.mark.parametrize("params", [
    {"IFM_H": 7, "IFM_W": 9, "C": 6, "SIMD": 2, "BITS": 4, "PAD_T": 1, "PAD_L": 1, "PAD_B": 1,
     "PAD_R": 1, "RAM_STYLE": "distributed"},
    {"IFM_H": 39, "IFM_W": 39, "C": 3, "SIMD": 3, "BITS": 8, "K_H": 11, "K_W": 11, "STRIDE_H": 4,
     "STRIDE_W": 4, "RAM_STYLE": "block"},
    {"IFM_H": 9, "IFM_W": 7, "C": 8, "SIMD": 8, "K_H": 1, "K_W": 1, "STRIDE_H": 2, "STRIDE_W": 2},
    {"IFM_H": 1, "IFM_W": 1, "K_H": 1, "K_W": 1},
])
def test_sliding_window_lint_clean(params):
    assert lint("sliding_window", rtl_sources("sliding_window"), params) == ""


@pytest.mark.parametrize("params", [
    {"IFM_H": 8, "IFM_W": 8, "C": 4, "BITS": 1},
    {"IFM_H": 13, "IFM_W": 11, "C": 3, "BITS": 4, "K_H": 3, "K_W": 2, "STRIDE_H": 2, "STRIDE_W": 3},
    {"IFM_H": 3, "IFM_W": 3, "C": 2, "BITS": 8},
    {"IFM_H": 1, "IFM_W": 4, "K_H": 1, "K_W": 2},
])
def test_parallel_window_lint_clean(params):
    assert lint("parallel_window", rtl_sources("parallel_window"), params) == ""


def test_whole_windows_need_no_padding():
    model, node, _ = make_case((7, 9), 6, (3, 3), (1, 1), (1, 1, 1, 1), 54, "INT4")
    with pytest.raises(FoldingError, match=r"SIMD=54 \(a whole window per word\) needs no padding"):
        getCustomOp(node).check_folding()


def test_whole_windows_fit_the_widest_hls_word():
    model, node, _ = make_case((5, 5), 72, (3, 3), (1, 1), (0, 0, 0, 0), 648, "INT8")
    op = getCustomOp(node)
    assert not op.can_stream_whole_windows()
    with pytest.raises(FoldingError, match=r"makes 5184-bit words; the HLS backend takes at most 4096"):
        op.check_folding()


@pytest.mark.parametrize("simd", [1, 12], ids=["channels", "whole-windows"])
def test_rows_no_window_reads_are_still_taken(tmp_path, simd):
    """9 x 9 by 2 x 2 windows at stride 2: row and column 8 belong to no window, yet they are part of
    the input stream, and the run ends only when every word went in (the design is ready for the
    next frame; a DMA sends them all)."""
    model, node, x = make_case((9, 9), 3, (2, 2), (2, 2), (0, 0, 0, 0), simd, "UINT4", frames=2)
    y, stats = simulate_op(model, node, x, tmp_path)
    assert np.array_equal(y, expected_outputs(model, node, x))
    assert stats["words_in"] == getCustomOp(node).in_stream().words * len(x)
