"""label_select: the top-K indices, largest first and ties to the lower index, as ONNX TopK."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from flow.ops.label_select import index_dtype, label_select
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model

# (labels, K, PE, input dtype, value range (lo, hi) to force ties, or None for the whole range)
CASES = [
    (10, 1, 1, "INT8", None),
    (10, 5, 2, "UINT4", (6, 8)),
    (10, 2, 5, "INT4", (-1, 0)),
    (10, 10, 1, "UINT2", None),
    (12, 3, 4, "BIPOLAR", None),
    (1000, 5, 8, "INT16", None),
    (1000, 2, 1, "UINT8", (3, 5)),
]


def frames(rng, labels, dtype, value_range, n):
    """n random frames, then one sorted ascending, one descending and one of equal values."""
    dt = DataType[dtype]
    if value_range is None:
        x = random_values(rng, dt, (n, labels))
    else:
        x = rng.integers(value_range[0], value_range[1] + 1, size=(n, labels))
    ascending = np.sort(x[0])
    return np.concatenate([x, [ascending, ascending[::-1], np.full(labels, x[0, 0])]])


def label_select_model(labels, k, pe, dtype, n):
    return single_op_model("LabelSelect", (n, labels), labels=labels, K=k, PE=pe,
                           in_dtype=dtype, out_dtype=index_dtype(labels).name)


@pytest.mark.parametrize("labels,k,pe,dtype,value_range", CASES)
def test_label_select_matches_model(tmp_path, labels, k, pe, dtype, value_range):
    rng = np.random.default_rng(labels + 10 * k + pe)
    x = frames(rng, labels, dtype, value_range, 5 if labels > 100 else 12)
    model = label_select_model(labels, k, pe, dtype, len(x))
    node = model.graph.node[0]
    op = getCustomOp(node)
    op.check_folding()
    expected = op.compute(x)
    assert np.array_equal(expected, label_select(x, k))
    if value_range is not None or dtype in ("UINT2", "BIPOLAR"):
        # the tie order is really exercised: some frame has equal values inside its top K
        top = np.take_along_axis(x, expected, axis=1)
        assert np.any(top[:, 1:] == top[:, :-1]) or k == 1
    assert_rtl_matches_model(model, node, x, tmp_path)
    assert_analytic_cycles(model, node, x, tmp_path)


def test_label_select_lint_clean():
    for params in [
        {"LABELS": 10, "K": 3, "PE": 2, "IN_BITS": 8, "IN_SIGNED": 1, "OUT_BITS": 4},
        {"LABELS": 1000, "K": 1, "PE": 8, "IN_BITS": 1, "IN_SIGNED": 0, "OUT_BITS": 10},
        {"LABELS": 7, "K": 7, "PE": 7, "IN_BITS": 3, "IN_SIGNED": 0, "OUT_BITS": 3},
    ]:
        assert lint("label_select", rtl_sources("label_select"), params) == "", params
