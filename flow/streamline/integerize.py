"""Streamline a cleaned QONNX graph into the integer graph (10_integer.onnx).

The walk carries every real tensor as an affine form over an integer tensor (affine.py):
linear float ops (BatchNorm, scalar and per-channel Mul/Add/Sub/Div) fold into the form
(elementwise.py), Conv/MatMul/Gemm run on integer weights (linear.py), and each activation
quantizer becomes a MultiThreshold whose thresholds are derived exactly from the form
(activation.py, quantizer.py). A channel whose form has a negative scale gets its weights
negated, so every threshold compares upwards. What stays float: the input edge (the ops
before the first quantizer, then x / s and the quantizer with unit scale, giving integer
codes) and the output edge (one Mul and Add back to real values) (edges.py).

The result's metadata names the integer core's input and output tensors ("core_input",
"core_output"); everything between them is integer arithmetic. "quantizer_sites" records, per
MultiThreshold, its QONNX quantizer and the exact rationals v = alpha * input + beta its
thresholds round, for the rounding-boundary evidence (flow/rounding_boundary.py).
"""

from __future__ import annotations

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import SortGraph

from flow.streamline import activation, elementwise, joins, linear, upscale
from flow.streamline.builder import Builder
from flow.streamline.edges import QUANTIZERS, emit_input_edge, find_input_edge, finish
from flow.streamline.errors import UnsupportedGraph

SUPPORTED = ("Conv, MatMul, Gemm, BatchNormalization, Mul/Add/Sub/Div by constants, Add of two tensors "
             "of one scale, Concat along channels, Relu, "
             "Quant, BipolarQuant, Trunc (FLOOR), MaxPool, GlobalAveragePool, AveragePool over the whole map, DepthToSpace, Resize (nearest), Reshape, Flatten, Transpose, "
             "Identity, Dropout, TopK, ArgMax")

HANDLERS = {
    "Conv": linear.conv,
    "MatMul": linear.matmul,
    "Gemm": linear.gemm,
    "BatchNormalization": elementwise.batchnorm,
    "Mul": elementwise.const_arith,
    "Add": elementwise.const_arith,
    "Sub": elementwise.const_arith,
    "Div": elementwise.const_arith,
    "Relu": elementwise.relu,
    "Identity": elementwise.passthrough,
    "Dropout": elementwise.passthrough,
    "Reshape": elementwise.layout,
    "Flatten": elementwise.layout,
    "Transpose": elementwise.layout,
    "Quant": activation.quantizer,
    "BipolarQuant": activation.quantizer,
    "Trunc": activation.quantizer,
    "MaxPool": activation.maxpool,
    "GlobalAveragePool": linear.global_average_pool,
    "AveragePool": linear.global_average_pool,
    "DepthToSpace": upscale.depth_to_space,
    "Resize": upscale.resize,
    "Concat": joins.concat,
    "TopK": activation.topk,
    "ArgMax": activation.topk,
}


def integerize(model: ModelWrapper) -> ModelWrapper:
    """QONNX (cleaned, shapes inferred) -> integer graph. Raises UnsupportedGraph."""
    model = model.transform(SortGraph())
    b = Builder(model)
    edge_nodes, first_quant = find_input_edge(model)
    core_input = emit_input_edge(b, edge_nodes, first_quant)
    handled = {id(n) for n in edge_nodes} | {id(first_quant)}
    for node in model.graph.node:
        if id(node) in handled or _is_weight_quantizer(model, node):
            continue
        handler = HANDLERS.get(node.op_type)
        if handler is None:
            raise UnsupportedGraph(node, "op type not supported by streamlining", SUPPORTED)
        handler(b, node)
    return finish(b, core_input)


def _is_weight_quantizer(model, node) -> bool:
    return node.op_type in QUANTIZERS and model.get_initializer(node.input[0]) is not None
