"""The verification ladder on small networks: L0 = L1 = integer graph = L2 = L3.

Integer results (the core's output, thresholded activations) must be identical. Real-valued
outputs (an output edge with per-channel float scales) are computed in float32 in a different
order at each level, so they may differ in the last bits: they must agree to well under one
output step, which is what `verify.compare` counts as a mismatch.
"""

import numpy as np
import torch
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.reference import CORE_IN, CORE_OUT
from tests.flow.nets import reference_outputs


def assert_same_outputs(compiled, a, b):
    result = verify.compare(a, b, verify.output_step(compiled.integer))
    assert result["mismatches"] == 0, result
    assert result["max_difference"] < 1e-5


def test_qonnx_equals_torch(compiled):
    with torch.no_grad():
        l0 = compiled.torch_model(torch.from_numpy(compiled.inputs)).numpy()
    l1 = verify.run_qonnx(compiled.qonnx, compiled.inputs)
    assert_same_outputs(compiled, l0, l1)


def test_integer_graph_equals_qonnx(compiled):
    l1 = verify.run_qonnx(compiled.qonnx, compiled.inputs)
    integer = verify.run_qonnx(compiled.integer, compiled.inputs)
    assert_same_outputs(compiled, l1, integer)
    assert "MultiThreshold" in {n.op_type for n in compiled.integer.graph.node}


def test_integer_core_has_integer_weights_and_no_float_ops(compiled):
    model = compiled.integer
    core_ops = [n for n in model.graph.node if not n.name.startswith("output_edge")]
    assert not any(n.op_type == "BatchNormalization" for n in model.graph.node)
    for node in core_ops:
        if node.op_type in ("Conv", "MatMul"):
            w = model.get_initializer(node.input[1])
            assert np.array_equal(w, np.round(w))
        if node.op_type == "MultiThreshold":
            t = model.get_initializer(node.input[1])
            assert np.array_equal(t, np.round(t))
            assert np.all(np.diff(t, axis=1) >= 0), "thresholds ascend per channel"


def test_reference_equals_qonnx(compiled):
    ref = reference_outputs(compiled)
    l1 = verify.run_qonnx(compiled.qonnx, compiled.inputs)
    out_name = compiled.qonnx.graph.output[0].name
    assert_same_outputs(compiled, ref[out_name], l1)
    assert np.array_equal(ref[CORE_OUT], np.round(ref[CORE_OUT]))


def test_reference_uses_standard_ops_only(compiled):
    assert all(node.domain in ("", "ai.onnx") for node in compiled.reference.graph.node)


def test_hardware_graph_equals_reference(compiled):
    ref = reference_outputs(compiled)
    l3 = verify.run_hardware_graph(compiled.hardware, verify.to_channels_last(ref[CORE_IN]))
    core_out = ref[CORE_OUT]
    assert np.array_equal(verify.to_channels_first(l3).reshape(core_out.shape), core_out)
    assert all(node.domain == "flow.ops" for node in compiled.hardware.graph.node)
    modes = {getCustomOp(n).attr("mode") for n in compiled.hardware.graph.node if n.op_type == "MVAU"}
    assert modes  # every net has MVAUs; their modes are checked per net in test_lower.py
