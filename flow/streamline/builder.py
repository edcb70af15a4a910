"""The state of a streamlining walk: the integer graph being built and the affine form of every
real tensor of the QONNX graph (affine.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper

from flow.streamline.affine import Affine
from flow.streamline.errors import UnsupportedGraph

# integers stay exact in the float32 tensors qonnx executes
FLOAT32_EXACT = 2**24


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
    sites: list = field(default_factory=list)     # one dict per MultiThreshold (finish() records them)
    # the first quantizer: scale, zero point, rounding and the float ops before it (for the driver)
    input_quantizer: dict = field(default_factory=dict)
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


def input_form(b: Builder, node, index: int = 0) -> Affine:
    form = b.forms.get(node.input[index])
    if form is None:
        raise UnsupportedGraph(node, f"input '{node.input[index]}' is not an integer-carried tensor "
                               "(float data reaching a layer: is an activation quantizer missing?)")
    return form


def no_relu(node, form: Affine) -> Affine:
    if form.relu:
        raise UnsupportedGraph(node, "linear op after a Relu without a quantizer in between")
    return form


def compact(values: np.ndarray) -> np.ndarray:
    """A constant as small as broadcasting allows (a scalar when all entries agree)."""
    flat = np.asarray(values).reshape(-1)
    return flat[:1].copy() if np.all(flat == flat[0]) else np.asarray(values)
