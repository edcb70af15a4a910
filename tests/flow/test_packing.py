"""The one stream packing: element 0 in the low bits, two's complement, bipolar as {0, 1}."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from deploy.packing import element_type, to_codes
from flow.packing import pack_words, tensor_to_words, unpack_words, words_to_tensor


@pytest.mark.parametrize("dtype,elems", [("BIPOLAR", 13), ("INT4", 7), ("UINT2", 16), ("INT8", 3),
                                          ("UINT20", 9), ("INT32", 2), ("INT24", 3), ("UINT48", 2)])
def test_roundtrip(dtype, elems):
    """Whole-byte widths numpy has no integer for (24, 48 bits: a ResNet's accumulators) too."""
    dt = DataType[dtype]
    rng = np.random.default_rng(0)
    if dtype == "BIPOLAR":
        x = rng.choice([-1, 1], size=(4, 5, elems))
    else:
        x = rng.integers(int(dt.min()), int(dt.max()) + 1, size=(4, 5, elems))
    words = pack_words(x, dt)
    assert words.shape == (4, 5, (elems * dt.bitwidth() + 7) // 8)
    assert np.array_equal(unpack_words(words, elems, dt), x)


def test_bit_layout():
    # INT4 [1, -2] -> 0x1 | 0xE << 4 = 0xE1; bipolar [-1, 1, 1] -> 0b110
    assert pack_words(np.array([[1, -2]]), DataType["INT4"]).tolist() == [[0xE1]]
    assert pack_words(np.array([[-1, 1, 1]]), DataType["BIPOLAR"]).tolist() == [[0b110]]


def test_tensor_frames():
    x = np.arange(2 * 3 * 4).reshape(2, 3, 4) % 8
    words = tensor_to_words(x, 6, DataType["UINT3"])
    assert words.shape == (2, 2, 3)
    assert np.array_equal(words_to_tensor(words, x.shape, 6, DataType["UINT3"]), x)


@pytest.mark.parametrize("values,dtype,message", [
    ([[8]], "INT4", r"outside \[-8, 7\]"),
    ([[0]], "BIPOLAR", "0 is not a bipolar value"),
    ([[0.5]], "INT4", "not integers"),
])
def test_bad_values(values, dtype, message):
    with pytest.raises(ValueError, match=message):
        pack_words(np.array(values), DataType[dtype])


@pytest.mark.parametrize("dtype", ["INT8", "UINT8", "INT16", "UINT32", "INT32"])
def test_whole_byte_types_pack_as_the_bit_planes_do(dtype):
    et = element_type(dtype)
    values = np.random.default_rng(0).integers(et.min, et.max, (5, 7, 3), endpoint=True)
    codes = to_codes(values, dtype)
    planes = ((codes[..., None] >> np.arange(et.bits, dtype=np.uint64)) & np.uint64(1)).astype(np.uint8)
    expected = np.packbits(planes.reshape(5, 7, 3 * et.bits), axis=-1, bitorder="little")
    np.testing.assert_array_equal(pack_words(values, dtype), expected)
    np.testing.assert_array_equal(pack_words(values.astype(np.float64), dtype), expected)
    if et.bits <= 16:   # any integer dtype that holds the values (the tracker's crops: int16)
        np.testing.assert_array_equal(pack_words(values.astype(np.int32), dtype), expected)


@pytest.mark.parametrize("dtype,nbytes", [("INT29", 4), ("UINT29", 4), ("INT12", 2), ("UINT3", 1),
                                          ("INT33", 8), ("UINT7", 8)])
def test_one_element_words_unpack_as_the_bit_planes_do(dtype, nbytes):
    """One element per word of 1, 2, 4 or 8 bytes: read as an integer; the bits above the
    element's (set here at random) do not count, as in the bit-plane unpacking."""
    et = element_type(dtype)
    rng = np.random.default_rng(1)
    values = rng.integers(et.min, et.max, (4, 50, 1), endpoint=True)
    words = np.zeros((4, 50, nbytes), np.uint8)
    packed = pack_words(values, dtype)
    words[..., : packed.shape[-1]] = packed
    high = np.zeros_like(words)   # random bits above the element's
    high.reshape(-1).view(np.uint8)[:] = rng.integers(0, 256, high.size)
    keep = (np.arange(8 * nbytes) < et.bits).reshape(nbytes, 8)
    mask = np.packbits(keep, axis=-1, bitorder="little").reshape(-1)
    words = (words & mask) | (high & ~mask)
    planes = np.unpackbits(words, axis=-1, bitorder="little")[..., : et.bits]
    codes = (planes.astype(np.int64) << np.arange(et.bits)).sum(axis=-1, keepdims=True)
    expected = np.where(codes >= 2 ** (et.bits - 1), codes - 2 ** et.bits, codes) if et.signed else codes
    np.testing.assert_array_equal(unpack_words(words, 1, dtype), expected)
    np.testing.assert_array_equal(unpack_words(words, 1, dtype), values)
