"""Many thresholds by binary search (threshold_search.v): thresholds in any order and repeated
give the counting model's outputs; the thresholds read back from the stage files predict the RTL
even when a file is out of order (a flipped bit, as the fault campaign injects)."""

import numpy as np
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.op_sim import run_streams
from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import build
from flow.faults.kinds import flip_memh
from flow.ops.threshold_search import (
    read_effective_thresholds,
    read_trees,
    search_counts,
    search_trees,
    stage_file,
    stages,
    write_stage_files,
)
from flow.ops.thresholds import apply_thresholds
from tests.rtl import test_mvau
from tests.rtl.checks import assert_rtl_matches_model

SEARCH_CASE = test_mvau.CASES[13]     # binary_input, INT8 activation: 255 thresholds
assert SEARCH_CASE[6] == "INT8"


def test_unordered_repeated_thresholds_match_model(tmp_path):
    model, node, x = test_mvau.make_case(SEARCH_CASE, frames=2)
    thresholds = model.get_initializer(node.input[2])
    rng = np.random.default_rng(5)
    shuffled = np.stack([rng.permutation(row) for row in thresholds])
    shuffled[:, :40] = shuffled[:, 40:80]          # repeats
    model.set_initializer(node.input[2], shuffled)
    expected = assert_rtl_matches_model(model, node, x, tmp_path, schedules=[(2, 0.4, 0.5)])
    assert len(np.unique(expected)) > 10


def test_flipped_stage_bit_is_predicted_by_read_back(tmp_path):
    model, node, x = test_mvau.make_case(SEARCH_CASE, frames=2)
    op = getCustomOp(node)
    params = op.rtl_params(model, tmp_path)
    shipped = op.compute(x, *op.memory_parameters(tmp_path))
    # the root of lane 1, fold 0: its sign bit, so the tree is out of order
    flip_memh(tmp_path / stage_file(params["THRES_FILE"], 0, 1), 0, params["THRES_BITS"] - 1)
    predicted = op.compute(x, *op.memory_parameters(tmp_path))
    assert not np.array_equal(predicted, shipped)
    ins, outs = op.in_stream(), op.out_stream()
    sim = build("mvau", rtl_sources("mvau"), ins.bits, outs.bits, params)
    y, _ = run_streams(sim, ins, outs, x, op.out_shape(len(x)), tmp_path, op.cycles(), seed=3,
                       in_gap=0.3, out_stall=0.3)
    assert np.array_equal(y, predicted)


def test_read_back_acts_as_the_search(tmp_path):
    rng = np.random.default_rng(0)
    channels, pe, n, bits = 6, 3, 40, 8
    thresholds = rng.integers(-100, 101, size=(channels, n))
    write_stage_files(tmp_path, "t", thresholds, pe, 101, bits)
    x = np.arange(-128, 101)   # inputs stay below the padding, 101
    int8 = DataType["INT8"]
    # the files read back are the trees written
    written = search_trees(thresholds, 101)
    read = read_trees(tmp_path, "t", channels, pe, n, bits)
    assert all(np.array_equal(a, b) for a, b in zip(read, written, strict=True))
    # in order: the sorted thresholds, then the padding
    effective = read_effective_thresholds(tmp_path, "t", channels, pe, n, bits)
    assert effective.shape == (channels, (1 << stages(n)) - 1)
    assert np.array_equal(effective[:, :n], np.sort(thresholds, axis=1))
    assert np.array_equal(apply_thresholds(x[:, None], effective, int8, 0).T,
                          apply_thresholds(x[:, None], thresholds, int8, 0).T)
    # out of order: every stage file's words scrambled, the read-back still counts as the search
    for s in range(stages(n)):
        for lane in range(pe):
            path = tmp_path / stage_file("t", s, lane)
            words = path.read_text().split()
            path.write_text("\n".join(rng.permutation(words)) + "\n")
    effective = read_effective_thresholds(tmp_path, "t", channels, pe, n, bits)
    trees = read_trees(tmp_path, "t", channels, pe, n, bits)
    searched = search_counts(trees, np.broadcast_to(x, (channels, len(x))))
    assert np.array_equal(apply_thresholds(x[:, None], effective, int8, 0).T, searched)
    in_order = search_counts(written, np.broadcast_to(x, (channels, len(x))))
    assert not np.array_equal(searched, in_order)
