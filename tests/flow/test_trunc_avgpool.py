"""Brevitas' TruncAvgPool (an AveragePool over the whole map, then a Trunc of the mean's low bits):
the Trunc's two roundings become exact thresholds, so the integer graph equals qonnx's float
execution everywhere on power-of-two scales, and the network builds through every level."""

import numpy as np
import pytest

from flow import verify
from flow.reference import make_reference, run_reference, session
from flow.streamline import UnsupportedGraph, integerize
from tests.flow.qonnx_graphs import GraphBuilder, trunc_avgpool_graph
from tests.helpers import build_through_every_level


def test_the_truncated_mean_is_exact_ties_included():
    model = trunc_avgpool_graph()
    # every 4-bit code of the input quantizer: the sums hit Trunc's half-way points and multiples of T
    codes = np.random.default_rng(4).integers(0, 16, (400, 3, 4, 4))
    x = (codes * 2.0**-2).astype(np.float32)
    ref = run_reference(session(make_reference(integerize(model))), x)
    out = model.graph.output[0].name
    assert np.array_equal(verify.execute_batch(model, x), ref[out])
    means = codes.sum(axis=(2, 3))   # round(sum) / 16 then floor: the code of each channel
    assert np.any(means % 16 == 8) and np.any(means % 16 == 0)


def test_an_average_pool_not_over_the_whole_map_is_refused():
    g = GraphBuilder((1, 2, 4, 4))
    g.quant(0.5, bits=4, signed=False)
    g.op("AveragePool", kernel_shape=[2, 2], strides=[2, 2])
    g.quant(0.5, bits=4, signed=False)
    with pytest.raises(UnsupportedGraph, match=r"AveragePool node .*kernel \[2, 2\] on a \[4, 4\] map"):
        integerize(g.model())


def test_a_truncated_mean_builds_through_every_level(tmp_path):
    build_through_every_level(trunc_avgpool_graph(), tmp_path)
