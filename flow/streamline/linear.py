"""Conv, MatMul and Gemm on integer weights; negating channels so every scale is positive."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType

from flow.streamline.affine import Affine, channel_vector
from flow.streamline.builder import FLOAT32_EXACT, Builder, LinearRecord, input_form
from flow.streamline.errors import UnsupportedGraph
from flow.streamline.quantizer import integer_dtype
from flow.streamline.weights import constant_value, integer_weights


def _input_scale(node, form: Affine, depthwise_shape: tuple[int, ...] | None = None) -> float | np.ndarray:
    """The input's one scale; for a depthwise convolution (depthwise_shape: its input's shape) a
    scale per channel, which passes to that channel's output alone."""
    if form.relu:
        raise UnsupportedGraph(node, "input passed through a Relu without a quantizer after it")
    if form.is_scalar_scale():
        return float(np.asarray(form.scale).flat[0])
    per_channel = form.per_channel(depthwise_shape) if depthwise_shape is not None else None
    if per_channel is None:
        raise UnsupportedGraph(node, "input has a per-channel scale; a layer needs one scale "
                               "for its whole input (a depthwise convolution one per channel)")
    return per_channel[0]


def _linear(b: Builder, node, x_form: Affine, w_ints, w_scale_out, w_dtype, bias, out_axis,
            op_type, attrs, offset_contribution, depthwise: bool = False):
    """Emit Conv/MatMul on integers; record the output form."""
    s_x = _input_scale(node, x_form, b.shape(node.input[0]) if depthwise else None)
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


def conv(b: Builder, node):
    x_form = input_form(b, node)
    w_ints, w_scale, w_dtype = integer_weights(b.source, node.input[1], node)
    bias = constant_value(b.source, node.input[2]) if len(node.input) > 2 and node.input[2] else None
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    group, in_channels = attrs.get("group", 1), b.shape(node.input[0])[1]
    if group != 1 and not (group == in_channels == w_ints.shape[0]):
        raise UnsupportedGraph(node, f"group={group}", "group=1 convolutions, and depthwise ones "
                               "(group = input channels = output channels)")
    if x_form.per_channel(b.shape(node.input[0])) is None:
        raise UnsupportedGraph(node, "input offset varies spatially")
    offset = 0.0
    if np.any(x_form.offset != 0):
        # the input's offset passes through the convolution: an exact float64 conv of constants
        offset = _conv_constant(b, node, x_form, w_ints * w_scale, attrs)
    _linear(b, node, x_form, w_ints, _weight_scale_per_output(node, w_scale, 0), w_dtype, bias,
            0, "Conv", attrs, offset, depthwise=group != 1)


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


def matmul(b: Builder, node):
    x_form = input_form(b, node)
    w_ints, w_scale, w_dtype = integer_weights(b.source, node.input[1], node)
    _dense(b, node, x_form, w_ints, w_scale, w_dtype, None)


def gemm(b: Builder, node):
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if attrs.get("transA", 0):
        raise UnsupportedGraph(node, "transA=1", "Gemm with transA=0")
    x_form = input_form(b, node)
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


def make_upward(b: Builder, node, form: Affine, scale: np.ndarray) -> Affine:
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


def global_average_pool(b: Builder, node):
    """The mean over a map as the integer sum times 1/(H*W): the division joins the form's scale.
    An AveragePool whose kernel covers the whole map, unpadded, is the same."""
    form = input_form(b, node)
    shape = b.shape(node.input[0])
    if node.op_type == "AveragePool":
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        if list(attrs.get("kernel_shape", [])) != list(shape[2:]) or any(attrs.get("pads", [])):
            raise UnsupportedGraph(node, f"kernel {attrs.get('kernel_shape')} on a {list(shape[2:])} map, pads "
                                   f"{attrs.get('pads', [0])}", "a kernel over the whole map, no padding")
    if form.relu:
        raise UnsupportedGraph(node, "input passed through a Relu without a quantizer after it")
    per_channel = form.per_channel(shape)
    if len(shape) != 4 or per_channel is None:
        raise UnsupportedGraph(node, "scale/offset vary within a channel", "per-channel forms of a feature map")
    pixels = shape[2] * shape[3]
    int_out = b.fresh(f"{node.name}_sum")
    opset = next((o.version for o in b.source.model.opset_import if o.domain in ("", "ai.onnx")), 13)
    if opset >= 13:   # the axes became an input in opset 13
        b.emit("ReduceSum", [form.int_name, b.const(f"{node.name}_axes", np.array([2, 3]), dtype=np.int64)],
               [int_out], node.name, keepdims=1)
    else:
        b.emit("ReduceSum", [form.int_name], [int_out], node.name, axes=[2, 3], keepdims=1)
    b.dtypes[int_out] = integer_dtype(pixels * int(form.dtype.min()), pixels * int(form.dtype.max()))
    scale, offset = per_channel
    rank = len(shape)
    b.forms[node.output[0]] = Affine(int_out, b.dtypes[int_out], channel_vector(scale / pixels, rank),
                                     channel_vector(offset, rank))
