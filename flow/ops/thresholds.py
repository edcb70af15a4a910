"""Multi-threshold activation, shared by MVAU (absorbed thresholds) and Thresholding.

An output level is the number of thresholds the input reaches (x >= t), plus act_bias; a
bipolar output maps the count {0, 1} to {-1, +1}. Thresholds are integers, ascending per
channel, shape (channels, levels - 1).
"""

from __future__ import annotations

import numpy as np
from qonnx.core.datatype import DataType


def apply_thresholds(
    acc: np.ndarray, thresholds: np.ndarray, out_dtype: DataType, act_bias: int
) -> np.ndarray:
    """acc (..., C) integers, thresholds (C, T) -> activations (..., C) (int64)."""
    count = (np.asarray(acc)[..., None] >= np.asarray(thresholds)).sum(axis=-1).astype(np.int64)
    if out_dtype == DataType["BIPOLAR"]:
        return 2 * count - 1
    return count + act_bias


def clamp_thresholds(thresholds: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Clamp to [lo, hi + 1]: lo always fires, hi + 1 never does, for inputs in [lo, hi]."""
    return np.clip(np.asarray(thresholds, dtype=np.int64), lo, hi + 1)


def threshold_bits(lo: int, hi: int) -> int:
    """Signed two's complement width holding every clamped threshold in [lo, hi + 1]."""
    return signed_bits(lo, hi + 1)


def signed_bits(lo: int, hi: int) -> int:
    """Smallest two's complement width holding [lo, hi]."""
    bits = 1
    while not (-(1 << (bits - 1)) <= lo and hi <= (1 << (bits - 1)) - 1):
        bits += 1
    return bits
