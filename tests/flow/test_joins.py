"""Joins of two branches: the Add of two tensors of one scale (a residual block) streamlines to an
integer Add and lowers to an AddStreams, a Concat along channels to a ConcatStreams, the fork to a
DuplicateStreams; both build through every level."""

import numpy as np
import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.lower import lower_to_hardware
from flow.reference import make_reference, run_reference, session
from flow.streamline import UnsupportedGraph, integerize
from tests.flow.qonnx_graphs import GraphBuilder, concat_graph, po2_residual_graph, residual_graph
from tests.helpers import build_through_every_level


def levels(model, x):
    """(L1 qonnx, L2 reference outputs, the hardware graph)."""
    integer = integerize(model)
    ref = run_reference(session(make_reference(integer)), x)
    return verify.execute_batch(model, x), ref, integer


def test_a_residual_block_streamlines_and_lowers_exactly():
    model = residual_graph()
    x = np.random.default_rng(1).uniform(-0.5, 2.5, (16, 4, 6, 6)).astype(np.float32)
    qonnx, ref, integer = levels(model, x)
    assert [n.op_type for n in integer.graph.node].count("Add") == 1
    assert np.mean(qonnx != ref[model.graph.output[0].name]) < 0.01   # rounding-boundary cases only
    hw = lower_to_hardware(integer)
    assert [n.op_type for n in hw.graph.node] == ["DuplicateStreams", "SlidingWindow", "MVAU", "SlidingWindow",
                                                  "MVAU", "AddStreams", "Thresholding"]
    l3 = verify.run_hardware_graph(hw, verify.to_channels_last(ref["core_in"]))
    assert np.array_equal(verify.to_channels_first(l3), ref["core_out"])


def test_a_tensor_read_three_times_forks_twice():
    """(x + x) + x: three reads of x, two DuplicateStreams in a chain; the result is 3x. (An Identity
    names x twice: qonnx's tensor renaming misses a node's second read of one tensor.)"""
    g = GraphBuilder((1, 2, 3, 3))
    g.quant(0.5, bits=3, signed=True)
    x = g.tensor
    g.op("Identity").op("Add", x).op("Add", x)
    g.quant(0.5, bits=6, signed=True)
    model = g.model()
    data = np.random.default_rng(2).integers(-4, 4, (8, 2, 3, 3)).astype(np.float32) * 0.5
    _, ref, integer = levels(model, data)
    hw = lower_to_hardware(integer)
    ops = [n.op_type for n in hw.graph.node]
    assert ops.count("DuplicateStreams") == 2 and ops.count("AddStreams") == 2
    assert all(len(hw.find_consumers(o)) == 1 for n in hw.graph.node for o in n.output if o != "hw_out")
    l3 = verify.to_channels_first(verify.run_hardware_graph(hw, verify.to_channels_last(ref["core_in"])))
    assert np.array_equal(l3, ref["core_out"])
    assert np.array_equal(ref[model.graph.output[0].name], 3 * data)


def test_operands_of_different_scales_are_refused():
    g = GraphBuilder((1, 2, 3, 3))
    g.quant(0.5, bits=4, signed=False)
    skip = g.tensor
    g.op("Conv", g.quantized_weight(np.ones((2, 2, 1, 1)), 1.0), kernel_shape=[1, 1])
    g.quant(0.25, bits=4, signed=False)
    g.op("Mul", g.const(0.3))   # 0.25 * 0.3 against 0.5: no small integer ratio
    g.op("Add", skip)
    g.quant(0.5, bits=4, signed=False)
    with pytest.raises(UnsupportedGraph, match=r"Add node .*operands carry scales 0\.075 and 0\.5 \(channel 0\), "
                                               r"whose ratio is no p/q of integers up to 256 \(supported: operands of one"):
        integerize(g.model())


def test_a_relu_before_the_join_without_a_quantizer_is_refused():
    g = GraphBuilder((1, 2, 3, 3))
    g.quant(0.5, bits=4, signed=True)
    skip = g.tensor
    g.op("Relu").op("Add", skip)
    g.quant(0.5, bits=4, signed=False)
    with pytest.raises(UnsupportedGraph, match="Relu without a quantizer"):
        integerize(g.model())


def test_a_concat_of_two_scales_streamlines_and_lowers_exactly():
    model = concat_graph()
    x = np.random.default_rng(3).uniform(-1, 1, (16, 3, 5, 5)).astype(np.float32)
    qonnx, ref, integer = levels(model, x)
    assert np.mean(qonnx != ref[model.graph.output[0].name]) < 0.01   # rounding-boundary cases only
    hw = lower_to_hardware(integer)
    assert [n.op_type for n in hw.graph.node] == ["DuplicateStreams", "SlidingWindow", "MVAU", "ConcatStreams",
                                                  "Thresholding", "MVAU"]
    l3 = verify.run_hardware_graph(hw, verify.to_channels_last(ref["core_in"]))
    assert np.array_equal(verify.to_channels_first(l3), ref["core_out"])


def test_a_concat_along_space_is_refused():
    g = GraphBuilder((1, 2, 3, 3))
    g.quant(0.5, bits=4)
    skip = g.tensor
    g.op("Identity").op("Concat", skip, axis=2)
    g.quant(0.5, bits=4)
    with pytest.raises(UnsupportedGraph, match=r"Concat node .*along axis 2 \(supported: two or more tensors "
                                               r"along the channel axis"):
        integerize(g.model())


@pytest.mark.parametrize("graph, join", [(residual_graph, "AddStreams"), (concat_graph, "ConcatStreams"),
                                         (po2_residual_graph, "ChannelScale")])
def test_a_network_with_a_join_builds_through_every_level(tmp_path, graph, join):
    build_through_every_level(graph(), tmp_path, "--target-fps", "50000")
    folded = ModelWrapper(str(tmp_path / "build" / "30_folded.onnx"))
    assert any(n.op_type == join for n in folded.graph.node)
    dup = next(n for n in folded.graph.node if n.op_type == "DuplicateStreams")
    skip = next(n for n in folded.graph.node if n.input[0] == dup.output[1])
    # sized by simulation: what the window branch takes in before its first output, not a frame
    frame = getCustomOp(skip).stream().words
    assert 4 <= getCustomOp(skip).attr("depth") < frame


def test_a_join_of_power_of_two_scales_rescales_one_branch():
    """Scales 2^-2 and 2^-3: the branch's codes times 2 (a ChannelScale), then one sum; exact."""
    model = po2_residual_graph()
    x = np.random.default_rng(5).uniform(-0.5, 2.5, (32, 4, 5, 5)).astype(np.float32)
    qonnx, ref, integer = levels(model, x)
    assert np.array_equal(qonnx, ref[model.graph.output[0].name])   # power-of-two scales: no float error
    hw = lower_to_hardware(integer)
    assert [n.op_type for n in hw.graph.node] == ["DuplicateStreams", "SlidingWindow", "MVAU", "ChannelScale",
                                                  "AddStreams", "Thresholding"]
    scale = next(n for n in hw.graph.node if n.op_type == "ChannelScale")
    assert np.array_equal(hw.get_initializer(scale.input[1]), [2, 2, 2, 2])
    l3 = verify.run_hardware_graph(hw, verify.to_channels_last(ref["core_in"]))
    assert np.array_equal(verify.to_channels_first(l3), ref["core_out"])
