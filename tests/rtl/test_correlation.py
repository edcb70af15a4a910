"""correlation: the RTL equals Correlation.compute bit for bit, capture frames included, under
gaps and back-pressure and two X seeds, at exactly the analytic rate; the numpy model against
a direct correlation."""

from functools import partial

import numpy as np
import pytest
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.op_sim import simulate_op, steady_state_cycles
from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import SimulationError, lint
from flow.backends.rtl.x_seeds import run_two_x_seeds
from flow.ops.correlation import correlation, score_dtype
from flow.ops.sliding_window import sliding_window
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import GAPS_AND_STALLS

# (exemplar side K, channels C, SIMD, score-map side, element dtype); one build each
CASES = [
    (3, 4, 4, 3, "INT8"),     # a 3x3x4 exemplar on a 5x5 map, one word per exemplar row element
    (2, 6, 3, 2, "INT8"),     # SIMD below the channels: two words per window position
    (2, 2, 8, 2, "INT4"),     # SIMD spans window positions (MW = 8, one word per vector)
    (3, 2, 1, 2, "UINT4"),    # SIMD 1, unsigned elements
]
IDS = [f"k{c[0]}-c{c[1]}-s{c[2]}-o{c[3]}-{c[4]}" for c in CASES]
# capture pattern of the frames: a capture frame, two search frames, a new capture, a search
CAPTURE = np.array([1, 0, 0, 1, 0], dtype=np.uint8)
# capture files the Verilator harness and the HLS test bench refuse (hw/sim/stream_options.hpp)
MALFORMED_CAPTURE = [([1, 0, 0], r"holds 3 capture flags; the input has 5 frames"),
                     ([1, 0, 2, 0, 0], r"capture flag 2 in .* is 2; a flag is 0 or 1")]


def make_case(case, seed=0):
    k, c, simd, out, dtype = case
    rng = np.random.default_rng(seed + 100 * k + c)
    dt = DataType[dtype]
    mw = k * k * c
    x = random_values(rng, dt, (len(CAPTURE), out, out, mw))
    model = single_op_model("Correlation", x.shape, MW=mw, SIMD=simd, in_dtype=dtype,
                            out_dtype=score_dtype(dt, mw).name, vector_dims=[out, out])
    return model, model.graph.node[0], x


def test_numpy_model_is_the_cross_correlation_with_the_top_left_window():
    rng = np.random.default_rng(0)
    exemplar_map = rng.integers(-128, 128, size=(1, 7, 7, 3))   # a 3x3 exemplar's 7x7 canvas
    search_map = rng.integers(-128, 128, size=(1, 7, 7, 3))
    windows = sliding_window(np.concatenate([exemplar_map, search_map]), (3, 3), (1, 1), (0,) * 4)
    scores, memory = correlation(windows.reshape(2, 25, 27), np.array([1, 0]), np.zeros(27))
    z = exemplar_map[0, :3, :3, :]
    direct = np.array([[(search_map[0, i:i + 3, j:j + 3, :] * z).sum() for j in range(5)]
                       for i in range(5)])
    assert np.array_equal(scores[1].reshape(5, 5), direct)
    assert np.array_equal(memory, z.reshape(-1))
    assert scores[0, 0] == (z * z).sum()


def test_score_dtype_holds_the_extremes():
    assert score_dtype(DataType["INT8"], 17 * 17 * 32) == DataType["INT29"]
    assert score_dtype(DataType["UINT4"], 4) == DataType["INT11"]  # 4 * 15 * 15 = 900


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_correlation_matches_model(tmp_path, case):
    model, node, x = make_case(case)
    op = getCustomOp(node)
    op.check_folding()
    expected = op.compute(x, CAPTURE)
    assert len(np.unique(expected)) > 1
    for i, (seed, gap, stall) in enumerate(GAPS_AND_STALLS):
        simulate = partial(simulate_op, model, node, x, tmp_path, seed=seed, in_gap=gap, out_stall=stall,
                           capture=CAPTURE)
        y, _ = run_two_x_seeds(simulate) if i == 0 else simulate()
        assert np.array_equal(y, expected), f"seed {seed}: {np.count_nonzero(y != expected)} differ"


@pytest.mark.parametrize("case", CASES[:2], ids=IDS[:2])
def test_correlation_steady_state_cycles(tmp_path, case):
    model, node, x = make_case(case)
    # a real exemplar first, then search frames scored against it
    flags = np.zeros(len(x), dtype=np.uint8)
    flags[0] = 1
    y, stats = simulate_op(model, node, x, tmp_path, capture=flags)
    op = getCustomOp(node)
    expected = op.compute(x, flags)
    assert np.count_nonzero(expected[1:]) > 0 and len(np.unique(expected[1:])) > 1
    assert np.array_equal(y, expected)
    # the flag changes only once the capture frame has drained (the host's protocol), so the
    # search frames' own rate is measured from the first search frame on
    search = {"frame_last_output": stats["frame_last_output"][1:]}
    assert steady_state_cycles(search) == op.cycles()


def test_correlation_needs_capture_flags():
    model, node, x = make_case(CASES[0])
    with pytest.raises(ValueError, match="exemplar_capture"):
        getCustomOp(node).compute(x)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_correlation_lint_clean(tmp_path, case):
    model, node, _ = make_case(case)
    params = getCustomOp(node).rtl_params(model, tmp_path)
    assert lint("correlation", rtl_sources("correlation"), params) == "", params


@pytest.mark.parametrize(("flags", "message"), MALFORMED_CAPTURE)
def test_a_malformed_capture_file_is_refused(tmp_path, flags, message):
    model, node, x = make_case(CASES[0])
    with pytest.raises(SimulationError, match=f"harness: .*{message}"):
        simulate_op(model, node, x, tmp_path, capture=np.array(flags, dtype=np.uint8))
