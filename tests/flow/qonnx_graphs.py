"""Hand-built QONNX graphs for cases Brevitas rarely exports: every rounding mode, zero points,
power-of-two scales that put values exactly on rounding ties, Gemm, MaxPool before the quantizer,
FINN-style layers on a declared input."""

from __future__ import annotations

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from flow.qonnx_graph import QONNX_DOMAIN, GraphBuilder

__all__ = ["GraphBuilder"]   # the tests build their own graphs with it too


def dense_tie_graph(rounding: str, zero_point: int, signed: bool, relu: bool, seed: int = 0) -> ModelWrapper:
    """x -> Quant(2^-3) -> MatMul(INT4 x 2^-2) -> [Relu] -> Quant(2^-1, zp, rounding).

    All scales are powers of two, so z / s lands exactly on .5 for many inputs: every
    rounding mode's tie rule decides the result.
    """
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 16))
    g.quant(2.0**-3, bits=5)
    w = g.quantized_weight(rng.integers(-7, 8, (16, 12)) * 0.25, 0.25)
    g.op("MatMul", w)
    if relu:
        g.op("Relu")
    g.quant(0.5, zero_point=zero_point, bits=3, signed=signed, rounding=rounding)
    return g.model()


def conv_bn_pool_graph(seed: int = 0) -> ModelWrapper:
    """Conv -> BatchNorm with negative scales -> MaxPool -> Quant: pooling needs upward order."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 2, 6, 6))
    g.quant(2.0**-4, bits=6)
    w = g.quantized_weight(rng.integers(-7, 8, (4, 2, 3, 3)) * 0.1, 0.1)
    g.op("Conv", w, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    gamma = np.array([1.5, -0.7, 0.9, -2.0])
    g.op("BatchNormalization", g.const(gamma), g.const(rng.normal(size=4)), g.const(rng.normal(size=4)),
         g.const(rng.uniform(0.5, 2, 4)), epsilon=1e-3)
    g.op("MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    g.quant(0.25, bits=4, signed=True)
    return g.model()


def gemm_graph(seed: int = 0) -> ModelWrapper:
    """Gemm with transB, alpha, beta and a bias, then a signed quantizer."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 10))
    g.quant(2.0**-3, bits=5)
    w = g.quantized_weight(rng.integers(-7, 8, (6, 10)) * 0.5, 0.5)
    g.op("Gemm", w, g.const(rng.normal(size=6)), transB=1, alpha=0.75, beta=1.5)
    g.quant(0.3, bits=4, signed=True, narrow=True, rounding="HALF_UP")
    return g.model()


def unsupported_graph() -> ModelWrapper:
    """A quantized dense layer followed by a Sigmoid, which has no integer form."""
    g = GraphBuilder((1, 4))
    g.quant(0.5, bits=4)
    g.op("MatMul", g.quantized_weight(np.eye(4), 1.0))
    g.op("Sigmoid")
    g.quant(0.5, bits=4)
    return g.model()


# found by search: 18 * fl32(7 * 0.0961...) / 0.2991... is 40.50000045 exactly, but 40.5 in float32
NEAR_TIE = {"weight_scale": 0.09616459906101227, "weight": 7, "x": 18.0, "out_scale": 0.29917874932289124}


def near_tie_graph() -> ModelWrapper:
    """x -> Quant(1) -> MatMul(7 x w_scale) -> Quant(out_scale): at x = 18 the exact value before
    rounding sits 4.5e-7 above the tie 40.5 (code 41), which float32 rounds onto it (code 40)."""
    g = GraphBuilder((1, 1))
    g.quant(1.0, bits=8)
    scale = np.float32(NEAR_TIE["weight_scale"])
    g.op("MatMul", g.quantized_weight(np.float32(NEAR_TIE["weight"]) * scale.reshape(1, 1), scale))
    g.quant(NEAR_TIE["out_scale"], bits=8, signed=True)
    return g.model()


