"""Zero padding of a bipolar map (Brevitas pads with 0, no bipolar value) is exact: the padded map is
carried as INT2, from the MultiThreshold that makes it (or the network input) through a MaxPool."""

import numpy as np
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.lower import lower_to_hardware
from flow.reference import make_reference, run_reference, session
from flow.streamline import integerize
from tests.flow.qonnx_graphs import GraphBuilder, padded_bipolar_graph
from tests.helpers import build_through_every_level


def test_a_padded_bipolar_map_is_lowered_as_int2_and_stays_exact():
    model = padded_bipolar_graph()
    integer = integerize(model)
    hw = lower_to_hardware(integer)
    mvaus = [getCustomOp(n) for n in hw.graph.node if n.op_type == "MVAU"]
    assert [m.attr("mode") for m in mvaus] == ["xnor", "binary_weight"]
    assert mvaus[0].attr("out_dtype") == "INT2" and mvaus[1].attr("in_dtype") == "INT2"
    pool = next(getCustomOp(n) for n in hw.graph.node if n.op_type == "MaxPool")
    assert pool.attr("out_dtype") == "INT2"
    x = np.random.default_rng(0).uniform(-1, 1, (16, 3, 8, 8)).astype(np.float32)
    ref = run_reference(session(make_reference(integer)), x)
    l3 = verify.run_hardware_graph(hw, verify.to_channels_last(ref["core_in"]))
    assert np.array_equal(verify.to_channels_first(l3), ref["core_out"])
    # and the reference is what qonnx computes from the QONNX graph, zeros padded
    assert np.array_equal(verify.execute_batch(model, x), ref[model.graph.output[0].name])


def test_a_padded_bipolar_network_builds_through_every_level(tmp_path):
    build_through_every_level(padded_bipolar_graph(), tmp_path, "--target-fps", "20000")


def test_bipolar_maps_a_depthwise_convolution_and_a_global_sum_read_are_int2():
    """A depthwise convolution and a global sum compute on the values, not XNOR's bits: the bipolar
    maps they read come as INT2, the network input and a MultiThreshold's alike."""
    rng = np.random.default_rng(0)
    g = GraphBuilder((1, 4, 6, 6)).bipolar()
    g.op("Conv", g.bipolar_weight(rng.normal(size=(4, 1, 3, 3))), kernel_shape=[3, 3], group=4).bipolar()
    g.op("GlobalAveragePool").op("Flatten", axis=1)
    g.op("MatMul", g.quantized_weight(rng.integers(-7, 8, (4, 3)) * 0.5, 0.5)).quant(0.5, bits=4)
    model = g.model()
    integer = integerize(model)
    hw = lower_to_hardware(integer)
    ops = {n.op_type: getCustomOp(n) for n in hw.graph.node}
    assert ops["VVAU"].attr("in_dtype") == "INT2" and ops["GlobalSum"].attr("in_dtype") == "INT2"
    x = np.random.default_rng(1).uniform(-1, 1, (16, 4, 6, 6)).astype(np.float32)
    ref = run_reference(session(make_reference(integer)), x)
    l3 = verify.run_hardware_graph(hw, verify.to_channels_last(ref["core_in"]))
    assert np.array_equal(l3.reshape(ref["core_out"].shape), ref["core_out"])
    assert np.array_equal(verify.execute_batch(model, x), ref[model.graph.output[0].name])
