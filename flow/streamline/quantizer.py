"""Activation quantizers (QONNX Quant / BipolarQuant) as data, and their exact thresholds.

A quantizer maps a real tensor z to integer codes q - zp with q = clip(round(z/s + zp)).
When z = scale * acc + offset (per channel) with integer acc, the codes are a step function
of acc: code = lowest + #{k : acc >= T_k}. `thresholds` derives the T_k exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from qonnx.core.datatype import DataType
from qonnx.custom_op.general.intquant import max_int, min_int

from flow.streamline.errors import UnsupportedGraph
from flow.streamline.rounding import level_condition, min_integer_reaching


@dataclass(frozen=True)
class Quantizer:
    scale: np.ndarray      # broadcastable to the tensor (NCHW), > 0
    zero_point: int
    lowest: int            # smallest code (q_min - zp)
    highest: int           # largest code
    rounding: str
    bipolar: bool

    @property
    def dtype(self) -> DataType:
        if self.bipolar:
            return DataType["BIPOLAR"]
        return integer_dtype(self.lowest, self.highest)

    @property
    def levels(self) -> list[int]:
        return [-1, 1] if self.bipolar else list(range(self.lowest, self.highest + 1))


def integer_dtype(lo: int, hi: int) -> DataType:
    """The narrowest qonnx integer type holding [lo, hi]."""
    if lo >= 0:
        return DataType[f"UINT{max(1, int(hi).bit_length())}"]
    bits = max(int(-lo - 1).bit_length(), int(hi).bit_length()) + 1
    return DataType[f"INT{bits}"]


def parse_quantizer(model, node) -> Quantizer:
    """Read a Quant / BipolarQuant node whose parameters are initializers."""
    params = [model.get_initializer(name) for name in node.input[1:]]
    if any(p is None for p in params):
        raise UnsupportedGraph(node, "quantizer parameters must be constants")
    scale = np.asarray(params[0], dtype=np.float64)
    if np.any(scale <= 0):
        raise UnsupportedGraph(node, "quantizer scale must be positive")
    if node.op_type == "BipolarQuant":
        return Quantizer(scale, 0, -1, 1, "ROUND", True)
    zero_point, bits = np.asarray(params[1]), np.asarray(params[2])
    if zero_point.size != 1 or bits.size != 1 or zero_point.item() != round(zero_point.item()):
        raise UnsupportedGraph(node, "zero point and bit width must be integer scalars")
    attrs = {a.name: a for a in node.attribute}
    signed = bool(attrs["signed"].i) if "signed" in attrs else True
    narrow = bool(attrs["narrow"].i) if "narrow" in attrs else False
    rounding = attrs["rounding_mode"].s.decode() if "rounding_mode" in attrs else "ROUND"
    zp, bits = int(zero_point.item()), int(bits.item())
    if bits == 1 and signed:
        # qonnx executes a signed 1-bit Quant as a sign function: bipolar codes
        return Quantizer(scale, zp, -1, 1, rounding, True)
    q_min, q_max = int(min_int(signed, narrow, bits)), int(max_int(signed, narrow, bits))
    return Quantizer(scale, zp, q_min - zp, q_max - zp, rounding, False)


def thresholds(quant: Quantizer, alpha: Fraction, beta: Fraction, relu: bool,
               acc_lo: int, acc_hi: int) -> list[int]:
    """Thresholds over integer acc for one channel where z / s = alpha * acc + beta_z.

    `beta` already includes the zero point (v = z/s + zp = alpha*acc + beta); `relu` means
    z passed through max(0, .) first. Thresholds outside [acc_lo, acc_hi + 1] are clamped:
    acc_lo always fires, acc_hi + 1 never does.
    """
    out = []
    for code in quant.levels[1:]:
        if quant.bipolar:
            c, strict = Fraction(0), False  # sign: z/s + zp >= 0
        else:
            c, strict = level_condition(quant.rounding, code + quant.zero_point)
        if relu:
            # relu(z)/s + zp >= c: always true where the bound lies at or below zp
            c_relu = c - quant.zero_point
            if c_relu < 0 or (c_relu == 0 and not strict):
                out.append(acc_lo)
                continue
        if alpha == 0:
            reached = beta > c if strict else beta >= c
            out.append(acc_lo if reached else acc_hi + 1)
            continue
        t = min_integer_reaching(alpha, beta, c, strict)
        out.append(min(max(t, acc_lo), acc_hi + 1))
    return out
