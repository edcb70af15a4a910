"""Ops that only change a tensor's affine form (BatchNorm, arithmetic with constants, Relu,
pass-through) and layout ops (Reshape, Flatten, Transpose), which apply to the form too. The Add
of two tensors goes to joins.py."""

from __future__ import annotations

import numpy as np
from onnx import helper

from flow.streamline.affine import channel_vector
from flow.streamline.builder import Builder, compact, input_form, no_relu
from flow.streamline.errors import UnsupportedGraph
from flow.streamline.joins import add_tensors
from flow.streamline.weights import constant_value


def batchnorm(b: Builder, node):
    form = input_form(b, node)
    gamma, beta, mean, var = (np.asarray(b.source.get_initializer(n), dtype=np.float64)
                              for n in node.input[1:5])
    eps = next((a.f for a in node.attribute if a.name == "epsilon"), 1e-5)
    g = gamma / np.sqrt(var + np.float64(np.float32(eps)))
    rank = len(b.shape(node.output[0]))
    form = form.mul(channel_vector(g, rank)).add(channel_vector(beta - mean * g, rank))
    b.forms[node.output[0]] = no_relu(node, form)


def const_arith(b: Builder, node):
    consts = [constant_value(b.source, name) for name in node.input]
    if op_is_join(node, consts):
        return add_tensors(b, node)
    if (consts[0] is None) == (consts[1] is None):
        raise UnsupportedGraph(node, "needs exactly one constant operand", "x op constant")
    x_index = 0 if consts[0] is None else 1
    c = np.asarray(consts[1 - x_index], dtype=np.float64)
    op = node.op_type
    form = input_form(b, node, x_index)
    # max(0, z) * c = max(0, z * c) for c >= 0: a scaling after a Relu keeps it
    scaling = op == "Mul" and np.all(c >= 0) or op == "Div" and x_index == 0 and np.all(c > 0)
    if not scaling:
        form = no_relu(node, form)
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


def op_is_join(node, consts) -> bool:
    """The Add of two tensors (a residual join), not arithmetic with a constant."""
    return node.op_type == "Add" and consts[0] is None and consts[1] is None


def relu(b: Builder, node):
    b.forms[node.output[0]] = input_form(b, node).with_(relu=True)


def passthrough(b: Builder, node):
    b.forms[node.output[0]] = input_form(b, node)


def layout(b: Builder, node):
    form = no_relu(node, input_form(b, node))
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
    b.forms[node.output[0]] = form.with_(int_name=int_out, scale=compact(scale), offset=compact(offset))
