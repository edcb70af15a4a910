"""A sound bound on how far a float level's value before an activation quantizer can be from the
exact value, given that level's own outputs of the quantizers before it.

A float level (L1: qonnx in float32; L0: torch in float64) computes a quantizer's input z from
the previous quantizers' outputs y = code * s with Conv/MatMul/Gemm, BatchNorm, arithmetic with
constants, the Add of two tensors, Concat, Relu, MaxPool and layout ops, then v = z / s + zp, which it rounds. Every float op is
correctly rounded (relative error at most u: 2^-24 in float32, 2^-53 in float64), so the
computed value is the exact one with every monomial of its expansion perturbed by a factor
(1 + theta), |theta| <= gamma_K = K u / (1 - K u), K the number of roundings on the monomial's
path (Higham, Accuracy and Stability of Numerical Algorithms, Lemmas 3.1 and 3.3). This holds
for a sum evaluated in any order, blocked or with FMA, so it covers any library's Conv:

    |computed v - exact v| <= gamma_K(u) * M

M is the expansion with every quantity replaced by its absolute value: a Conv of |w| with the
inputs' M plus |bias|, a BatchNorm's (|gamma| M + |gamma * mean|) / sigma + |beta|, and so on.
Relu and max are 1-Lipschitz: they pass the bound on (the max of M over a window); DepthToSpace and
a nearest Resize move it with the values; a global average pool is a sum and a division. K counts, per
op: the weight's own rounding, one product and n - 1 additions of an n-term dot product, one
for a bias; one for the Add of two tensors (on the longer path); 8 for a BatchNorm (eps, sqrt, division, scale, mean, beta, in whatever order a
library folds them); 2 for arithmetic with a constant (the constant's rounding, the op); 2 for
the quantizer's x / s + zp; 1 for each leaf y = fl(code * s).

The integer graph's thresholds are exact for the streamline's folded scale and offset, which
are float64 roundings of the same expressions with at most as many roundings per op, so they sit
within gamma_K(2^-53) * M of the real value: the bound adds that term. M itself is computed in
float64 (relative error below K * 2^-53 <= 2^-30 for K < 2^23), hence the final margin.
"""

from __future__ import annotations

import numpy as np
from onnx import helper

from flow.streamline.errors import UnsupportedGraph
from flow.streamline.quantizer import parse_quantizer
from flow.streamline.upscale import depth_to_space_nchw, nearest_nchw, string_attribute
from flow.streamline.weights import constant_value

FLOAT32, FLOAT64 = 2.0**-24, 2.0**-53
QUANTIZERS = ("Quant", "BipolarQuant", "Trunc")
ROUNDINGS = {"BatchNormalization": 8, "Mul": 2, "Div": 2, "Add": 2, "Sub": 2}
MARGIN = 1 + 2.0**-30


def gamma(k: int, u: float) -> float:
    return k * u / (1 - k * u)


def quantizer_error_bound(model, quant_node, values: dict, u: float) -> np.ndarray:
    """Bound on |computed v - exact v| per element of the quantizer's input, v = z / s + zp.

    `values`: the level's outputs of the activation quantizers before this one (batch 1)."""
    m, k = _magnitude(model, quant_node.input[0], values, u, {})
    quant = parse_quantizer(model, quant_node)
    m_v, k_v = m / quant.scale + abs(quant.zero_point), k + 2
    return (gamma(k_v, u) + gamma(k_v, FLOAT64)) * m_v * MARGIN


def _magnitude(model, tensor, values, u, memo) -> tuple[np.ndarray, int]:
    """(M, K) of a tensor: bound on |exact value| over its monomials, and roundings on a path."""
    if tensor in memo:
        return memo[tensor]
    node = model.find_producer(tensor)
    if node is None:
        raise UnsupportedGraph(None, f"'{tensor}' is reached without an activation quantizer before it")
    if node.op_type in QUANTIZERS and model.get_initializer(node.input[0]) is None:
        if tensor not in values:
            raise UnsupportedGraph(node, "the float level's output of this quantizer is missing")
        result = np.abs(np.asarray(values[tensor], dtype=np.float64)) / (1 - u), 1
    else:
        result = _through(model, node, values, u, memo)
    memo[tensor] = result
    return result


