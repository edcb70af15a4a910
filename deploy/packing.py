"""The one stream packing shared by the Verilator harness, the HLS test bench and the driver.

A stream word carries `elems` elements of one datatype; element 0 sits in the least
significant bits. Signed values are two's complement in their bit width, a bipolar value
{-1, +1} is the bit {0, 1}. Words are stored little-endian in ceil(elems * bits / 8) bytes.
Tensors stream channels-last (NHWC), one frame (batch entry) after the other.

numpy only, so that it runs on the board: a datatype is given by its name (INT8, UINT4,
BINARY, BIPOLAR, TERNARY) or by anything with that `.name` (a qonnx DataType).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ElementType:
    name: str
    bits: int
    min: int
    max: int

    @property
    def signed(self) -> bool:
        return self.min < 0


def element_type(dtype) -> ElementType:
    """INT<k>, UINT<k>, BINARY, BIPOLAR or TERNARY, by name or from a qonnx DataType."""
    return _named_type(str(getattr(dtype, "name", dtype)))


@functools.cache   # the driver unpacks each tracker crop's outputs apart: no name parsed each time
def _named_type(name: str) -> ElementType:
    fixed = {"BINARY": (1, 0, 1), "BIPOLAR": (1, -1, 1), "TERNARY": (2, -1, 1)}
    if name in fixed:
        return ElementType(name, *fixed[name])
    match = re.fullmatch(r"(U?)INT(\d+)", name)
    if not match:
        raise ValueError(f"stream datatype {name!r} is not supported "
                         "(INT<k>, UINT<k>, BINARY, BIPOLAR, TERNARY)")
    bits = int(match.group(2))
    if match.group(1):
        return ElementType(name, bits, 0, (1 << bits) - 1)
    return ElementType(name, bits, -(1 << (bits - 1)), (1 << (bits - 1)) - 1)


def element_bits(dtype) -> int:
    return element_type(dtype).bits


def word_bytes(elems: int, dtype) -> int:
    return (elems * element_bits(dtype) + 7) // 8


def checked_integers(values, et: ElementType) -> np.ndarray:
    """values as an integer array (its own integer dtype, int64 from floats), in et's range."""
    v = np.asarray(values)
    if v.dtype.kind not in "iu":
        if not np.array_equal(v, np.round(v)):
            raise ValueError(f"packing {et.name}: values are not integers")
        v = v.astype(np.int64)
    if v.size and (v.min() < et.min or v.max() > et.max):
        raise ValueError(f"packing {et.name}: values span [{v.min()}, {v.max()}], "
                         f"outside [{et.min}, {et.max}]")
    return v


def to_codes(values: np.ndarray, dtype) -> np.ndarray:
    """Integer values -> unsigned bit patterns of dtype's width (checked against its range)."""
    et = element_type(dtype)
    v = checked_integers(values, et).astype(np.int64)
    if et.name == "BIPOLAR":
        if np.any(v == 0):
            raise ValueError("packing BIPOLAR: 0 is not a bipolar value")
        return (v > 0).astype(np.uint64)
    return (v & ((1 << et.bits) - 1)).astype(np.uint64)


def from_codes(codes: np.ndarray, dtype) -> np.ndarray:
    """Unsigned bit patterns -> integer values (int64)."""
    et = element_type(dtype)
    c = np.asarray(codes).astype(np.int64)
    if et.name == "BIPOLAR":
        return 2 * c - 1
    if et.signed:
        return np.where(c >= (1 << (et.bits - 1)), c - (1 << et.bits), c)
    return c


def pack_words(values: np.ndarray, dtype) -> np.ndarray:
    """(..., elems) integer values -> (..., word_bytes) uint8 words."""
    values = np.asarray(values)
    elems = values.shape[-1]
    bits = element_bits(dtype)
    et = element_type(dtype)
    if bits in (8, 16, 32, 64) and et.name != "BIPOLAR":
        # a numpy integer's bytes: each value's little-endian two's complement, no bit planes
        raw = checked_integers(values, et).astype(f"<{'i' if et.signed else 'u'}{bits // 8}")
        return raw.view(np.uint8).reshape(values.shape[:-1] + (elems * bits // 8,))
    codes = to_codes(values, dtype)
    shifts = np.arange(bits, dtype=np.uint64)
    bitplanes = ((codes[..., None] >> shifts) & np.uint64(1)).astype(np.uint8)
    flat = bitplanes.reshape(values.shape[:-1] + (elems * bits,))
    nbytes = word_bytes(elems, dtype)
    pad = nbytes * 8 - elems * bits
    if pad:
        flat = np.concatenate([flat, np.zeros(flat.shape[:-1] + (pad,), np.uint8)], axis=-1)
    return np.packbits(flat, axis=-1, bitorder="little")


def unpack_words(words: np.ndarray, elems: int, dtype) -> np.ndarray:
    """(..., word_bytes) uint8 words -> (..., elems) int64 values."""
    bits = element_bits(dtype)
    et = element_type(dtype)
    words = np.asarray(words, dtype=np.uint8)
    if bits in (8, 16, 32, 64) and et.name != "BIPOLAR":
        # a numpy integer's bytes: each value's little-endian two's complement (pack_words' layout)
        raw = np.ascontiguousarray(words[..., : elems * bits // 8])
        return raw.view(f"<{'i' if et.signed else 'u'}{bits // 8}").astype(np.int64)
    if elems == 1 and words.shape[-1] in (1, 2, 4, 8) and et.name != "BIPOLAR":
        # one element in a word of 1, 2, 4 or 8 bytes: the word as an integer, its low bits
        raw = np.ascontiguousarray(words).view(f"<u{words.shape[-1]}").astype(np.int64)
        if bits < 64:
            raw &= (1 << bits) - 1
        if et.signed and bits < 64:
            half = 1 << (bits - 1)
            raw ^= half
            raw -= half                  # two's complement: the sign bit weighs -2^(bits-1)
        return raw
    flat = np.unpackbits(np.asarray(words, dtype=np.uint8), axis=-1, bitorder="little")
    flat = flat[..., : elems * bits].reshape(words.shape[:-1] + (elems, bits)).astype(np.uint64)
    codes = (flat << np.arange(bits, dtype=np.uint64)).sum(axis=-1)
    return from_codes(codes, dtype)


def tensor_to_words(tensor: np.ndarray, elems: int, dtype) -> np.ndarray:
    """Channels-last tensor (N, ...) -> (N, words_per_frame, word_bytes)."""
    n = tensor.shape[0]
    per_frame = int(np.prod(tensor.shape[1:]))
    if per_frame % elems:
        raise ValueError(f"a frame of {per_frame} elements does not split into words of {elems}")
    return pack_words(tensor.reshape(n, per_frame // elems, elems), dtype)


def words_to_tensor(words: np.ndarray, shape: tuple, elems: int, dtype) -> np.ndarray:
    """(N, words_per_frame, word_bytes) -> channels-last tensor of `shape` (N, ...)."""
    return unpack_words(words, elems, dtype).reshape(shape)
