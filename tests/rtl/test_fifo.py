"""fifo: words pass unchanged and in order under input gaps and output back-pressure."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_rtl_matches_model

# (frame shape, elems per word, dtype, depth)
CASES = [
    ((4, 4, 8), 8, "BIPOLAR", 2),
    ((6, 3), 3, "INT4", 4),
    ((10,), 5, "UINT8", 32),
    ((4, 6), 6, "INT4", 0),  # no FIFO: a wire
]


@pytest.mark.parametrize("shape,elems,dtype,depth", CASES)
def test_fifo_streams_unchanged(tmp_path, shape, elems, dtype, depth):
    rng = np.random.default_rng(0)
    model = single_op_model("FIFO", (3, *shape), shape=list(shape), out_dtype=dtype,
                            elems=elems, depth=depth)
    node = model.graph.node[0]
    x = random_values(rng, DataType[dtype], (3, *shape))
    assert np.array_equal(assert_rtl_matches_model(model, node, x, tmp_path), x)


@pytest.mark.parametrize("depth", [8, 0])
def test_fifo_lint_clean(depth):
    assert lint("fifo", rtl_sources("fifo"), {"WIDTH": 12, "DEPTH": depth}) == ""
