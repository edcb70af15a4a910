"""reference.onnx: the integer graph in standard ONNX ops only, run by onnxruntime (L2).

The input edge keeps qonnx's float32 arithmetic (x / s, + zp, clip, round, - zp), written
with standard ops, so the codes equal what qonnx computes. The integer core runs in float64:
every value and accumulator is an integer far below 2^53, so it is exact by construction.
Outputs: "core_in" (the integer codes the accelerator receives), "core_out" (what it sends
back) and the model's own output (after the output edge).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper

from flow.streamline.edges import EDGE_OPS
from flow.streamline.errors import UnsupportedGraph

OPSET = 17
CORE_IN, CORE_OUT = "core_in", "core_out"
STANDARD_CORE_OPS = ("MatMul", "Add", "Mul", "Concat", "MaxPool", "DepthToSpace", "Reshape", "Flatten", "Transpose", "TopK", "ArgMax")


class _Graph:
    def __init__(self):
        self.nodes, self.initializers, self.count = [], [], 0

    def name(self, base):
        self.count += 1
        return f"{base}_r{self.count}"

    def const(self, base, value, dtype):
        n = self.name(base)
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), n))
        return n

    def node(self, op, inputs, outputs=None, **attrs):
        outputs = outputs or [self.name(op)]
        self.nodes.append(helper.make_node(op, inputs, outputs, name=self.name(f"{op}_node"), **attrs))
        return outputs[0]


def make_reference(int_model: ModelWrapper) -> onnx.ModelProto:
    """Integer graph (10_integer.onnx) -> reference model in standard ONNX ops."""
    core_in = int_model.get_metadata_prop("core_input")
    core_outs = int_model.get_metadata_prop("core_output").split(",")
    if len(core_outs) != 1:
        raise UnsupportedGraph(None, f"{len(core_outs)} outputs", "one output")
    g = _Graph()
    renamed = {core_in: CORE_IN, core_outs[0]: CORE_OUT}
    in_core = False
    for node in int_model.graph.node:
        inputs = [renamed.get(i, i) for i in node.input]
        outputs = [renamed.get(o, o) for o in node.output]
        if node.output[0] == core_in:
            _input_quantizer(g, int_model, node, inputs, outputs)
            in_core = True
        elif not in_core or node.name.startswith("output_edge_"):
            _float_edge(g, int_model, node, inputs, outputs)
        elif node.op_type == "MultiThreshold":
            _multithreshold(g, int_model, node, inputs, outputs)
        elif node.op_type == "Conv":
            _conv(g, int_model, node, inputs, outputs)
        elif node.op_type == "Resize":
            _nearest(g, int_model, node, inputs, outputs)
        elif node.op_type == "ReduceSum":   # a global average pool's sum over H and W
            g.node("ReduceSum", [inputs[0], g.const("axes", [2, 3], np.int64)], outputs, keepdims=1)
        elif node.op_type in STANDARD_CORE_OPS:
            _core_op(g, int_model, node, inputs, outputs)
        else:
            raise UnsupportedGraph(node, "no standard-op form for the reference", ", ".join(STANDARD_CORE_OPS))
    x = _batched(int_model.graph.input[0])
    out = _batched(int_model.graph.output[0])
    core_out_type = TensorProto.INT64 if _is_index_output(int_model) else TensorProto.DOUBLE
    graph = helper.make_graph(
        g.nodes, "reference", [x],
        [_value_info(int_model, core_in, CORE_IN, TensorProto.DOUBLE),
         _value_info(int_model, core_outs[0], CORE_OUT, core_out_type), out],
        initializer=g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="qnnflow")
    onnx.checker.check_model(model)
    return model


def _batched(value_info):
    """The same tensor with a symbolic batch axis, so the reference runs any batch size."""
    dims = [d.dim_value for d in value_info.type.tensor_type.shape.dim]
    return helper.make_tensor_value_info(value_info.name, value_info.type.tensor_type.elem_type,
                                         ["N", *dims[1:]])


def _value_info(int_model, source_name, name, elem_type):
    shape = int_model.get_tensor_shape(source_name)
    return helper.make_tensor_value_info(name, elem_type, ["N", *shape[1:]])


def _is_index_output(int_model) -> bool:
    producer = int_model.find_producer(int_model.get_metadata_prop("core_output"))
    return producer is not None and producer.op_type in ("TopK", "ArgMax")


def _param(int_model, name):
    return np.asarray(int_model.get_initializer(name))


def _float_edge(g: _Graph, int_model, node, inputs, outputs):
    """Edge ops stay float32, exactly as in the integer graph (core values cast back first)."""
    if node.op_type not in EDGE_OPS:
        raise UnsupportedGraph(node, "no standard-op form for an edge op")
    args = []
    for position, name in enumerate(inputs):
        value = int_model.get_initializer(name)
        if value is not None and node.op_type == "Reshape" and position == 1:
            # any batch size: the batch axis becomes -1, a -1 elsewhere its known extent
            shape = int_model.get_tensor_shape(node.output[0])
            value = np.asarray([-1, *shape[1:]], dtype=np.int64)
        if value is not None:
            args.append(g.const(name, value, value.dtype))
        elif name == CORE_OUT and not _is_index_output(int_model):  # indices pass as they are
            args.append(g.node("Cast", [CORE_OUT], to=TensorProto.FLOAT))
        else:
            args.append(name)
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    g.node(node.op_type, args, outputs, **attrs)


def _input_quantizer(g: _Graph, int_model, node, inputs, outputs):
    """Quant (unit scale) / BipolarQuant (sign) on float32, giving integer codes as float64."""
    x = inputs[0]
    if node.op_type == "BipolarQuant":
        positive = g.node("GreaterOrEqual", [x, g.const("zero", 0.0, np.float32)])
        codes = g.node("Sub", [g.node("Mul", [g.node("Cast", [positive], to=TensorProto.FLOAT),
                                             g.const("two", 2.0, np.float32)]),
                               g.const("one", 1.0, np.float32)])
    else:
        from qonnx.custom_op.general.intquant import max_int, min_int

        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        zp = float(_param(int_model, node.input[2]))
        bits = int(_param(int_model, node.input[3]))
        signed, narrow = bool(attrs.get("signed", 1)), bool(attrs.get("narrow", 0))
        mode = attrs.get("rounding_mode", b"ROUND")
        mode = (mode.decode() if isinstance(mode, bytes) else mode).upper()
        v = g.node("Add", [x, g.const("zp", zp, np.float32)])
        v = g.node("Clip", [v, g.const("lo", float(min_int(signed, narrow, bits)), np.float32),
                            g.const("hi", float(max_int(signed, narrow, bits)), np.float32)])
        v = _round(g, v, mode, node)
        codes = g.node("Sub", [v, g.const("zp", zp, np.float32)])
    g.node("Cast", [codes], outputs, to=TensorProto.DOUBLE)


def _round(g: _Graph, v, mode, node):
    if mode in ("ROUND", "HALF_EVEN"):
        return g.node("Round", [v])  # ONNX Round: half to even, like np.round
    if mode in ("FLOOR", "CEIL"):
        return g.node(mode.capitalize(), [v])
    sign, mag = g.node("Sign", [v]), g.node("Abs", [v])
    half = g.const("half", 0.5, np.float32)
    if mode == "UP":
        mag = g.node("Ceil", [mag])
    elif mode == "DOWN":
        mag = g.node("Floor", [mag])
    elif mode == "HALF_UP":
        mag = g.node("Floor", [g.node("Add", [mag, half])])
    elif mode == "HALF_DOWN":
        mag = g.node("Ceil", [g.node("Sub", [mag, half])])
    else:
        raise UnsupportedGraph(node, f"rounding mode {mode}")
    return g.node("Mul", [sign, mag])


def _core_op(g: _Graph, int_model, node, inputs, outputs):
    args = []
    for name in inputs:
        value = int_model.get_initializer(name)
        if value is None:
            args.append(name)
        elif value.dtype == np.int64:
            args.append(g.const(name, value, np.int64))
        else:
            args.append(g.const(name, value, np.float64))
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    g.node(node.op_type, args, outputs, **attrs)


def _conv(g: _Graph, int_model, node, inputs, outputs):
    """Conv as im2col (one strided Slice per kernel offset) and a float64 MatMul.

    onnxruntime has no float64 Conv; this form keeps every product and sum exact.
    """
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    w = _param(int_model, node.input[1]).astype(np.float64)
    group = attrs.get("group", 1)
    if group > 1:   # the groups' weights on the diagonal of one convolution's, zeros elsewhere
        per_group = w.shape[0] // group
        dense = np.zeros((w.shape[0], w.shape[1] * group, *w.shape[2:]))
        for g_ in range(group):
            dense[g_ * per_group:(g_ + 1) * per_group, g_ * w.shape[1]:(g_ + 1) * w.shape[1]] = \
                w[g_ * per_group:(g_ + 1) * per_group]
        w = dense
    out_ch, in_ch, kh, kw = w.shape
    _, _, oh, ow = int_model.get_tensor_shape(node.output[0])
    sh, sw = attrs.get("strides", [1, 1])
    dh, dw = attrs.get("dilations", [1, 1])
    pads = attrs.get("pads", [0, 0, 0, 0])
    x = inputs[0]
    if any(pads):
        x = g.node("Pad", [x, g.const("pads", [0, 0, pads[0], pads[1], 0, 0, pads[2], pads[3]], np.int64)])
    columns = []
    for i in range(kh):
        for j in range(kw):
            start = [i * dh, j * dw]
            end = [i * dh + sh * (oh - 1) + 1, j * dw + sw * (ow - 1) + 1]
            window = g.node("Slice", [x, g.const("starts", start, np.int64), g.const("ends", end, np.int64),
                                      g.const("axes", [2, 3], np.int64), g.const("steps", [sh, sw], np.int64)])
            columns.append(g.node("Unsqueeze", [window, g.const("axis", [2], np.int64)]))
    patches = g.node("Concat", columns, axis=2) if len(columns) > 1 else columns[0]
    patches = g.node("Reshape", [patches, g.const("shape", [-1, in_ch * kh * kw, oh * ow], np.int64)])
    product = g.node("MatMul", [g.const("weights", w.reshape(out_ch, -1), np.float64), patches])
    g.node("Reshape", [product, g.const("shape", [-1, out_ch, oh, ow], np.int64)], outputs)


def _nearest(g: _Graph, int_model, node, inputs, outputs):
    """Resize by repeating each pixel over a factor x factor block (the only Resize the integer
    graph has): (N, C, H, 1, W, 1) expanded and reshaped, as onnxruntime has no float64 Resize."""
    factor = int(_param(int_model, node.input[2])[2])
    _, c, h, w = int_model.get_tensor_shape(node.input[0])
    x = g.node("Reshape", [inputs[0], g.const("shape", [-1, c, h, 1, w, 1], np.int64)])
    x = g.node("Expand", [x, g.const("shape", [1, 1, 1, factor, 1, factor], np.int64)])
    g.node("Reshape", [x, g.const("shape", [-1, c, h * factor, w * factor], np.int64)], outputs)


def _multithreshold(g: _Graph, int_model, node, inputs, outputs):
    """count(x >= t) per channel with broadcasting: x (N, C, ...) -> (N, C, ..., 1) vs (1, C, ..., T)."""
    thresholds = _param(int_model, node.input[1]).astype(np.float64)
    rank = len(int_model.get_tensor_shape(node.input[0]))
    t = thresholds.reshape((1, thresholds.shape[0]) + (1,) * (rank - 2) + (thresholds.shape[1],))
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    x = g.node("Unsqueeze", [inputs[0], g.const("axis", [-1], np.int64)])
    reached = g.node("Cast", [g.node("GreaterOrEqual", [x, g.const("thresholds", t, np.float64)])],
                     to=TensorProto.DOUBLE)
    count = g.node("ReduceSum", [reached, g.const("axis", [-1], np.int64)], keepdims=0)
    scaled = g.node("Mul", [count, g.const("out_scale", attrs.get("out_scale", 1.0), np.float64)])
    g.node("Add", [scaled, g.const("out_bias", attrs.get("out_bias", 0.0), np.float64)], outputs)


def session(path_or_model) -> ort.InferenceSession:
    """An onnxruntime session with every graph optimisation off, whose threads sleep between runs
    (their spinning would be charged to the caller's own work timed between runs: the tracker's
    host phases, flow/targets/siamfc/host.py)."""
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    data = path_or_model.SerializeToString() if isinstance(path_or_model, onnx.ModelProto) \
        else Path(path_or_model).read_bytes()
    return ort.InferenceSession(data, options, providers=["CPUExecutionProvider"])


def run_reference(sess: ort.InferenceSession, x: np.ndarray, batch: int = 64) -> dict[str, np.ndarray]:
    """Run the reference over x (N, ...) in batches; returns core_in, core_out and the output."""
    name = sess.get_inputs()[0].name
    parts = [sess.run(None, {name: x[i:i + batch].astype(np.float32)}) for i in range(0, len(x), batch)]
    keys = [o.name for o in sess.get_outputs()]
    return {k: np.concatenate([p[j] for p in parts]) for j, k in enumerate(keys)}
