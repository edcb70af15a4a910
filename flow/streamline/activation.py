"""Activation quantizers (and Brevitas' Trunc after an average pool) to MultiThreshold, and the ops that need values ordered upwards first:
MaxPool and the final TopK/ArgMax."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType

from flow.streamline.affine import Affine, channel_vector
from flow.streamline.builder import FLOAT32_EXACT, Builder, input_form
from flow.streamline.errors import UnsupportedGraph
from flow.streamline.linear import make_upward
from flow.streamline.quantizer import Quantizer, parse_quantizer, thresholds

MULTITHRESHOLD_DOMAIN = "qonnx.custom_op.general"


def _per_channel(b: Builder, node, form: Affine):
    shape = b.shape(node.input[0])
    per_channel = form.per_channel(shape)
    if per_channel is None:
        raise UnsupportedGraph(node, "scale/offset vary within a channel", "per-channel forms")
    return per_channel


def maxpool(b: Builder, node):
    form = input_form(b, node)
    scale, _ = _per_channel(b, node, form)
    form = make_upward(b, node, form, scale)
    int_out = b.fresh(f"{node.name}_out")
    b.emit("MaxPool", [form.int_name], [int_out], node.name,
           **{a.name: helper.get_attribute_value(a) for a in node.attribute})
    b.dtypes[int_out] = form.dtype
    b.forms[node.output[0]] = form.with_(int_name=int_out)


def quantizer(b: Builder, node):
    form = input_form(b, node)
    quant = parse_quantizer(b.source, node)
    scale, _ = _per_channel(b, node, form)
    form = make_upward(b, node, form, scale)
    scale, offset = _per_channel(b, node, form)
    shape = b.shape(node.input[0])
    channels = shape[1] if len(shape) > 1 else 1
    q_scale, out_scale = (np.broadcast_to(np.asarray(v, dtype=np.float64).reshape(-1), (channels,))
                          if np.asarray(v).size in (1, channels) else None
                          for v in (quant.scale, quant.output_scale))
    if q_scale is None or out_scale is None:
        raise UnsupportedGraph(node, "quantizer scale is neither per-tensor nor per-channel")
    record = b.linear.get(form.int_name)
    lo = record.acc_lo if record is not None else np.full(channels, int(form.dtype.min()))
    hi = record.acc_hi if record is not None else np.full(channels, int(form.dtype.max()))
    table, alphas, betas = [], [], []
    for c in range(channels):
        alpha = Fraction(float(scale[c])) / Fraction(float(q_scale[c]))
        beta = Fraction(float(offset[c])) / Fraction(float(q_scale[c])) + quant.zero_point
        table.append(thresholds(quant, alpha, beta, form.relu, int(lo[c]), int(hi[c])))
        alphas.append(str(alpha))
        betas.append(str(beta))
    table = np.asarray(table, dtype=np.int64)
    out_form = Affine("", quant.dtype, channel_vector(out_scale, max(len(shape), 2)), np.zeros(1))
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
    # what the thresholds decide, exactly: rounding-boundary evidence (flow/rounding_boundary.py)
    # compares the float levels' codes with it
    b.sites.append({"tensor": int_out, "input": form.int_name, "quant_node": node.name,
                    "quant_output": node.output[0], "alpha": alphas, "beta": betas, "relu": form.relu})


def _is_identity(table: np.ndarray, in_dtype: DataType, quant: Quantizer) -> bool:
    """True when thresholding maps every value of in_dtype to itself (a re-quantization)."""
    if in_dtype.bitwidth() > 12 or table.shape[0] == 0:
        return False
    values = np.array([-1, 1]) if in_dtype == DataType["BIPOLAR"] else \
        np.arange(int(in_dtype.min()), int(in_dtype.max()) + 1)
    counts = (values[None, :, None] >= table[:, None, :]).sum(axis=-1)
    levels = np.asarray(quant.levels)
    return bool(np.all(levels[np.minimum(counts, len(levels) - 1)] == values[None, :]))


def topk(b: Builder, node):
    form = input_form(b, node)
    shape = b.shape(node.input[0])
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    axis = attrs.get("axis", -1) % len(shape)
    if len(shape) != 2 or axis != 1 or not attrs.get("largest", 1):
        raise UnsupportedGraph(node, "top-k over anything but the last axis of (N, L), largest",
                               "TopK/ArgMax over the classes of a 2-D tensor")
    scale, offset = form.full(shape)
    if not (np.all(scale == scale.flat[0]) and np.all(offset == offset.flat[0])):
        raise UnsupportedGraph(node, "classes carry different scales or offsets")
    form = make_upward(b, node, form, np.asarray(scale[0]))
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
