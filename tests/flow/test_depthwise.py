"""Depthwise convolution (group = channels): exact through streamlining, a SlidingWindow and a VVAU
(one weight set per channel) in hardware, built through every level."""

import numpy as np
import pytest

from flow import verify
from flow.lower import lower_to_hardware
from flow.reference import make_reference, run_reference, session
from flow.streamline import UnsupportedGraph, integerize
from tests.flow.qonnx_graphs import GraphBuilder, depthwise_graph, per_channel_depthwise_graph
from tests.helpers import build_through_every_level


def assert_streamlines_and_lowers_exactly(model, shape, value_range, op_types):
    """L1 = L2 but for rounding-boundary cases, the lowered ops are op_types, and L3 = L2."""
    x = np.random.default_rng(1).uniform(*value_range, shape).astype(np.float32)
    integer = integerize(model)
    ref = run_reference(session(make_reference(integer)), x)
    qonnx = verify.execute_batch(model, x)
    assert (qonnx != ref[model.graph.output[0].name]).mean() < 0.01   # BatchNorm's float scales
    hw = lower_to_hardware(integer)
    assert [n.op_type for n in hw.graph.node] == op_types
    l3 = verify.run_hardware_graph(hw, verify.to_channels_last(ref["core_in"]))
    assert np.array_equal(verify.to_channels_first(l3), ref["core_out"])


def test_a_depthwise_convolution_streamlines_and_lowers_exactly():
    assert_streamlines_and_lowers_exactly(depthwise_graph(), (16, 6, 7, 7), (-1, 5),
                                          ["SlidingWindow", "VVAU", "Thresholding", "MVAU"])


def test_a_per_channel_scale_passes_through_a_depthwise_convolution_exactly():
    assert_streamlines_and_lowers_exactly(per_channel_depthwise_graph(), (16, 3, 8, 8), (-1, 1),
                                          ["SlidingWindow", "MVAU", "SlidingWindow", "VVAU", "Thresholding", "MVAU"])


def test_a_per_channel_scale_before_a_dense_layer_is_refused():
    g = GraphBuilder((1, 4, 5, 5))
    g.quant(np.array([0.5, 0.25, 0.5, 0.5]).reshape(1, 4, 1, 1), bits=4)
    g.op("Conv", g.quantized_weight(np.ones((2, 4, 1, 1)), 1.0), kernel_shape=[1, 1])
    g.quant(0.5, bits=4)
    with pytest.raises(UnsupportedGraph, match="input has a per-channel scale; a layer needs one scale"):
        integerize(g.model())


def test_a_grouped_convolution_is_refused():
    g = GraphBuilder((1, 4, 5, 5))
    g.quant(0.5, bits=4)
    g.op("Conv", g.quantized_weight(np.ones((4, 2, 3, 3)), 1.0), kernel_shape=[3, 3], group=2)
    g.quant(0.5, bits=4)
    with pytest.raises(UnsupportedGraph, match=r"Conv node .*: group=2 \(supported: group=1 convolutions, "
                                               r"and depthwise ones"):
        integerize(g.model())


def test_a_depthwise_network_builds_through_every_level(tmp_path):
    report = build_through_every_level(depthwise_graph(), tmp_path, "--target-fps", "20000")
    vvau = next(op for op in report["ops"] if op["name"].startswith("VVAU"))
    assert vvau["measured_cycles"] == vvau["analytic_cycles"]
