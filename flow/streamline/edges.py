"""The float edges of the integer graph: the ops before the first activation quantizer (kept, then
x / s and the quantizer with unit scale give integer codes), and the output's Mul/Add back to
real values."""

from __future__ import annotations

import json

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_shapes import InferShapes
from qonnx.util.basic import qonnx_make_model

from flow.streamline.affine import Affine
from flow.streamline.builder import Builder, compact
from flow.streamline.errors import UnsupportedGraph
from flow.streamline.quantizer import parse_quantizer

QUANTIZERS = ("Quant", "BipolarQuant")
# float ops allowed between the graph input and the first quantizer (the input edge), each
# element-wise or a layout change: the host computes them before the accelerator
EDGE_OPS = ("Mul", "Add", "Sub", "Div", "Relu", "Reshape", "Flatten", "Transpose", "Identity")


def find_input_edge(model):
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
                                   "must be quantized before the first layer, or declared as integer "
                                   "codes (--input-datatype)", ", ".join(EDGE_OPS))
        edge.append(node)
        tensor = node.output[0]


def emit_input_edge(b: Builder, edge_nodes, quant_node) -> str:
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
    b.input_quantizer = {"scale": compact(quant.scale).tolist(), "zero_point": quant.zero_point,
                         "rounding": quant.rounding, "float_edge": [n.op_type for n in edge_nodes]}
    return codes


def finish(b: Builder, core_input: str) -> ModelWrapper:
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
            emit_output_edge(b, form, out.name, shape)
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
    result.set_metadata_prop("quantizer_sites", json.dumps(b.sites))
    result.set_metadata_prop("input_quantizer", json.dumps(b.input_quantizer))
    return result


def emit_output_edge(b: Builder, form: Affine, out_name: str, shape) -> None:
    x = form.int_name
    steps = []
    scale, offset = form.full(tuple(shape))
    if not np.all(scale == 1.0):
        steps.append(("Mul", compact(scale)))
    if np.any(offset != 0.0):
        steps.append(("Add", compact(offset)))
    if form.relu:
        steps.append(("Relu", None))
    if not steps:
        steps.append(("Identity", None))
    for i, (op, value) in enumerate(steps):
        y = out_name if i == len(steps) - 1 else b.fresh(f"output_edge_{op}")
        inputs = [x] if value is None else [x, b.const(f"output_edge_{op}_param", value)]
        b.emit(op, inputs, [y], f"output_edge_{op}")
        x = y
