"""Insert stream plumbing into a folded hardware graph: width converters and FIFOs.

Where an op's output words (PE elements) differ from its consumer's input words (SIMD
elements), a DataWidthConverter regroups them. A FIFO sits on every stream, the graph's
input and output included: it registers the ready/valid path between ops and absorbs burst
mismatches (depths from FIFO sizing, default 2).
"""

from __future__ import annotations

from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_shapes import InferShapes

from flow.lower import make_attribute
from flow.ops import DOMAIN
from flow.streamline.errors import UnsupportedGraph

DEFAULT_FIFO_DEPTH = 2


def insert_plumbing(model: ModelWrapper, fifo_depth: int = DEFAULT_FIFO_DEPTH) -> ModelWrapper:
    ops = list(model.graph.node)
    _require_chain(model, ops)
    graph_in, graph_out = model.graph.input[0].name, model.graph.output[0].name
    ops[-1].output[0] = f"{ops[-1].name}_out"  # the output FIFO now ends the graph
    nodes, counts = [], {}

    def add(op_type, tensor, shape, dtype, out=None, **attrs):
        index = counts.get(op_type, 0)
        counts[op_type] = index + 1
        name = f"{op_type}_{index}"
        node = helper.make_node(op_type, [tensor], [out or f"{name}_out"], name=name, domain=DOMAIN)
        node.attribute.extend(make_attribute(k, v) for k, v in
                              dict(shape=list(shape), out_dtype=dtype.name, **attrs).items())
        nodes.append(node)
        return node.output[0]

    tensor = graph_in
    previous = None
    for node in ops:
        op = getCustomOp(node)
        wanted = op.in_stream()
        given = previous.out_stream() if previous is not None else wanted
        if given.elems != wanted.elems:
            tensor = add("FIFO", tensor, op.in_shape(1)[1:], given.dtype, elems=given.elems,
                         depth=fifo_depth)
            tensor = add("DataWidthConverter", tensor, op.in_shape(1)[1:], wanted.dtype,
                         in_elems=given.elems, out_elems=wanted.elems)
        tensor = add("FIFO", tensor, op.in_shape(1)[1:], wanted.dtype, elems=wanted.elems,
                     depth=fifo_depth)
        node.input[0] = tensor
        nodes.append(node)
        tensor, previous = node.output[0], op
    out = previous.out_stream()
    add("FIFO", tensor, previous.out_shape(1)[1:], out.dtype, out=graph_out, elems=out.elems,
        depth=fifo_depth)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    model = model.transform(InferShapes())
    for node in model.graph.node:
        getCustomOp(node).infer_node_datatype(model)
    return model


def _require_chain(model, ops) -> None:
    for node in ops[:-1]:
        consumers = model.find_consumers(node.output[0])
        if len(consumers) != 1:
            raise UnsupportedGraph(node, f"output feeds {len(consumers)} ops",
                                   "a chain of ops (each output feeds one op)")
