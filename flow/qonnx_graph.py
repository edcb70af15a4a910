"""A small QONNX graph written op by op: what `python -m flow.coverage` builds its cases from and the
tests their hand-made graphs (rounding ties, zero points, FINN-style layers)."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.util.basic import qonnx_make_model

from flow.frontend import clean

QONNX_DOMAIN = "qonnx.custom_op.general"


class GraphBuilder:
    """A graph under construction from input "x": each op takes the current tensor as its first
    input (or `first`) and becomes the current one."""

    def __init__(self, in_shape):
        self.nodes, self.inits, self.count = [], {}, 0
        self.in_shape = list(in_shape)
        self.tensor = "x"
        self.out_type = TensorProto.FLOAT

    def _name(self, prefix: str) -> str:
        self.count += 1
        return f"{prefix}{self.count}"

    def const(self, value, dtype=np.float32) -> str:
        name = self._name("c")
        self.inits[name] = np.asarray(value, dtype=dtype)
        return name

    def op(self, op_type, *inputs, domain="", first=None, **attrs):
        out = self._name("t")
        self.nodes.append(helper.make_node(op_type, [first or self.tensor, *inputs], [out], domain=domain,
                                           name=f"{op_type}_{self.count}", **attrs))
        self.tensor = out
        return self

    def indices(self, op_type, *inputs, **attrs):
        """TopK or ArgMax whose indices become the current tensor (as qonnx's InsertTopK ends a
        classifier): the graph then outputs INT64."""
        out = self._name("t")
        outputs = [f"{out}_values", out] if op_type == "TopK" else [out]
        self.nodes.append(helper.make_node(op_type, [self.tensor, *inputs], outputs,
                                           name=f"{op_type}_{self.count}", **attrs))
        self.tensor, self.out_type = out, TensorProto.INT64
        return self

    def quant(self, scale, zero_point=0, bits=4, signed=True, narrow=False, rounding="ROUND"):
        return self.op("Quant", self.const(scale), self.const(zero_point), self.const(bits),
                       domain=QONNX_DOMAIN, signed=int(signed), narrow=int(narrow), rounding_mode=rounding)

    def bipolar(self):
        return self.op("BipolarQuant", self.const(1.0), domain=QONNX_DOMAIN)

    def quantized_weight(self, w, scale, bits=4) -> str:
        """A weight tensor behind its own Quant node (as Brevitas exports weights)."""
        out = self._name("w")
        self.nodes.append(helper.make_node(
            "Quant", [self.const(w), self.const(scale), self.const(0), self.const(bits)], [out],
            domain=QONNX_DOMAIN, name=f"WeightQuant_{self.count}", signed=1, narrow=1, rounding_mode="ROUND"))
        return out

    def bipolar_weight(self, w) -> str:
        """A weight tensor behind a BipolarQuant: its signs."""
        out = self._name("w")
        self.nodes.append(helper.make_node("BipolarQuant", [self.const(w), self.const(1.0)], [out],
                                           domain=QONNX_DOMAIN, name=f"WeightQuant_{self.count}"))
        return out

    def model(self, input_datatype: str | None = None, qonnx_opset: int = 1) -> ModelWrapper:
        """The graph, cleaned as a build's front end cleans it; input_datatype: qonnx's datatype
        annotation on the input; qonnx_opset: its domain's version (2: Trunc with an output scale,
        as Brevitas exports it)."""
        graph = helper.make_graph(
            self.nodes, "test", [helper.make_tensor_value_info("x", TensorProto.FLOAT, self.in_shape)],
            [helper.make_tensor_value_info(self.tensor, self.out_type, None)])
        model = ModelWrapper(qonnx_make_model(graph, opset_imports=[
            helper.make_opsetid("", 13), helper.make_opsetid(QONNX_DOMAIN, qonnx_opset)]))
        for name, value in self.inits.items():
            model.set_initializer(name, value)
        model = clean(model)
        if input_datatype is not None:   # after cleaning, which renames the input
            model.set_tensor_datatype(model.graph.input[0].name, DataType[input_datatype])
        return model