def finn_style_graph(seed: int = 0) -> ModelWrapper:
    """As FINN-style QONNX (qonnx's eltwise_chanlast_testcase) writes a layer: an input annotated
    UINT8 straight into a Conv (stride 2) of integer constant weights, the scales in Mul/Add nodes,
    a Relu, a positive Mul, then an unsigned Quant of unit scale. Scales are powers of two (exact).
    The last input row and column are read by no window (8 = 2 * 3 + 1 + 1)."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 3, 8, 8))
    g.op("Conv", g.const(rng.integers(-127, 128, (4, 3, 3, 3))), kernel_shape=[3, 3], strides=[2, 2])
    g.op("Mul", g.const(2.0 ** -rng.integers(10, 14, (1, 4, 1, 1))))
    g.op("Add", g.const(rng.integers(-16, 16, (1, 4, 1, 1)) / 8))
    g.op("Relu")
    g.op("Mul", g.const(2.0 ** rng.integers(1, 4, (1, 4, 1, 1))))
    g.quant(1.0, bits=4, signed=False)
    return g.model(input_datatype="UINT8")


def relu_edge_graph(seed: int = 0) -> ModelWrapper:
    """A Relu on the float input before the input quantizer (as espcn's nn_resize model has)."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 8))
    g.op("Relu")
    g.quant(2.0**-3, bits=5, signed=False)
    g.op("MatMul", g.quantized_weight(rng.integers(-7, 8, (8, 6)) * 0.25, 0.25))
    g.quant(0.5, bits=4)
    return g.model()


def relu_then_negative_scale_graph() -> ModelWrapper:
    """A Relu followed by a negative Mul: no longer a Relu of an affine form."""
    g = GraphBuilder((1, 4))
    g.quant(0.5, bits=4)
    g.op("MatMul", g.quantized_weight(np.eye(4), 1.0))
    g.op("Relu")
    g.op("Mul", g.const(-2.0))
    g.quant(0.5, bits=4)
    return g.model()


def subpixel_graph(mode: str = "CRD", seed: int = 0) -> ModelWrapper:
    """espcn's sub-pixel step (qonnx's bsd300x3-espcn/subpixel): a Conv to 3 x 2 x 2 channels, a
    DepthToSpace of its accumulators, a Relu and an unsigned quantizer."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 2, 5, 6))
    g.quant(2.0**-3, bits=4, signed=False)
    w = g.quantized_weight(rng.integers(-7, 8, (12, 2, 3, 3)) * 0.25, 0.25)
    g.op("Conv", w, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    # a scale per output channel, on the 4 input channels that become its pixels
    scale = 2.0 ** -rng.integers(0, 3, 3)
    g.op("Mul", g.const((np.repeat(scale, 4) if mode == "CRD" else np.tile(scale, 4)).reshape(1, 12, 1, 1)))
    g.op("DepthToSpace", blocksize=2, mode=mode)
    g.op("Relu")
    g.quant(0.25, bits=4, signed=False)
    return g.model()


def nearest_resize_graph(transform: str = "asymmetric", nearest_mode: str = "floor",
                         mode: str = "nearest", seed: int = 0) -> ModelWrapper:
    """espcn's nn_resize step: quantized activations resized by 2 (nearest), then a Conv."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 3, 4, 5))
    g.quant(2.0**-2, bits=4, signed=False)
    g.op("Resize", "", g.const([1, 1, 2, 2]), mode=mode, coordinate_transformation_mode=transform,
         nearest_mode=nearest_mode)
    w = g.quantized_weight(rng.integers(-7, 8, (4, 3, 3, 3)) * 0.5, 0.5)
    g.op("Conv", w, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    g.quant(0.5, bits=4)
    return g.model()


def padded_bipolar_graph(seed: int = 0) -> ModelWrapper:
    """W1A1 as BNN-PYNQ builds it, but with zero padding: BipolarQuant -> Conv -> BipolarQuant ->
    MaxPool -> Conv (pads 1) -> BipolarQuant. Brevitas pads a bipolar map with 0."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 3, 8, 8))
    g.bipolar()
    for i, (shape, pads) in enumerate([((8, 3, 3, 3), [0, 0, 0, 0]), ((6, 8, 3, 3), [1, 1, 1, 1])]):
        g.op("Conv", g.bipolar_weight(rng.normal(size=shape)), kernel_shape=[3, 3], pads=pads)
        g.bipolar()
        if i == 0:
            g.op("MaxPool", kernel_shape=[2, 2], strides=[2, 2])
    return g.model()


def global_pool_graph(seed: int = 0) -> ModelWrapper:
    """The head of ResNet-8 and MobileNet: a quantized map, GlobalAveragePool, a dense layer."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 8, 4, 4))
    g.quant(2.0**-2, bits=4, signed=False)
    g.op("GlobalAveragePool")
    g.op("Flatten", axis=1)
    g.op("MatMul", g.quantized_weight(rng.integers(-7, 8, (8, 5)) * 0.5, 0.5))
    g.quant(0.25, bits=4)
    return g.model()


def depthwise_graph(seed: int = 0) -> ModelWrapper:
    """MobileNet's depthwise-separable block: a 3x3 depthwise convolution (group = channels, padded,
    stride 2), BatchNorm, Relu and a quantizer, then a 1x1 pointwise convolution."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 6, 7, 7))
    g.quant(2.0**-2, bits=4, signed=False)
    _separable_block(g, rng, 6, stride=2)
    return g.model()


def per_channel_depthwise_graph(seed: int = 0) -> ModelWrapper:
    """MobileNet v1's first layers as brevitas_examples exports them: a 3x3 stem convolution whose
    activation, before the depthwise convolution, is quantized per channel (each scale passes to
    its channel's output alone), then the separable block."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 3, 8, 8))
    g.quant(2.0**-4, bits=8)
    g.op("Conv", g.quantized_weight(rng.integers(-7, 8, (6, 3, 3, 3)) * 0.1, 0.1), kernel_shape=[3, 3],
         pads=[1, 1, 1, 1])
    g.op("BatchNormalization", g.const(rng.uniform(0.5, 2, 6)), g.const(rng.normal(size=6)),
         g.const(rng.normal(size=6)), g.const(rng.uniform(0.5, 2, 6)))
    g.op("Relu")
    g.quant(rng.uniform(0.05, 0.5, (1, 6, 1, 1)), bits=4, signed=False)
    _separable_block(g, rng, 6, stride=1)
    return g.model()


def _separable_block(g: GraphBuilder, rng, channels: int, stride: int) -> None:
    """3x3 depthwise convolution (padded), BatchNorm, Relu, a quantizer, a 1x1 pointwise convolution
    to 4 channels and its quantizer."""
    g.op("Conv", g.quantized_weight(rng.integers(-7, 8, (channels, 1, 3, 3)) * 0.25, 0.25), kernel_shape=[3, 3],
         pads=[1, 1, 1, 1], strides=[stride, stride], group=channels)
    g.op("BatchNormalization", g.const(rng.uniform(-2, 2, channels)), g.const(rng.normal(size=channels)),
         g.const(rng.normal(size=channels)), g.const(rng.uniform(0.5, 2, channels)))
    g.op("Relu")
    g.quant(0.5, bits=4, signed=False)
    g.op("Conv", g.quantized_weight(rng.integers(-7, 8, (4, channels, 1, 1)) * 0.25, 0.25), kernel_shape=[1, 1])
    g.quant(0.5, bits=4)


def residual_graph(seed: int = 0, channels: int = 4, size: int = 6) -> ModelWrapper:
    """A residual block as brevitas_examples' ResNets build it: x -> Quant(s) -> [Conv -> BN -> Quant
    -> Conv -> BN -> Quant(s), one scale with x's, as a shared quantizer gives] + x -> Quant. The
    second BatchNorm's negative scales make channels of the block upward before the join."""
    rng = np.random.default_rng(seed)
    shared = 2.0**-3
    g = GraphBuilder((1, channels, size, size))
    g.quant(shared, bits=4, signed=False)
    skip = g.tensor
    signs = np.where(np.arange(channels) % 2, -1, 1)
    for gamma, out_scale in ((rng.uniform(0.5, 2, channels), 0.1), (rng.uniform(0.5, 2, channels) * signs, shared)):
        w = g.quantized_weight(rng.integers(-7, 8, (channels, channels, 3, 3)) * 0.05, 0.05)
        g.op("Conv", w, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        g.op("BatchNormalization", g.const(gamma), g.const(rng.normal(size=channels) * 0.2),
             g.const(rng.normal(size=channels) * 0.2), g.const(rng.uniform(0.5, 2, channels)), epsilon=1e-3)
        g.quant(out_scale, bits=4, signed=False)
    g.op("Add", skip)
    g.quant(0.25, bits=4, signed=False)
    return g.model()


def concat_graph(seed: int = 0) -> ModelWrapper:
    """x -> Quant -> Concat(x, Quant(BN(Conv(x)))) on channels -> Conv -> Quant: the joined channels
    keep their own scales (0.125 and 0.3) up to the quantizer after the join (a convolution needs
    one scale for its whole input). The last weight scale keeps values off rounding ties."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 3, 5, 5))
    g.quant(0.125, bits=4, signed=True)
    skip = g.tensor
    g.op("Conv", g.quantized_weight(rng.integers(-7, 8, (5, 3, 3, 3)) * 0.1, 0.1), kernel_shape=[3, 3],
         pads=[1, 1, 1, 1])
    g.op("BatchNormalization", g.const(rng.uniform(-2, 2, 5)), g.const(rng.normal(size=5) * 0.2),
         g.const(rng.normal(size=5) * 0.2), g.const(rng.uniform(0.5, 2, 5)), epsilon=1e-3)
    g.quant(0.3, bits=3, signed=False)
    g.op("Concat", skip, axis=1)
    g.quant(0.25, bits=4, signed=True)
    g.op("Conv", g.quantized_weight(rng.integers(-7, 8, (4, 8, 1, 1)) * 0.0731, 0.0731), kernel_shape=[1, 1])
    g.quant(0.5, bits=4, signed=True)
    return g.model()


def trunc_avgpool_graph(seed: int = 0) -> ModelWrapper:
    """Brevitas' TruncAvgPool as QONNX exports it: a 4x4 AveragePool over the whole map, then a Trunc
    that drops the mean's low bits (8 -> 4 bits, FLOOR), before a dense layer. Power-of-two scales:
    every value is exact in float32, so L1 must equal L2 everywhere, ties of both roundings included."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 3, 4, 4))
    g.quant(2.0**-2, bits=4, signed=False)
    g.op("AveragePool", kernel_shape=[4, 4], strides=[4, 4])
    # the mean's scale is 2^-2 / 16 = 2^-6; 8-bit codes in, 4-bit codes of scale 2^-2 out (T = 16)
    g.op("Trunc", g.const(2.0**-6), g.const(0.0), g.const(8.0), g.const(2.0**-2), g.const(4.0),
         domain=QONNX_DOMAIN, rounding_mode="FLOOR", signed=0, narrow=0)
    g.op("Flatten", axis=1)
    g.op("MatMul", g.quantized_weight(rng.integers(-7, 8, (3, 5)) * 0.25, 0.25))
    g.quant(2.0**-3, bits=8, signed=True)
    return g.model(qonnx_opset=2)


def po2_residual_graph(seed: int = 0) -> ModelWrapper:
    """A residual join of two power-of-two scales, no quantizer shared (FINN-style): the skip at 2^-3,
    the convolution's branch at 2^-2, so the branch's codes are doubled before the sum."""
    rng = np.random.default_rng(seed)
    g = GraphBuilder((1, 4, 5, 5))
    g.quant(2.0**-3, bits=4, signed=False)
    skip = g.tensor
    g.op("Conv", g.quantized_weight(rng.integers(-7, 8, (4, 4, 3, 3)) * 2.0**-4, 2.0**-4), kernel_shape=[3, 3],
         pads=[1, 1, 1, 1])
    g.quant(2.0**-2, bits=3, signed=True)
    g.op("Add", skip)
    g.quant(2.0**-1, bits=4, signed=False)
    return g.model()