def _through(model, node, values, u, memo):
    op = node.op_type
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    m, k = _magnitude(model, node.input[0], values, u, memo)
    if op in ("Relu", "Identity", "Dropout"):
        return m, k
    if op in ("Reshape", "Flatten"):
        return m.reshape([1, *model.get_tensor_shape(node.output[0])[1:]]), k
    if op == "Transpose":
        return m.transpose(attrs["perm"]), k
    if op == "MaxPool":
        return _maxpool(m, attrs), k
    if op == "DepthToSpace":   # values move, none is computed
        return depth_to_space_nchw(m, attrs["blocksize"], string_attribute(node, "mode", "DCR")), k
    if op == "Resize":         # streamlining takes only a nearest Resize that repeats each pixel
        return nearest_nchw(m, model.get_tensor_shape(node.output[0])[2] // m.shape[2]), k
    if op in ("GlobalAveragePool", "AveragePool"):   # n - 1 additions and the division by n (a whole map)
        return m.mean(axis=(2, 3), keepdims=True), k + m.shape[2] * m.shape[3]
    if op in ("Conv", "MatMul", "Gemm"):
        return _linear(model, node, attrs, m, k)
    if op == "BatchNormalization":
        gamma_, beta, mean, var = (np.abs(np.asarray(model.get_initializer(n), dtype=np.float64))
                                   for n in node.input[1:5])
        sigma = np.sqrt(var + np.float64(np.float32(attrs.get("epsilon", 1e-5))))
        shape = (1, -1) + (1,) * (m.ndim - 2)
        m = gamma_.reshape(shape) * (m + mean.reshape(shape)) / sigma.reshape(shape) + beta.reshape(shape)
        return m, k + ROUNDINGS[op]
    if op == "Concat":   # values move, none is computed
        parts = [(m, k)] + [_magnitude(model, name, values, u, memo) for name in node.input[1:]]
        return np.concatenate([p[0] for p in parts], axis=attrs["axis"]), max(p[1] for p in parts)
    if op == "Add" and constant_value(model, node.input[1]) is None:   # a residual join: one rounding
        m_b, k_b = _magnitude(model, node.input[1], values, u, memo)
        return m + m_b, max(k, k_b) + 1
    if op in ("Mul", "Div", "Add", "Sub"):
        c = np.abs(np.asarray(constant_value(model, node.input[1]), dtype=np.float64))
        m = m * c if op == "Mul" else m / c if op == "Div" else m + c
        return m, k + ROUNDINGS[op]
    raise UnsupportedGraph(node, "no float error bound for this op")


def _padded(m, attrs):
    import torch

    top, left, bottom, right = attrs.get("pads", [0, 0, 0, 0])
    return torch.nn.functional.pad(torch.from_numpy(m), (left, right, top, bottom))


def _maxpool(m, attrs):
    import torch

    x = _padded(m, attrs)  # M >= 0: zero padding never wins
    kernel = attrs["kernel_shape"]
    return torch.nn.functional.max_pool2d(x, kernel, stride=attrs.get("strides", kernel),
                                          dilation=attrs.get("dilations", [1, 1]),
                                          ceil_mode=bool(attrs.get("ceil_mode", 0))).numpy()


def _linear(model, node, attrs, m, k):
    """sum |w| M_x + |bias|: n products and n - 1 additions, the weight's and the bias' rounding."""
    import torch

    w = np.abs(np.asarray(constant_value(model, node.input[1]), dtype=np.float64))
    bias = np.abs(np.asarray(constant_value(model, node.input[2]), dtype=np.float64)) \
        if len(node.input) > 2 and node.input[2] else np.zeros(1)
    if node.op_type == "Conv":
        if w.ndim != 4:
            raise UnsupportedGraph(node, "no float error bound", "2-D convolutions")
        x = _padded(m, attrs)
        y = torch.nn.functional.conv2d(x, torch.from_numpy(w), stride=attrs.get("strides", [1, 1]),
                                       dilation=attrs.get("dilations", [1, 1]),
                                       groups=attrs.get("group", 1)).numpy()
        return y + bias.reshape(1, -1, 1, 1), k + w[0].size + 2
    if node.op_type == "Gemm":
        w = w.T if attrs.get("transB", 0) else w
        alpha, beta = abs(attrs.get("alpha", 1.0)), abs(attrs.get("beta", 1.0))
        return alpha * (m @ w) + beta * bias.reshape(1, -1), k + w.shape[0] + 4
    return m @ w, k + w.shape[0] + 1
