"""The Add of two tensors, the join of a residual block, on integers.

scale_a * A + offset_a + scale_b * B + offset_b is an integer sum A + B under one scale only when
the two scales agree per channel, as they do when one quantizer (Brevitas: a QuantReLU or
QuantIdentity shared by both branches, as brevitas_examples' ResNets and FINN require) makes both
operands. Channels with a negative scale are made upward first, as for any layer output. The
offsets add. Anything else is refused: the exact sum would need a rescaling in hardware."""

from __future__ import annotations

import numpy as np

from flow.streamline.affine import Affine
from flow.streamline.builder import Builder, input_form, no_relu
from flow.streamline.errors import UnsupportedGraph
from flow.streamline.linear import make_upward
from flow.streamline.quantizer import integer_dtype


def add_tensors(b: Builder, node):
    shape = b.shape(node.input[0])
    if b.shape(node.input[1]) != shape:
        raise UnsupportedGraph(node, f"adds tensors of shapes {list(shape)} and {list(b.shape(node.input[1]))}",
                               "two tensors of the same shape")
    for index in (0, 1):
        form = no_relu(node, input_form(b, node, index))
        per_channel = form.per_channel(shape)
        if per_channel is None:
            raise UnsupportedGraph(node, f"operand {index}'s scale or offset varies within a channel")
        make_upward(b, node, form, per_channel[0])   # updates every form carried by that tensor
    a, c = (b.forms[name] for name in node.input)
    scale_a, scale_c = a.per_channel(shape)[0], c.per_channel(shape)[0]
    if not np.array_equal(scale_a, scale_c):
        worst = int(np.argmax(np.abs(scale_a - scale_c)))
        raise UnsupportedGraph(node, f"operands carry different scales (channel {worst}: {scale_a[worst]:.6g} "
                               f"and {scale_c[worst]:.6g})", "operands of one scale, e.g. made by one "
                               "shared activation quantizer")
    lo = int(a.dtype.min()) + int(c.dtype.min())
    hi = int(a.dtype.max()) + int(c.dtype.max())
    int_out = b.fresh(f"{node.name}_sum")
    b.emit("Add", [a.int_name, c.int_name], [int_out], node.name)
    b.dtypes[int_out] = integer_dtype(lo, hi)
    b.forms[node.output[0]] = Affine(int_out, b.dtypes[int_out], a.scale, a.offset + c.offset)
