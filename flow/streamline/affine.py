"""Affine forms: how a real tensor of the QONNX graph is carried by an integer tensor.

real = scale * int + offset (then max(0, .) when `relu`), with scale and offset broadcastable
to the tensor's shape (batch axis of size 1). Linear float ops (BatchNorm, Mul, Add, Sub,
Div by constants) only change the form and emit no node; layout ops apply to the form as
they apply to the tensor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from qonnx.core.datatype import DataType


@dataclass(frozen=True)
class Affine:
    int_name: str          # tensor of the integer graph that holds the integers
    dtype: DataType        # range of those integers
    scale: np.ndarray
    offset: np.ndarray
    relu: bool = False

    def with_(self, **changes) -> Affine:
        return replace(self, **changes)

    def mul(self, c: np.ndarray) -> Affine:
        return self.with_(scale=self.scale * c, offset=self.offset * c)

    def add(self, c: np.ndarray) -> Affine:
        return self.with_(offset=self.offset + c)

    def full(self, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """Scale and offset expanded to the tensor's shape (batch 1)."""
        shape = (1, *shape[1:])
        return np.broadcast_to(self.scale, shape), np.broadcast_to(self.offset, shape)

    def per_channel(self, shape: tuple[int, ...], axis: int = 1) -> tuple[np.ndarray, np.ndarray] | None:
        """(scale[C], offset[C]) if both are constant along every axis but `axis`, else None."""
        scale, offset = self.full(shape)
        channels = shape[axis]
        s = np.moveaxis(scale, axis, -1).reshape(-1, channels)
        o = np.moveaxis(offset, axis, -1).reshape(-1, channels)
        if np.all(s == s[0]) and np.all(o == o[0]):
            return s[0].copy(), o[0].copy()
        return None

    def is_scalar_scale(self) -> bool:
        return bool(np.all(self.scale == np.asarray(self.scale).flat[0]))


def identity_form(int_name: str, dtype: DataType) -> Affine:
    return Affine(int_name, dtype, np.ones(1), np.zeros(1))


def channel_vector(values: np.ndarray, rank: int) -> np.ndarray:
    """A per-channel vector shaped to broadcast along axis 1 of an NC... tensor."""
    return np.asarray(values, dtype=np.float64).reshape((1, -1) + (1,) * (rank - 2))
