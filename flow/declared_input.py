"""A network input declared as integer codes times a scale: by qonnx's tensor datatype annotation
on the graph input (FINN-style QONNX carries it, e.g. UINT8 pixels), or by --input-datatype for a
float input that feeds a quantized first layer directly (the network was trained on such values).

The front end makes a declaration explicit as an input quantizer at the graph input (Quant, or
BipolarQuant for BIPOLAR), so every later step and level sees one QONNX graph. On declared values
that quantizer is the identity, so the graph computes what the given one computes on them; the
test inputs are drawn from the declared values and inputs given with --input-data are checked to be
among them."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper

from flow.streamline.edges import QUANTIZERS
from flow.streamline.quantizer import parse_quantizer

QONNX_DOMAIN = "qonnx.custom_op.general"
SUPPORTED = "INTn, UINTn, BINARY, BIPOLAR, TERNARY or FIXED<w,i>, optionally :SCALE (e.g. UINT8:1/255)"


@dataclass(frozen=True)
class DeclaredInput:
    """Input values code * scale, code in dtype's range (a FIXED<w,i> type is INTw with scale 2^(i-w))."""

    dtype: DataType
    scale: float = 1.0

    @classmethod
    def parse(cls, text: str) -> DeclaredInput:
        """'UINT8', 'INT4:0.5', 'UINT8:1/255', 'FIXED<8,4>': ValueError naming the problem."""
        name, _, scale_text = text.partition(":")
        try:
            dtype = DataType[name.strip().upper()]
        except KeyError:
            raise ValueError(f"--input-datatype {text!r}: {name!r} is no qonnx datatype "
                             f"(supported: {SUPPORTED})") from None
        scale = 1.0
        if scale_text:
            try:
                scale = float(Fraction(scale_text.strip()))
            except (ValueError, ZeroDivisionError):
                raise ValueError(f"--input-datatype {text!r}: scale {scale_text!r} is not a number "
                                 "or a fraction a/b") from None
            if not (scale > 0 and np.isfinite(np.float32(scale))):
                raise ValueError(f"--input-datatype {text!r}: the scale must be a positive float32")
        return cls.of(dtype, scale, f"--input-datatype {text!r}")

    @classmethod
    def of(cls, dtype: DataType, scale: float, where: str) -> DeclaredInput:
        if dtype.is_fixed_point():
            frac = dtype.bitwidth() - dtype.int_bits()
            return cls(DataType[f"INT{dtype.bitwidth()}"], scale * 2.0**-frac)
        if not dtype.is_integer():
            raise ValueError(f"{where}: {dtype.name} is not an integer or fixed-point type "
                             f"(supported: {SUPPORTED})")
        return cls(dtype, scale)

    @property
    def scale32(self) -> np.float32:
        return np.float32(self.scale)

    def codes(self, rng: np.random.Generator, shape) -> np.ndarray:
        """Random declared values of `shape` (float32): codes uniform over the type times the scale."""
        if self.dtype == DataType["BIPOLAR"]:
            codes = rng.choice(np.array([-1, 1]), size=shape)
        else:
            codes = rng.integers(int(self.dtype.min()), int(self.dtype.max()), size=shape, endpoint=True)
        return codes.astype(np.float32) * self.scale32

    def check(self, x: np.ndarray, source: str) -> None:
        """ValueError unless every value of x is a code of the type times the scale (in float32)."""
        codes = np.round(x.astype(np.float64) / float(self.scale32))
        off_grid = np.asarray(codes.astype(np.float32) * self.scale32 != x.astype(np.float32))
        out_of_range = (codes < self.dtype.min()) | (codes > self.dtype.max())
        if self.dtype == DataType["BIPOLAR"]:
            out_of_range |= codes == 0
        bad = off_grid | out_of_range
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            raise ValueError(f"{source}: value {x[index]!r} at {index} is not a declared input value "
                             f"({self.describe()})")

    def describe(self) -> str:
        scale = "" if self.scale == 1.0 else f" times {self.scale!r}"
        return f"{self.dtype.name} codes{scale}"


def declared_input(model: ModelWrapper, given: str | None) -> DeclaredInput | None:
    """The declaration of the graph input: --input-datatype's when given (it must agree with an
    integer annotation the model carries), else the model's own integer annotation, else None."""
    name = model.graph.input[0].name
    annotated = _annotation(model, name)
    if given is not None:
        declared = DeclaredInput.parse(given)
        if annotated is not None and annotated != declared.dtype:
            raise ValueError(f"--input-datatype {given}: the model declares its input '{name}' "
                             f"{annotated.name}")
        return declared
    if annotated is None:
        return None
    return DeclaredInput.of(annotated, 1.0, f"the datatype annotation of input '{name}'")


def _annotation(model: ModelWrapper, name: str) -> DataType | None:
    """The input's qonnx datatype annotation when it declares values other than float."""
    for annotation in model.graph.quantization_annotation:
        if annotation.tensor_name == name:
            for entry in annotation.quant_parameter_tensor_names:
                if entry.key == "finn_datatype" and not entry.value.startswith("FLOAT"):
                    return DataType[entry.value]
    return None


def insert_input_quantizer(model: ModelWrapper, declared: DeclaredInput) -> ModelWrapper:
    """The model with an input quantizer of the declared values between its input and its first
    ops, unless one already sits there with the same parameters."""
    name = model.graph.input[0].name
    consumers = model.find_consumers(name)
    if len(consumers) == 1 and _same_quantizer(model, consumers[0], declared):
        return model
    codes = model.make_new_valueinfo_name()
    scale = _initializer(model, "declared_input_scale", declared.scale32)
    if declared.dtype == DataType["BIPOLAR"]:
        node = helper.make_node("BipolarQuant", [name, scale], [codes], name="DeclaredInput",
                                domain=QONNX_DOMAIN)
    else:
        bits = declared.dtype.bitwidth()
        node = helper.make_node(
            "Quant", [name, scale, _initializer(model, "declared_input_zero_point", 0.0),
                      _initializer(model, "declared_input_bits", float(bits))], [codes],
            name="DeclaredInput", domain=QONNX_DOMAIN, signed=int(declared.dtype.signed()),
            narrow=int(declared.dtype.min() == -declared.dtype.max()), rounding_mode="ROUND")
    for consumer in consumers:
        consumer.input[:] = [codes if i == name else i for i in consumer.input]
    model.graph.node.insert(0, node)
    model.set_tensor_shape(codes, model.get_tensor_shape(name))
    model.set_tensor_datatype(name, DataType["FLOAT32"])
    return model


def _initializer(model: ModelWrapper, base: str, value: float) -> str:
    model.set_initializer(base, np.asarray(value, dtype=np.float32))
    return base


def _same_quantizer(model: ModelWrapper, node, declared: DeclaredInput) -> bool:
    if node.op_type not in QUANTIZERS:
        return False
    quant = parse_quantizer(model, node)
    return (np.all(quant.scale == declared.scale32) and quant.dtype == declared.dtype
            and quant.zero_point == 0)
