"""Quantized weights as integers times a scale, computed exactly as qonnx executes them."""

from __future__ import annotations

import numpy as np
from qonnx.core.datatype import DataType
from qonnx.custom_op.general.intquant import resolve_rounding_mode

from flow.streamline.errors import UnsupportedGraph
from flow.streamline.quantizer import integer_dtype, parse_quantizer


def constant_value(model, name: str) -> np.ndarray | None:
    """An initializer, or the value of a weight/bias quantizer applied to one; else None."""
    value = model.get_initializer(name)
    if value is not None:
        return np.asarray(value)
    node = model.find_producer(name)
    if node is None or node.op_type not in ("Quant", "BipolarQuant"):
        return None
    if model.get_initializer(node.input[0]) is None:
        return None
    ints, scale, _ = integer_weights(model, name, node)
    return ints * scale


def integer_weights(model, name: str, consumer) -> tuple[np.ndarray, np.ndarray, DataType]:
    """(integers int64, scale float64 broadcastable, datatype) of a quantized weight tensor: a
    Quant/BipolarQuant of a constant, or a constant of integers (FINN-style QONNX, whose weights
    are integer initializers with the scales in the Mul nodes that follow)."""
    node = model.find_producer(name)
    if node is None and model.get_initializer(name) is not None:
        return _integer_constant(np.asarray(model.get_initializer(name)), name, consumer)
    if node is None or node.op_type not in ("Quant", "BipolarQuant"):
        raise UnsupportedGraph(consumer, f"weight '{name}' is not quantized",
                               "weights from a Quant or BipolarQuant of a constant, or integer constants")
    raw = model.get_initializer(node.input[0])
    if raw is None:
        raise UnsupportedGraph(node, "weight quantizer input is not a constant")
    quant = parse_quantizer(model, node)
    w = np.asarray(raw, dtype=np.float32)
    scale32 = np.asarray(model.get_initializer(node.input[1]), dtype=np.float32)
    if quant.bipolar:
        ints = np.where(w >= 0, 1, -1).astype(np.int64)
        return ints, np.broadcast_to(quant.scale, np.broadcast(w, quant.scale).shape) * 1.0, DataType["BIPOLAR"]
    # the same float32 steps as qonnx's Quant: x / s + zp, clip, round, - zp
    v = w / scale32 + np.float32(quant.zero_point)
    lo, hi = quant.lowest + quant.zero_point, quant.highest + quant.zero_point
    v = np.clip(v, lo, hi)
    ints = resolve_rounding_mode(quant.rounding)(v).astype(np.int64) - quant.zero_point
    scale = np.broadcast_to(quant.scale, np.broadcast(w, quant.scale).shape) * 1.0
    return ints, scale, integer_dtype(int(ints.min(initial=0)), int(ints.max(initial=0)))


def _integer_constant(w: np.ndarray, name: str, consumer):
    ints = np.round(w).astype(np.int64)
    if not np.array_equal(ints, w):
        raise UnsupportedGraph(consumer, f"weight '{name}' is a float constant with non-integer values "
                               "and no quantizer", "weights from a Quant or BipolarQuant of a constant, "
                               "or integer constants")
    return ints, np.ones_like(w, dtype=np.float64), integer_dtype(int(ints.min(initial=0)),
                                                                  int(ints.max(initial=0)))
