"""Hand-built QONNX graphs for cases Brevitas rarely exports: every rounding mode, zero points,
power-of-two scales that put values exactly on rounding ties, Gemm, MaxPool before the quantizer,
FINN-style layers on a declared input."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.util.basic import qonnx_make_model

from flow.frontend import clean

QONNX_DOMAIN = "qonnx.custom_op.general"


class GraphBuilder:
    def __init__(self, in_shape):
        self.nodes, self.inits, self.count = [], {}, 0
        self.in_shape = list(in_shape)
        self.tensor = "x"

    def const(self, value):
        self.count += 1
        name = f"c{self.count}"
        self.inits[name] = np.asarray(value, dtype=np.float32)
        return name

    def op(self, op_type, *inputs, domain="", **attrs):
        self.count += 1
        out = f"t{self.count}"
        self.nodes.append(helper.make_node(op_type, [self.tensor, *inputs], [out], domain=domain,
                                           name=f"{op_type}_{self.count}", **attrs))
        self.tensor = out
        return self

    def quant(self, scale, zero_point=0, bits=4, signed=True, narrow=False, rounding="ROUND"):
        return self.op("Quant", self.const(scale), self.const(zero_point), self.const(bits),
                       domain=QONNX_DOMAIN, signed=int(signed), narrow=int(narrow), rounding_mode=rounding)

    def quantized_weight(self, w, scale, bits=4):
        """A weight tensor behind its own Quant node (as Brevitas exports weights)."""
        self.count += 1
        out = f"w{self.count}"
        self.nodes.append(helper.make_node(
            "Quant", [self.const(w), self.const(scale), self.const(0), self.const(bits)], [out],
            domain=QONNX_DOMAIN, name=f"WeightQuant_{self.count}", signed=1, narrow=1, rounding_mode="ROUND"))
        return out

    def model(self) -> ModelWrapper:
        graph = helper.make_graph(
            self.nodes, "test", [helper.make_tensor_value_info("x", TensorProto.FLOAT, self.in_shape)],
            [helper.make_tensor_value_info(self.tensor, TensorProto.FLOAT, None)])
        model = ModelWrapper(qonnx_make_model(graph, opset_imports=[
            helper.make_opsetid("", 13), helper.make_opsetid(QONNX_DOMAIN, 1)]))
        for name, value in self.inits.items():
            model.set_initializer(name, value)
        return clean(model)


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
    model = g.model()
    model.set_tensor_datatype(model.graph.input[0].name, DataType["UINT8"])
    return model


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
    g.op("BipolarQuant", g.const(1.0), domain=QONNX_DOMAIN)
    for i, (shape, pads) in enumerate([((8, 3, 3, 3), [0, 0, 0, 0]), ((6, 8, 3, 3), [1, 1, 1, 1])]):
        g.count += 1
        w = f"w{g.count}"
        g.nodes.append(helper.make_node("BipolarQuant", [g.const(rng.normal(size=shape)), g.const(1.0)], [w],
                                        domain=QONNX_DOMAIN, name=f"WeightQuant_{i}"))
        g.op("Conv", w, kernel_shape=[3, 3], pads=pads)
        g.op("BipolarQuant", g.const(1.0), domain=QONNX_DOMAIN)
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
    g.op("Conv", g.quantized_weight(rng.integers(-7, 8, (6, 1, 3, 3)) * 0.25, 0.25), kernel_shape=[3, 3],
         pads=[1, 1, 1, 1], strides=[2, 2], group=6)
    g.op("BatchNormalization", g.const(rng.uniform(-2, 2, 6)), g.const(rng.normal(size=6)),
         g.const(rng.normal(size=6)), g.const(rng.uniform(0.5, 2, 6)))
    g.op("Relu")
    g.quant(0.5, bits=4, signed=False)
    g.op("Conv", g.quantized_weight(rng.integers(-7, 8, (4, 6, 1, 1)) * 0.25, 0.25), kernel_shape=[1, 1])
    g.quant(0.5, bits=4)
    return g.model()
