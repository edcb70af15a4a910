"""Insert stream plumbing into a folded hardware graph: width converters and FIFOs.

Where an op's output words (PE elements) differ from its consumer's input words (SIMD
elements), a DataWidthConverter regroups them. A FIFO sits on every stream, the graph's
input and output included, and on both sides of a converter: it registers the ready/valid
path between ops and absorbs burst mismatches (depths from FIFO sizing, default 2; sizing
removes the one before a narrowing converter where the throughput holds without it). The graph
may branch (a DuplicateStreams feeding two ops, an AddStreams joining two): each edge gets its
own plumbing, and the FIFOs after a DuplicateStreams start at a whole frame, where no join can
deadlock whichever branch is the longer, until FIFO sizing measures what they hold.
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


def branch_fifo_depth(words: int) -> int:
    """A FIFO that holds a whole frame of `words` (a power of two, as FIFO depths are)."""
    return 1 << max(1, int(words + 1).bit_length())


def insert_plumbing(model: ModelWrapper, fifo_depth: int = DEFAULT_FIFO_DEPTH) -> ModelWrapper:
    ops = list(model.graph.node)
    _require_one_consumer_per_stream(model, ops)
    graph_out = model.graph.output[0].name
    last = next(node for node in ops if graph_out in node.output)
    last.output[list(last.output).index(graph_out)] = f"{last.name}_out"  # the output FIFO now ends the graph
    producers = {out: node for node in ops for out in node.output}
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

    for node in ops:
        op = getCustomOp(node)
        for i, wanted in enumerate(op.input_streams()):
            tensor, shape = node.input[i], op.input_shape(i, 1)[1:]
            producer = producers.get(tensor)
            given = getCustomOp(producer).out_stream() if producer is not None else wanted
            depth = fifo_depth
            if producer is not None and producer.op_type == "DuplicateStreams":
                depth = max(fifo_depth, branch_fifo_depth(given.words))
            if given.elems != wanted.elems:
                tensor = add("FIFO", tensor, shape, given.dtype, elems=given.elems, depth=depth)
                tensor = add("DataWidthConverter", tensor, shape, wanted.dtype,
                             in_elems=given.elems, out_elems=wanted.elems)
                depth = fifo_depth
            tensor = add("FIFO", tensor, shape, wanted.dtype, elems=wanted.elems, depth=depth)
            node.input[i] = tensor
        nodes.append(node)
    out_op = getCustomOp(last)
    out = out_op.out_stream()
    add("FIFO", last.output[0], out_op.out_shape(1)[1:], out.dtype, out=graph_out, elems=out.elems,
        depth=fifo_depth)
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    model = model.transform(InferShapes())
    for node in model.graph.node:
        getCustomOp(node).infer_node_datatype(model)
    return model


def _require_one_consumer_per_stream(model, ops) -> None:
    """A stream has one reader: a tensor that feeds several ops goes through a DuplicateStreams."""
    for node in ops:
        for out in node.output:
            consumers = model.find_consumers(out)
            if out != model.graph.output[0].name and len(consumers) != 1:
                raise UnsupportedGraph(node, f"output '{out}' feeds {len(consumers)} ops",
                                       "one reader per stream (a DuplicateStreams where a tensor feeds two)")
