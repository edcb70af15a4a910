"""Joins of two branches on integers: the Add of two tensors (a residual block's) and the Concat of
maps along channels.

Add: scale_a * A + offset_a + scale_b * B + offset_b is an integer sum A + B under one scale when
the two scales agree per channel, as they do when one quantizer (Brevitas: a QuantReLU or
QuantIdentity shared by both branches, as brevitas_examples' ResNets and FINN require) makes both
operands. Where they differ by an exact ratio p/q of small integers per channel (power-of-two
scales, as FINN-style quantizers give), the sum is (scale_a / p) * (p A + q B): the factors are a
ChannelScale in hardware, the one rescaling streamlining cannot fold. The offsets add. Other
scales are refused.

Concat: the channels keep their own scales and offsets, so the forms concatenate as the tensors do;
the integers take a type that holds both operands' ranges.

Either way, channels with a negative scale are made upward first, as for any layer output: no op
after the join could negate them."""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from flow.streamline.affine import Affine, channel_vector
from flow.streamline.builder import Builder, compact, input_form, no_relu
from flow.streamline.errors import UnsupportedGraph
from flow.streamline.linear import make_upward
from flow.streamline.quantizer import integer_dtype

# the largest integer factor a ChannelScale takes to bring two scales together
MAX_FACTOR = 256


def _upward_operands(b: Builder, node) -> list[Affine]:
    for index, name in enumerate(node.input):
        form = no_relu(node, input_form(b, node, index))
        per_channel = form.per_channel(b.shape(name))
        if per_channel is None:
            raise UnsupportedGraph(node, f"operand {index}'s scale or offset varies within a channel")
        make_upward(b, node, form, per_channel[0])   # updates every form carried by that tensor
    return [b.forms[name] for name in node.input]


def add_tensors(b: Builder, node):
    shape = b.shape(node.input[0])
    if b.shape(node.input[1]) != shape:
        raise UnsupportedGraph(node, f"adds tensors of shapes {list(shape)} and {list(b.shape(node.input[1]))}",
                               "two tensors of the same shape")
    a, c = _upward_operands(b, node)
    scale_a, scale_c = a.per_channel(shape)[0], c.per_channel(shape)[0]
    if not np.array_equal(scale_a, scale_c):
        p, q = _ratio(node, scale_a, scale_c)
        a, c = _scaled(b, node, a, p, shape), _scaled(b, node, c, q, shape)
    lo = int(a.dtype.min()) + int(c.dtype.min())
    hi = int(a.dtype.max()) + int(c.dtype.max())
    int_out = b.fresh(f"{node.name}_sum")
    b.emit("Add", [a.int_name, c.int_name], [int_out], node.name)
    b.dtypes[int_out] = integer_dtype(lo, hi)
    b.forms[node.output[0]] = Affine(int_out, b.dtypes[int_out], a.scale, a.offset + c.offset)


def _ratio(node, scale_a: np.ndarray, scale_c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel the integers p, q (at most MAX_FACTOR) with scale_a / scale_c = p / q exactly."""
    p, q = [], []
    for channel, (sa, sc) in enumerate(zip(scale_a, scale_c, strict=True)):
        ratio = Fraction(float(sa)) / Fraction(float(sc))
        if max(ratio.numerator, ratio.denominator) > MAX_FACTOR:
            raise UnsupportedGraph(node, f"operands carry scales {sa:.6g} and {sc:.6g} (channel {channel}), whose "
                                   f"ratio is no p/q of integers up to {MAX_FACTOR}", "operands of one scale "
                                   "(one shared activation quantizer), or of scales in a small integer ratio "
                                   "(powers of two)")
        p.append(ratio.numerator)
        q.append(ratio.denominator)
    return np.array(p), np.array(q)


def _scaled(b: Builder, node, form: Affine, factors: np.ndarray, shape) -> Affine:
    """form's integers times a positive integer per channel (a Mul of the integer graph), the scale
    divided by it: the same real tensor."""
    if np.all(factors == 1):
        return form
    rank = len(shape)
    int_out = b.fresh(f"{node.name}_scaled")
    b.emit("Mul", [form.int_name, b.const(f"{node.name}_factors", channel_vector(factors, rank))], [int_out],
           f"{node.name}_scale_{form.int_name}")
    b.dtypes[int_out] = integer_dtype(int(form.dtype.min()) * int(factors.max()), int(form.dtype.max()) * int(factors.max()))
    return form.with_(int_name=int_out, dtype=b.dtypes[int_out], scale=form.scale / channel_vector(factors, rank))


def concat(b: Builder, node):
    shapes = [b.shape(name) for name in node.input]
    axis = next(a.i for a in node.attribute if a.name == "axis") % len(shapes[0])
    if axis != 1 or len(node.input) < 2 or any(s[:1] + s[2:] != shapes[0][:1] + shapes[0][2:] for s in shapes):
        raise UnsupportedGraph(node, f"concatenates {[list(s) for s in shapes]} along axis {axis}",
                               "two or more tensors along the channel axis (1)")
    forms = _upward_operands(b, node)
    channels = [form.per_channel(shape) for form, shape in zip(forms, shapes, strict=True)]
    rank = len(shapes[0])
    scale = channel_vector(np.concatenate([c[0] for c in channels]), rank)
    offset = channel_vector(np.concatenate([c[1] for c in channels]), rank)
    int_out = b.fresh(f"{node.name}_out")
    b.emit("Concat", [form.int_name for form in forms], [int_out], node.name, axis=1)
    b.dtypes[int_out] = integer_dtype(min(int(f.dtype.min()) for f in forms), max(int(f.dtype.max()) for f in forms))
    b.forms[node.output[0]] = Affine(int_out, b.dtypes[int_out], compact(scale), compact(offset))
