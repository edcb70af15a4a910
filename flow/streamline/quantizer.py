"""Activation quantizers (QONNX Quant / BipolarQuant / Trunc) as data, and their exact thresholds.

A quantizer maps a real tensor z to integer codes q - zp with q = clip(round(z/s + zp)).
When z = scale * acc + offset (per channel) with integer acc, the codes are a step function
of acc: code = lowest + #{k : acc >= T_k}. `thresholds` derives the T_k exactly.

A Trunc (Brevitas' TruncAvgPool: an average's low bits dropped) rounds twice, q =
clip(floor(round(z/s) / T)) with T a power of two, and gives q * s_out: q reaches k exactly where
round(z/s) >= k T, the condition of one rounding at k T.
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
    trunc: int = 1                     # a Trunc's T (1: a Quant)
    out_scale: np.ndarray | None = None  # a Trunc's output scale (None: scale)

    @property
    def output_scale(self) -> np.ndarray:
        """The scale of the codes it outputs (a Trunc's is not its input's)."""
        return self.scale if self.out_scale is None else self.out_scale

    def condition(self, code: int) -> tuple[Fraction, bool]:
        """(c, strict): `code` is reached where v = z/s + zp >= c (v > c when strict)."""
        if self.bipolar:
            return Fraction(0), False          # sign: z/s + zp >= 0
        if self.trunc > 1:                      # round half to even, then floor of / T
            return level_condition("ROUND", (code + self.zero_point) * self.trunc)
        return level_condition(self.rounding, code + self.zero_point)

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
    """Read a Quant / BipolarQuant / Trunc node whose parameters are initializers."""
    params = [model.get_initializer(name) for name in node.input[1:]]
    if any(p is None for p in params):
        raise UnsupportedGraph(node, "quantizer parameters must be constants")
    scale = np.asarray(params[0], dtype=np.float64)
    if np.any(scale <= 0):
        raise UnsupportedGraph(node, "quantizer scale must be positive")
    if node.op_type == "BipolarQuant":
        return Quantizer(scale, 0, -1, 1, "ROUND", True)
    if node.op_type == "Trunc":
        return _trunc(node, scale, params)
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


def _trunc(node, scale: np.ndarray, params) -> Quantizer:
    if len(params) != 5:   # opset 1's Trunc has no output scale and does not clip
        raise UnsupportedGraph(node, "a Trunc of QONNX opset 1", "Trunc of opset 2 (output scale and bit width), "
                               "as Brevitas exports it")
    zero_point, out_scale, out_bits = (np.asarray(params[i], dtype=np.float64) for i in (1, 3, 4))
    attrs = {a.name: a for a in node.attribute}
    rounding = attrs["rounding_mode"].s.decode() if "rounding_mode" in attrs else "FLOOR"
    if np.any(zero_point != 0) or out_bits.size != 1 or rounding.upper() != "FLOOR":
        raise UnsupportedGraph(node, f"Trunc with zero point {zero_point.ravel()[:4]}, rounding {rounding}",
                               "zero point 0 and FLOOR rounding, as Brevitas' TruncAvgPool")
    ratios = np.round(np.log2(out_scale / scale))
    if np.any(ratios != ratios.flat[0]) or ratios.flat[0] < 0:
        raise UnsupportedGraph(node, "Trunc's output scale is not one power of two (>= 1) of its input's")
    signed = bool(attrs["signed"].i) if "signed" in attrs else True
    narrow = bool(attrs["narrow"].i) if "narrow" in attrs else False
    bits = int(out_bits.item())
    q_min, q_max = int(min_int(signed, narrow, bits)), int(max_int(signed, narrow, bits))
    return Quantizer(scale, 0, q_min, q_max, "FLOOR", False, int(2 ** ratios.flat[0]), out_scale)


def thresholds(quant: Quantizer, alpha: Fraction, beta: Fraction, relu: bool,
               acc_lo: int, acc_hi: int) -> list[int]:
    """Thresholds over integer acc for one channel where z / s = alpha * acc + beta_z.

    `beta` already includes the zero point (v = z/s + zp = alpha*acc + beta); `relu` means
    z passed through max(0, .) first. Thresholds outside [acc_lo, acc_hi + 1] are clamped:
    acc_lo always fires, acc_hi + 1 never does.
    """
    out = []
    for code in quant.levels[1:]:
        c, strict = quant.condition(code)
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
