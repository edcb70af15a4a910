"""Lowering picks the right hardware ops and modes, and keeps execution equal (checked in
test_ladder_small_nets.py); here: structure, datapath modes and clear errors."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.lower import lower_to_hardware
from flow.streamline import UnsupportedGraph, integerize
from tests.flow.qonnx_graphs import GraphBuilder


def op_types(model):
    return [n.op_type for n in model.graph.node]


def test_structure_and_modes(compiled):
    hw = compiled.hardware
    mvaus = [getCustomOp(n) for n in hw.graph.node if n.op_type == "MVAU"]
    modes = [op.attr("mode") for op in mvaus]
    name = compiled.qonnx.graph.name
    if any(op.attr("w_dtype") == "BIPOLAR" for op in mvaus):
        assert set(modes) <= {"xnor", "binary_weight"}
    else:
        assert set(modes) == {"int"}
    # every thresholded activation after an MVAU is absorbed into it
    assert "Thresholding" not in op_types(hw), name
    for op in mvaus[:-1]:
        assert op.has_thresholds


def test_binary_net_uses_xnor_after_the_input_layer(tmp_path):
    from tests.flow.nets import compile_net

    hw = compile_net("binary_convnet", tmp_path, inputs=2).hardware
    mvaus = [getCustomOp(n) for n in hw.graph.node if n.op_type == "MVAU"]
    assert [op.attr("mode") for op in mvaus] == ["binary_weight", "xnor", "xnor", "xnor"]
    assert op_types(hw)[:2] == ["SlidingWindow", "MVAU"]
    assert "MaxPool" in op_types(hw)


def test_one_by_one_conv_needs_no_window(tmp_path):
    from tests.flow.nets import compile_net

    hw = compile_net("int4_convnet", tmp_path, inputs=2).hardware
    types = op_types(hw)
    # conv3x3 (window + MVAU), pool, conv1x1 (MVAU alone), conv3x3/2 (window + MVAU), dense
    assert types == ["SlidingWindow", "MVAU", "MaxPool", "MVAU", "SlidingWindow", "MVAU", "MVAU"]


def test_a_padded_bipolar_network_input_streams_as_int2():
    """0 is no bipolar value: the input a padded convolution reads comes as INT2 codes (-1, +1)."""
    g = GraphBuilder((1, 2, 5, 5))
    g.op("BipolarQuant", g.const(1.0), domain="qonnx.custom_op.general")
    w = g.quantized_weight(np.ones((3, 2, 3, 3)), 1.0, bits=2)
    g.op("Conv", w, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    g.op("BipolarQuant", g.const(1.0), domain="qonnx.custom_op.general")
    hw = lower_to_hardware(integerize(g.model()))
    assert hw.get_tensor_datatype(hw.graph.input[0].name) == DataType["INT2"]
    assert getCustomOp(next(n for n in hw.graph.node if n.op_type == "MVAU")).attr("mode") == "int"


def test_overlapping_maxpool_is_refused():
    g = GraphBuilder((1, 2, 6, 6))
    g.quant(0.5, bits=4)
    g.op("MaxPool", kernel_shape=[3, 3], strides=[2, 2])
    g.op("Mul", g.const(1.0))
    w = g.quantized_weight(np.ones((2, 2, 1, 1)), 1.0)
    g.op("Conv", w, kernel_shape=[1, 1])
    with pytest.raises(UnsupportedGraph, match=r"MaxPool node .*kernel = stride"):
        lower_to_hardware(integerize(g.model()))
