"""dwc: elements pass unchanged and in order, regrouped into words of another size."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model

# (in elems, out elems, dtype, frame shape): integer up and down, equal, non-integer ratios
CASES = [
    (1, 8, "BINARY", (4, 8)),
    (8, 1, "UINT2", (2, 16)),
    (3, 9, "INT2", (18,)),
    (12, 3, "INT4", (2, 12)),
    (4, 6, "INT4", (3, 12)),
    (6, 4, "UINT8", (2, 12)),
    (9, 6, "BIPOLAR", (2, 18)),
    (5, 5, "INT8", (10,)),
]


@pytest.mark.parametrize("in_elems,out_elems,dtype,shape", CASES)
def test_dwc_regroups_unchanged(tmp_path, in_elems, out_elems, dtype, shape):
    rng = np.random.default_rng(in_elems * 16 + out_elems)
    n = 6
    model = single_op_model("DataWidthConverter", (n, *shape), shape=list(shape), out_dtype=dtype,
                            in_elems=in_elems, out_elems=out_elems)
    node = model.graph.node[0]
    op = getCustomOp(node)
    op.check_folding()
    x = random_values(rng, DataType[dtype], (n, *shape))
    assert np.array_equal(assert_rtl_matches_model(model, node, x, tmp_path), x)
    assert_analytic_cycles(model, node, x, tmp_path)


def test_dwc_lint_clean():
    for in_elems, out_elems, bits in [(2, 2, 3), (2, 8, 1), (8, 2, 4), (6, 4, 2), (4, 6, 8), (7, 3, 1)]:
        params = {"IN_ELEMS": in_elems, "OUT_ELEMS": out_elems, "BITS": bits}
        assert lint("dwc", rtl_sources("dwc"), params) == "", params
