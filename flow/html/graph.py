"""A model's graph as a static SVG: one box per node (its label given by the caller), an arrow
per tensor from its producer to each consumer, drawn by Graphviz's dot through pydot."""

from __future__ import annotations

import shutil

import pydot
from onnx import ModelProto

# one fill per op type, in order of first appearance (Tableau's light palette)
FILLS = ["#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#dbdb8d", "#9edae5"]


def graph_svg(model: ModelProto, labels: dict[str, str] | None = None) -> str | None:
    """The graph of `model` as an <svg> document; `labels` maps node names to the text of their
    box (default: name and op type). None when Graphviz's dot is not installed."""
    if shutil.which("dot") is None:
        return None
    labels = labels or {}
    dot = pydot.Dot(graph_type="digraph", rankdir="TB", nodesep="0.15", ranksep="0.2")
    dot.set_node_defaults(fontname="Helvetica", fontsize="10", shape="box", style="rounded,filled",
                          height="0.2", margin="0.08,0.03")
    fills: dict[str, str] = {}
    producer = {}
    for node in model.graph.node:
        fill = fills.setdefault(node.op_type, FILLS[len(fills) % len(FILLS)])
        dot.add_node(pydot.Node(_id(node.name), label=_quote(labels.get(node.name, f"{node.name}\n{node.op_type}")),
                                fillcolor=fill))
        producer.update({t: node.name for t in node.output})
    for value in model.graph.input:
        dot.add_node(pydot.Node(_id(value.name), label=_quote(value.name), shape="ellipse", style="solid"))
        producer[value.name] = value.name
    for node in model.graph.node:
        for tensor in node.input:
            if tensor in producer:
                dot.add_edge(pydot.Edge(_id(producer[tensor]), _id(node.name)))
    for value in model.graph.output:
        dot.add_node(pydot.Node(_id("out " + value.name), label=_quote(value.name), shape="ellipse", style="solid"))
        if value.name in producer:
            dot.add_edge(pydot.Edge(_id(producer[value.name]), _id("out " + value.name)))
    return dot.create_svg().decode()


def _id(name: str) -> str:
    return _quote("n_" + name)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
