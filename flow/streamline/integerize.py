"""Streamline a cleaned QONNX graph into the integer graph (10_integer.onnx).

The walk carries every real tensor as an affine form over an integer tensor (affine.py):
linear float ops (BatchNorm, scalar and per-channel Mul/Add/Sub/Div) fold into the form,
Conv/MatMul/Gemm run on integer weights, and each activation quantizer becomes a
MultiThreshold whose thresholds are derived exactly from the form (quantizer.py). A channel
whose form has a negative scale gets its weights negated, so every threshold compares
upwards. What stays float: the input edge (the ops before the first quantizer, then
x / s and the quantizer with unit scale, giving integer codes) and the output edge (one
Mul and Add back to real values).

The result's metadata names the integer core's input and output tensors ("core_input",
"core_output"); everything between them is integer arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import SortGraph
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.basic import qonnx_make_model

from flow.streamline.affine import Affine, channel_vector
from flow.streamline.errors import UnsupportedGraph
from flow.streamline.quantizer import Quantizer, integer_dtype, parse_quantizer, thresholds
from flow.streamline.weights import constant_value, integer_weights

QUANTIZERS = ("Quant", "BipolarQuant")
# float ops allowed between the graph input and the first quantizer (the input edge)
EDGE_OPS = ("Mul", "Add", "Sub", "Div", "Reshape", "Flatten", "Transpose", "Identity")
LINEAR_CONST_OPS = ("Mul", "Add", "Sub", "Div")
PASS_OPS = ("Identity", "Dropout")
SUPPORTED = ("Conv, MatMul, Gemm, BatchNormalization, Mul/Add/Sub/Div by constants, Relu, "
             "Quant, BipolarQuant, MaxPool, Reshape, Flatten, Transpose, Identity, Dropout, "
             "TopK, ArgMax")
# integers stay exact in the float32 tensors qonnx executes
FLOAT32_EXACT = 2**24
MULTITHRESHOLD_DOMAIN = "qonnx.custom_op.general"


@dataclass
class LinearRecord:
    """An emitted Conv/MatMul, kept so channels can be negated later."""

    node: object
    weight_name: str
    out_axis: int          # axis of the weight tensor holding the output channels
    acc_lo: np.ndarray     # per output channel accumulator range
    acc_hi: np.ndarray


@dataclass
class Builder:
    source: ModelWrapper
    nodes: list = field(default_factory=list)
    initializers: dict = field(default_factory=dict)
    dtypes: dict = field(default_factory=dict)
    forms: dict = field(default_factory=dict)
    linear: dict = field(default_factory=dict)    # int tensor name -> LinearRecord
    counter: int = 0

    def fresh(self, base: str) -> str:
        self.counter += 1
        return f"{base}_i{self.counter}"

    def const(self, base: str, value: np.ndarray, dtype=np.float32) -> str:
        name = self.fresh(base)
        self.initializers[name] = np.asarray(value, dtype=dtype)
        return name

    def emit(self, op_type: str, inputs: list[str], outputs: list[str], name: str,
             domain: str = "", **attrs):
        node = helper.make_node(op_type, inputs, outputs, name=name, domain=domain, **attrs)
        self.nodes.append(node)
        return node

    def shape(self, tensor: str) -> tuple[int, ...]:
        return tuple(self.source.get_tensor_shape(tensor))


def integerize(model: ModelWrapper) -> ModelWrapper:
    """QONNX (cleaned, shapes inferred) -> integer graph. Raises UnsupportedGraph."""
    model = model.transform(SortGraph())
    b = Builder(model)
    edge_nodes, first_quant = _input_edge(model)
    core_input = _emit_input_edge(b, edge_nodes, first_quant)
    handled = {id(n) for n in edge_nodes} | {id(first_quant)}
    for node in model.graph.node:
        if id(node) in handled or _is_weight_quantizer(model, node):
            continue
        handler = HANDLERS.get(node.op_type)
        if handler is None:
            raise UnsupportedGraph(node, "op type not supported by streamlining", SUPPORTED)
        handler(b, node)
    return _finish(b, core_input)


# --- input and output edges ------------------------------------------------------------------

def _input_edge(model):
    """The float ops from the graph input to the first activation quantizer, and that quantizer."""
    if len(model.graph.input) != 1:
        raise UnsupportedGraph(None, f"{len(model.graph.input)} graph inputs", "exactly one input")
    edge, tensor = [], model.graph.input[0].name
    while True:
        consumers = model.find_consumers(tensor)
        if len(consumers) != 1:
            raise UnsupportedGraph(
                None, f"the input '{tensor}' must flow through one chain of float ops into an "
                "activation quantizer (Quant/BipolarQuant) before any layer")
        node = consumers[0]
        if node.op_type in QUANTIZERS:
            return edge, node
        if node.op_type not in EDGE_OPS:
            raise UnsupportedGraph(node, "reached before the input quantizer; the network input "
                                   "must be quantized before the first layer", ", ".join(EDGE_OPS))
        edge.append(node)
        tensor = node.output[0]


def _emit_input_edge(b: Builder, edge_nodes, quant_node) -> str:
    for node in edge_nodes:
        b.nodes.append(node)
        for name in node.input:
            value = b.source.get_initializer(name)
            if value is not None:
                b.initializers[name] = value
    quant = parse_quantizer(b.source, quant_node)
    x = quant_node.input[0]
    if not np.all(quant.scale == 1.0):
        # x / s with the quantizer's own float32 scale: the same arithmetic qonnx does inside
        scaled = b.fresh(f"{quant_node.name}_div")
        scale = np.asarray(b.source.get_initializer(quant_node.input[1]), dtype=np.float32)
        b.emit("Div", [x, b.const(f"{quant_node.name}_scale", scale)], [scaled], f"{quant_node.name}_div")
        x = scaled
    codes = "core_in"
    params = [b.const(f"{quant_node.name}_unit_scale", np.ones(1))]
    params += [b.const(f"{quant_node.name}_p{i}", b.source.get_initializer(name))
               for i, name in enumerate(quant_node.input[2:])]
    b.emit(quant_node.op_type, [x, *params], [codes], quant_node.name, domain=quant_node.domain,
           **{a.name: helper.get_attribute_value(a) for a in quant_node.attribute})
    b.dtypes[codes] = quant.dtype
    b.forms[quant_node.output[0]] = Affine(codes, quant.dtype, quant.scale, np.zeros(1))
    return codes


def _finish(b: Builder, core_input: str) -> ModelWrapper:
    src = b.source
    outputs = []
    core_outputs = []
    for out in src.graph.output:
        form = b.forms.get(out.name)
        if form is None:
            raise UnsupportedGraph(None, f"graph output '{out.name}' was not produced by the integer core")
        core_outputs.append(form.int_name)
        shape = src.get_tensor_shape(out.name)
        elem_type = out.type.tensor_type.elem_type
        if form.dtype == DataType["INT64"]:  # TopK/ArgMax indices leave as they are
            b.emit("Identity", [form.int_name], [out.name], f"output_edge_{out.name}")
            elem_type = TensorProto.INT64
        else:
            _emit_output_edge(b, form, out.name, shape)
        outputs.append(helper.make_tensor_value_info(out.name, elem_type, shape))
    graph = helper.make_graph(
        b.nodes, "integer_graph", [src.graph.input[0]], outputs,
        initializer=[], value_info=[])
    result = ModelWrapper(qonnx_make_model(graph, opset_imports=list(src.model.opset_import)))
    for name, value in b.initializers.items():
        result.set_initializer(name, value)
    result = result.transform(InferShapes())
    for name, dtype in b.dtypes.items():
        result.set_tensor_datatype(name, dtype)
    result.set_metadata_prop("core_input", core_input)
    result.set_metadata_prop("core_output", ",".join(core_outputs))
    return result


def _emit_output_edge(b: Builder, form: Affine, out_name: str, shape) -> None:
    x = form.int_name
    steps = []
    scale, offset = form.full(tuple(shape))
    if not np.all(scale == 1.0):
        steps.append(("Mul", _compact(scale)))
    if np.any(offset != 0.0):
        steps.append(("Add", _compact(offset)))
    if form.relu:
        steps.append(("Relu", None))
    if not steps:
        steps.append(("Identity", None))
    for i, (op, value) in enumerate(steps):
        y = out_name if i == len(steps) - 1 else b.fresh(f"output_edge_{op}")
        inputs = [x] if value is None else [x, b.const(f"output_edge_{op}_param", value)]
        b.emit(op, inputs, [y], f"output_edge_{op}")
        x = y


def _compact(values: np.ndarray) -> np.ndarray:
    """A constant as small as broadcasting allows (a scalar when all entries agree)."""
    flat = np.asarray(values).reshape(-1)
    return flat[:1].copy() if np.all(flat == flat[0]) else np.asarray(values)


# --- node handlers ---------------------------------------------------------------------------

def _is_weight_quantizer(model, node) -> bool:
    return node.op_type in QUANTIZERS and model.get_initializer(node.input[0]) is not None


def _form(b: Builder, node, index: int = 0) -> Affine:
    form = b.forms.get(node.input[index])
    if form is None:
        raise UnsupportedGraph(node, f"input '{node.input[index]}' is not an integer-carried tensor "
                               "(float data reaching a layer: is an activation quantizer missing?)")
    return form


def _scalar_input_scale(node, form: Affine) -> float:
    if form.relu:
        raise UnsupportedGraph(node, "input passed through a Relu without a quantizer after it")
    if not form.is_scalar_scale():
        raise UnsupportedGraph(node, "input has a per-channel scale; a layer needs one scale "
                               "for its whole input")
    return float(np.asarray(form.scale).flat[0])


def _linear(b: Builder, node, x_form: Affine, w_ints, w_scale_out, w_dtype, bias, out_axis,
            op_type, attrs, offset_contribution):
    """Emit Conv/MatMul on integers; record the output form."""
    s_x = _scalar_input_scale(node, x_form)
    out = node.output[0]
    rank = len(b.shape(out))
    weight_name = b.const(f"{node.name}_weights", w_ints)
    b.dtypes[weight_name] = w_dtype
    int_out = b.fresh(f"{node.name}_acc")
    emitted = b.emit(op_type, [x_form.int_name, weight_name], [int_out], node.name, **attrs)
    lo, hi = _accumulator_range(w_ints, out_axis, x_form.dtype)
    if max(-lo.min(), hi.max()) >= FLOAT32_EXACT:
        raise UnsupportedGraph(node, f"accumulator range [{lo.min()}, {hi.max()}] exceeds 2^24")
    b.linear[int_out] = LinearRecord(emitted, weight_name, out_axis, lo, hi)
    b.dtypes[int_out] = integer_dtype(int(lo.min()), int(hi.max()))
    scale = channel_vector(s_x * w_scale_out, rank)
    offset = offset_contribution + (0.0 if bias is None else channel_vector(bias, rank))
    b.forms[out] = Affine(int_out, b.dtypes[int_out], scale, np.asarray(offset, dtype=np.float64))


def _accumulator_range(w_ints, out_axis, x_dtype: DataType):
    """Per output channel [lo, hi] of sum(w * x) over x in x_dtype (0 included for padding)."""
    w = np.moveaxis(np.asarray(w_ints, dtype=np.int64), out_axis, 0).reshape(w_ints.shape[out_axis], -1)
    x_lo, x_hi = int(x_dtype.min()), int(x_dtype.max())
    products = np.stack([w * x_lo, w * x_hi, np.zeros_like(w)])
    return products.min(axis=0).sum(axis=1), products.max(axis=0).sum(axis=1)


def _weight_scale_per_output(node, scale: np.ndarray, out_axis: int) -> np.ndarray:
    moved = np.moveaxis(scale, out_axis, 0).reshape(scale.shape[out_axis], -1)
    if not np.all(moved == moved[:, :1]):
        raise UnsupportedGraph(node, "weight scale varies within an output channel",
                               "per-tensor or per-output-channel weight scales")
    return moved[:, 0]


def _conv(b: Builder, node):
    x_form = _form(b, node)
    w_ints, w_scale, w_dtype = integer_weights(b.source, node.input[1], node)
    bias = constant_value(b.source, node.input[2]) if len(node.input) > 2 and node.input[2] else None
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if attrs.get("group", 1) != 1:
        raise UnsupportedGraph(node, f"group={attrs['group']}", "group=1 convolutions")
    if x_form.per_channel(b.shape(node.input[0])) is None:
        raise UnsupportedGraph(node, "input offset varies spatially")
    offset = 0.0
    if np.any(x_form.offset != 0):
        # the input's offset passes through the convolution: an exact float64 conv of constants
        offset = _conv_constant(b, node, x_form, w_ints * w_scale, attrs)
    _linear(b, node, x_form, w_ints, _weight_scale_per_output(node, w_scale, 0), w_dtype, bias,
            0, "Conv", attrs, offset)


def _conv_constant(b: Builder, node, x_form: Affine, w_real, attrs):
    import onnxruntime as ort

    in_shape = (1, *b.shape(node.input[0])[1:])
    _, offset = x_form.full(in_shape)
    graph = helper.make_graph(
        [helper.make_node("Conv", ["x", "w"], ["y"], **attrs)], "offset",
        [helper.make_tensor_value_info("x", TensorProto.DOUBLE, list(in_shape)),
         helper.make_tensor_value_info("w", TensorProto.DOUBLE, list(w_real.shape))],
        [helper.make_tensor_value_info("y", TensorProto.DOUBLE, None)])
    sess = ort.InferenceSession(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
                                .SerializeToString(), providers=["CPUExecutionProvider"])
    return sess.run(None, {"x": np.ascontiguousarray(offset, np.float64),
                           "w": np.asarray(w_real, np.float64)})[0]


def _matmul(b: Builder, node):
    x_form = _form(b, node)
    w_ints, w_scale, w_dtype = integer_weights(b.source, node.input[1], node)
    _dense(b, node, x_form, w_ints, w_scale, w_dtype, None)


def _gemm(b: Builder, node):
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if attrs.get("transA", 0):
        raise UnsupportedGraph(node, "transA=1", "Gemm with transA=0")
    x_form = _form(b, node)
    w_ints, w_scale, w_dtype = integer_weights(b.source, node.input[1], node)
    if attrs.get("transB", 0):
        w_ints, w_scale = w_ints.T, w_scale.T
    alpha, beta = attrs.get("alpha", 1.0), attrs.get("beta", 1.0)
    bias = None
    if len(node.input) > 2 and node.input[2]:
        bias = beta * np.asarray(constant_value(b.source, node.input[2]), dtype=np.float64).reshape(-1)
    _dense(b, node, x_form, w_ints, w_scale * alpha, w_dtype, bias)


def _dense(b: Builder, node, x_form, w_ints, w_scale, w_dtype, bias):
    if len(b.shape(node.input[0])) != 2:
        raise UnsupportedGraph(node, f"input of rank {len(b.shape(node.input[0]))}", "2-D (N, K) inputs")
    offset = 0.0
    if np.any(x_form.offset != 0):
        _, x_offset = x_form.full(b.shape(node.input[0]))
        offset = x_offset @ (w_ints * w_scale)
    _linear(b, node, x_form, w_ints, _weight_scale_per_output(node, np.broadcast_to(w_scale, w_ints.shape), 1),
            w_dtype, bias, 1, "MatMul", {}, offset)


def _batchnorm(b: Builder, node):
    form = _form(b, node)
    gamma, beta, mean, var = (np.asarray(b.source.get_initializer(n), dtype=np.float64)
                              for n in node.input[1:5])
    eps = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-5)
    g = gamma / np.sqrt(var + np.float64(np.float32(eps)))
    rank = len(b.shape(node.output[0]))
    form = form.mul(channel_vector(g, rank)).add(channel_vector(beta - mean * g, rank))
    b.forms[node.output[0]] = _no_relu(node, form)


def _no_relu(node, form: Affine) -> Affine:
    if form.relu:
        raise UnsupportedGraph(node, "linear op after a Relu without a quantizer in between")
    return form


def _const_arith(b: Builder, node):
    consts = [constant_value(b.source, name) for name in node.input]
    if (consts[0] is None) == (consts[1] is None):
        raise UnsupportedGraph(node, "needs exactly one constant operand", "x op constant")
    x_index = 0 if consts[0] is None else 1
    c = np.asarray(consts[1 - x_index], dtype=np.float64)
    form = _no_relu(node, _form(b, node, x_index))
    op = node.op_type
    if op == "Mul":
        form = form.mul(c)
    elif op == "Add":
        form = form.add(c)
    elif op == "Sub":
        form = form.add(-c) if x_index == 0 else form.mul(-1.0).add(c)
    elif op == "Div" and x_index == 0:
        form = form.mul(1.0 / c)
    else:
        raise UnsupportedGraph(node, "division by a tensor", "x / constant")
    b.forms[node.output[0]] = form


def _relu(b: Builder, node):
    b.forms[node.output[0]] = _form(b, node).with_(relu=True)


def _passthrough(b: Builder, node):
    b.forms[node.output[0]] = _form(b, node)


def _make_upward(b: Builder, node, form: Affine, scale: np.ndarray) -> Affine:
    """Negate the weights of channels whose scale is negative, so values order upwards.

    Every form carried by the same integer tensor (a fork after the layer) gets the matching
    sign change, so other consumers keep their meaning.
    """
    negative = scale < 0
    if not negative.any():
        return form
    record = b.linear.get(form.int_name)
    if record is None:
        raise UnsupportedGraph(node, "negative per-channel scale on a tensor not produced directly "
                               "by a Conv/MatMul (cannot negate its weights)")
    w = np.asarray(b.initializers[record.weight_name], dtype=np.float64)
    sign = np.where(negative, -1.0, 1.0)
    shape = [1] * w.ndim
    shape[record.out_axis] = -1
    w = w * sign.reshape(shape)
    b.initializers[record.weight_name] = w.astype(np.float32)
    b.dtypes[record.weight_name] = _weight_dtype_after_negation(b.dtypes[record.weight_name], w)
    record.acc_lo, record.acc_hi = (np.where(negative, -record.acc_hi, record.acc_lo),
                                    np.where(negative, -record.acc_lo, record.acc_hi))
    dtype = integer_dtype(int(record.acc_lo.min()), int(record.acc_hi.max()))
    b.dtypes[form.int_name] = dtype
    for name, other in list(b.forms.items()):
        if other.int_name == form.int_name:
            b.forms[name] = _negate_channels(other, sign, dtype)
    return _negate_channels(form, sign, dtype)


def _negate_channels(form: Affine, sign: np.ndarray, dtype: DataType) -> Affine:
    rank = max(np.ndim(form.scale), 2)
    return form.with_(scale=form.scale * channel_vector(sign, rank), dtype=dtype)


def _weight_dtype_after_negation(dtype: DataType, w: np.ndarray) -> DataType:
    if dtype == DataType["BIPOLAR"]:
        return dtype
    return integer_dtype(int(w.min()), int(w.max()))


def _channel_axis_form(b: Builder, node, form: Affine):
    shape = b.shape(node.input[0])
    per_channel = form.per_channel(shape)
    if per_channel is None:
        raise UnsupportedGraph(node, "scale/offset vary within a channel", "per-channel forms")
    return per_channel


def _maxpool(b: Builder, node):
    form = _form(b, node)
    scale, _ = _channel_axis_form(b, node, form)
    form = _make_upward(b, node, form, scale)
    int_out = b.fresh(f"{node.name}_out")
    b.emit("MaxPool", [form.int_name], [int_out], node.name,
           **{a.name: helper.get_attribute_value(a) for a in node.attribute})
    b.dtypes[int_out] = form.dtype
    b.forms[node.output[0]] = form.with_(int_name=int_out)


def _quantizer(b: Builder, node):
    form = _form(b, node)
    quant = parse_quantizer(b.source, node)
    scale, _ = _channel_axis_form(b, node, form)
    form = _make_upward(b, node, form, scale)
    scale, offset = _channel_axis_form(b, node, form)
    shape = b.shape(node.input[0])
    channels = shape[1] if len(shape) > 1 else 1
    q_scale = np.broadcast_to(np.asarray(quant.scale, dtype=np.float64).reshape(-1), (channels,)) \
        if np.asarray(quant.scale).size in (1, channels) else None
    if q_scale is None:
        raise UnsupportedGraph(node, "quantizer scale is neither per-tensor nor per-channel")
    record = b.linear.get(form.int_name)
    lo = record.acc_lo if record is not None else np.full(channels, int(form.dtype.min()))
    hi = record.acc_hi if record is not None else np.full(channels, int(form.dtype.max()))
    table = []
    for c in range(channels):
        alpha = Fraction(float(scale[c])) / Fraction(float(q_scale[c]))
        beta = Fraction(float(offset[c])) / Fraction(float(q_scale[c])) + quant.zero_point
        table.append(thresholds(quant, alpha, beta, form.relu, int(lo[c]), int(hi[c])))
    table = np.asarray(table, dtype=np.int64)
    out_form = Affine("", quant.dtype, channel_vector(q_scale, max(len(shape), 2)), np.zeros(1))
    if _is_identity(table, form.dtype, quant):
        b.forms[node.output[0]] = out_form.with_(int_name=form.int_name)
        return
    if np.abs(table).max(initial=0) >= FLOAT32_EXACT:
        raise UnsupportedGraph(node, "thresholds exceed 2^24")
    int_out = b.fresh(f"{node.name}_out")
    layout = {2: "NC", 4: "NCHW"}.get(len(shape))
    if layout is None:
        raise UnsupportedGraph(node, f"activation of rank {len(shape)}", "rank 2 or 4")
    bipolar = quant.bipolar
    b.emit("MultiThreshold", [form.int_name, b.const(f"{node.name}_thresholds", table)], [int_out],
           node.name, domain=MULTITHRESHOLD_DOMAIN, out_dtype=quant.dtype.name,
           out_scale=2.0 if bipolar else 1.0, out_bias=-1.0 if bipolar else float(quant.lowest),
           data_layout=layout)
    b.dtypes[int_out] = quant.dtype
    b.forms[node.output[0]] = out_form.with_(int_name=int_out)


def _is_identity(table: np.ndarray, in_dtype: DataType, quant: Quantizer) -> bool:
    """True when thresholding maps every value of in_dtype to itself (a re-quantization)."""
    if in_dtype.bitwidth() > 12 or table.shape[0] == 0:
        return False
    values = np.array([-1, 1]) if in_dtype == DataType["BIPOLAR"] else \
        np.arange(int(in_dtype.min()), int(in_dtype.max()) + 1)
    counts = (values[None, :, None] >= table[:, None, :]).sum(axis=-1)
    levels = np.asarray(quant.levels)
    return bool(np.all(levels[np.minimum(counts, len(levels) - 1)] == values[None, :]))


def _layout(b: Builder, node):
    form = _no_relu(node, _form(b, node))
    in_shape, out_shape = b.shape(node.input[0]), b.shape(node.output[0])
    scale, offset = form.full(in_shape)
    if node.op_type == "Transpose":
        perm = next(a.ints for a in node.attribute if a.name == "perm")
        scale, offset = scale.transpose(perm), offset.transpose(perm)
    else:
        scale, offset = scale.reshape((1, *out_shape[1:])), offset.reshape((1, *out_shape[1:]))
    int_out = b.fresh(f"{node.name}_out")
    inputs = [form.int_name]
    if node.op_type == "Reshape":
        shape = [-1, *out_shape[1:]]
        inputs.append(b.const(f"{node.name}_shape", np.asarray(shape), dtype=np.int64))
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute if a.name != "allowzero"}
    b.emit(node.op_type, inputs, [int_out], node.name, **attrs)
    b.dtypes[int_out] = form.dtype
    b.forms[node.output[0]] = form.with_(int_name=int_out, scale=_compact(scale), offset=_compact(offset))


def _topk(b: Builder, node):
    form = _form(b, node)
    shape = b.shape(node.input[0])
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    axis = attrs.get("axis", -1) % len(shape)
    if len(shape) != 2 or axis != 1 or not attrs.get("largest", 1):
        raise UnsupportedGraph(node, "top-k over anything but the last axis of (N, L), largest",
                               "TopK/ArgMax over the classes of a 2-D tensor")
    scale, offset = form.full(shape)
    if not (np.all(scale == scale.flat[0]) and np.all(offset == offset.flat[0])):
        raise UnsupportedGraph(node, "classes carry different scales or offsets")
    form = _make_upward(b, node, form, np.asarray(scale[0]))
    outputs = [b.fresh(f"{node.name}_values"), b.fresh(f"{node.name}_indices")]
    if node.op_type == "TopK":
        if any(b.source.find_consumers(node.output[0])) or node.output[0] in \
                [o.name for o in b.source.graph.output]:
            raise UnsupportedGraph(node, "the top-k values are used", "only the indices")
        k = b.const(f"{node.name}_k", b.source.get_initializer(node.input[1]), dtype=np.int64)
        b.emit("TopK", [form.int_name, k], outputs, node.name, axis=-1, largest=1, sorted=1)
        index_out = node.output[1]
    else:
        if attrs.get("select_last_index", 0):
            raise UnsupportedGraph(node, "select_last_index=1", "the first maximum")
        outputs = outputs[1:]
        b.emit("ArgMax", [form.int_name], outputs, node.name, axis=1, keepdims=1)
        index_out = node.output[0]
    b.dtypes[outputs[-1]] = DataType["INT64"]
    b.forms[index_out] = Affine(outputs[-1], DataType["INT64"], np.ones(1), np.zeros(1))


HANDLERS = {
    "Conv": _conv,
    "MatMul": _matmul,
    "Gemm": _gemm,
    "BatchNormalization": _batchnorm,
    "Relu": _relu,
    "MaxPool": _maxpool,
    "Quant": _quantizer,
    "BipolarQuant": _quantizer,
    "Reshape": _layout,
    "Flatten": _layout,
    "Transpose": _layout,
    "TopK": _topk,
    "ArgMax": _topk,
    **{op: _const_arith for op in LINEAR_CONST_OPS},
    **{op: _passthrough for op in PASS_OPS},
}
