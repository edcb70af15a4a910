"""A crop as the fabric's crop engine takes it (hw/rtl/bilinear_crop.v, hw/hls/bilinear_crop.hpp):
a header of the crop's samples, then the whole frame, in 64-bit little-endian stream words.

The host keeps Pillow's float64 sample arithmetic (deploy/crop.py region(); on the board
deploy/crop_header.c, Headers): a few hundred numbers a crop. The engine does the per-pixel work,
the interpolation, in float64 step for step as Pillow does (upper + (lower - upper) * dy of
left + (right - left) * dx, each rounded to nearest even, truncated to a byte), so its crops are
Pillow's bytes. The frame goes whole, not only the rows a crop reads: the same bytes every scale,
and the engine's input has a fixed size.

Header, header_words(n) words for an n x n crop:
    word 0          r0 | r1 << 16 | c0 << 32 | c1 << 48: output rows [r0, r1) and columns
                    [c0, c1) sample inside the frame, the others take the fill colour
    word 1          the fill colour's three INT8 codes (bytes 0-2), the other bytes 0
    words 2 + c     output column c's weight dx (float64 bits), c < n
    words 2+n + c   its frame columns (clamped to the frame): 3 * left, the byte of the left
                    pixel in its row, | (right == left) << 32
    words 2+2n + r  output row r's weight dy
    words 2+3n + r  its frame rows: top | bottom << 16 (clamped; bottom = top below the last row)
Entries outside [c0, c1) and [r0, r1) are 0. Then the frame's H x W x 3 bytes, row by row, the
last word padded with zeros. The engine writes n x n pixels of 3 INT8 codes (pixel ^ 0x80,
pixel - 128 in two's complement), row by row.
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import NamedTuple

import numpy as np

from deploy import native
from deploy.crop import Region, region

CODE = 0x80   # XORed into a pixel's bytes: its INT8 code, pixel - 128
WORD_BYTES = 8


class FrameCrops(NamedTuple):
    """A tracker frame's search crops, left for a backend with a crop engine to cut: the frame
    (H, W, 3) uint8, the crops' centre (x, y) and sides (frame pixels), the fill colour."""
    frame: np.ndarray
    center: np.ndarray
    sides: np.ndarray
    fill: np.ndarray

    def regions(self, n: int) -> list[Region]:
        """Each crop's samples, n x n (deploy/crop.py region())."""
        return [region(self.frame.shape, self.center, side, n) for side in self.sides]


def header_words(n: int) -> int:
    return 2 + 4 * n


def frame_words(height: int, width: int) -> int:
    return -(-height * width * 3 // WORD_BYTES)


def stream_words(n: int, height: int, width: int) -> int:
    """Words of one crop's input: header and frame."""
    return header_words(n) + frame_words(height, width)


def header(samples: Region, n: int, frame_shape, fill) -> np.ndarray:
    """The header of the crop whose samples are `samples` (deploy/crop.py region()) in a frame of
    frame_shape (H, W, ...), fill the uint8 colour outside: header_words(n) uint64 words."""
    h, w = frame_shape[:2]
    c0, c1, x, dx, r0, r1, y, dy = samples
    if r0 >= r1 or c0 >= c1:   # nothing inside the frame: every pixel the fill colour
        r0 = r1 = c0 = c1 = 0
    if max(h, w) >= 1 << 16 or n >= 1 << 16:
        raise ValueError(f"the crop engine takes frames and crops under 65,536 pixels a side, got "
                         f"a {h} x {w} frame and an {n} x {n} crop")
    words = np.zeros(header_words(n), np.uint64)
    words[0] = r0 | r1 << 16 | c0 << 32 | c1 << 48
    codes = np.asarray(fill, np.uint8) ^ CODE
    words[1] = int(codes[0]) | int(codes[1]) << 8 | int(codes[2]) << 16
    cols, rows = slice(c0, c1), slice(r0, r1)
    words[2:2 + n][cols] = np.asarray(dx, np.float64)[cols].view(np.uint64)
    left, right = np.clip(x[cols], 0, w - 1), np.clip(x[cols] + 1, 0, w - 1)
    words[2 + n:2 + 2 * n][cols] = (3 * left).astype(np.uint64) | (right == left).astype(np.uint64) << np.uint64(32)
    words[2 + 2 * n:2 + 3 * n][rows] = np.asarray(dy, np.float64)[rows].view(np.uint64)
    top = np.clip(y[rows], 0, h - 1)
    bottom = np.where(y[rows] + 1 < h, y[rows] + 1, top)
    words[2 + 3 * n:][rows] = top.astype(np.uint64) | bottom.astype(np.uint64) << np.uint64(16)
    return words


def pack(samples: Region, n: int, frame: np.ndarray, fill) -> np.ndarray:
    """A crop's whole input: header then frame, as uint8 bytes (stream_words(n, H, W) * 8)."""
    h, w = frame.shape[:2]
    out = np.zeros(stream_words(n, h, w) * WORD_BYTES, np.uint8)
    head = header(samples, n, frame.shape, fill).view(np.uint8)
    out[:head.size] = head
    out[head.size:head.size + frame.size] = np.ascontiguousarray(frame, np.uint8).reshape(-1)
    return out


class Headers:
    """header() of a crop given by its centre and side, by deploy/crop_header.c: the samples
    and the words computed there, as region() and header() compute them, written into the
    caller's words (the board's DMA buffer)."""

    def __init__(self, n: int):
        self.n = n
        self.x, self.y = np.empty(n, np.intp), np.empty(n, np.intp)
        self.dx, self.dy = np.empty(n), np.empty(n)
        self.samples = tuple(a.ctypes.data for a in (self.x, self.dx, self.y, self.dy))   # kept: asked once
        size, pointer, real = ctypes.c_ssize_t, ctypes.c_void_p, ctypes.c_double
        # h, w, n, cx, cy, side, fill, words, x, dx, y, dy
        self.kernel = native.kernel(Path(__file__).with_name("crop_header.c"), "crop_header",
                                    [size, size, size, real, real, real, *[pointer] * 6])

    def __call__(self, words: np.ndarray, frame_shape, center, side: float, fill) -> None:
        """words: uint64, header_words(n) of them, C-contiguous; fill: 3 uint8."""
        fill = np.ascontiguousarray(fill, np.uint8)
        if words.shape != (header_words(self.n),) or words.dtype != np.uint64 or not words.flags.c_contiguous:
            raise ValueError(f"an {self.n} x {self.n} crop's header is {header_words(self.n)} C-contiguous uint64 "
                             f"words, got {words.dtype} {words.shape}")
        if fill.shape != (3,):
            raise ValueError(f"the fill colour is 3 bytes, got {fill.shape}")
        self.kernel(frame_shape[0], frame_shape[1], self.n, float(center[0]), float(center[1]), float(side),
                    fill.ctypes.data, words.ctypes.data, *self.samples)


def crop_codes(stream: np.ndarray, n: int, height: int, width: int) -> np.ndarray:
    """The engine's output for one crop's input bytes (pack()): n x n x 3 uint8 codes. The numpy
    model of hw/rtl/bilinear_crop.v, in numpy's float64 (IEEE, no fused multiply-add)."""
    stream = np.ascontiguousarray(stream, np.uint8).reshape(-1)
    expected = stream_words(n, height, width) * WORD_BYTES
    if stream.size != expected:
        raise ValueError(f"a {n} x {n} crop of a {height} x {width} frame takes {expected} stream "
                         f"bytes, got {stream.size}")
    words = stream[:header_words(n) * WORD_BYTES].view(np.uint64)
    frame = stream[header_words(n) * WORD_BYTES:][:height * width * 3].reshape(height, width, 3)
    r0, r1, c0, c1 = (int(words[0]) >> s & 0xFFFF for s in (0, 16, 32, 48))
    out = np.empty((n, n, 3), np.uint8)
    out[:] = np.frombuffer(int(words[1]).to_bytes(8, "little")[:3], np.uint8)
    if r0 >= r1 or c0 >= c1:
        return out
    cols, rows = slice(2 + c0, 2 + c1), slice(2 + 2 * n + r0, 2 + 2 * n + r1)
    dx = words[cols].view(np.float64)[None, :, None]
    left = (words[n:][cols] & np.uint64(0xFFFFFFFF)).astype(np.intp) // 3
    right = left + (words[n:][cols] >> np.uint64(32) == 0)
    dy = words[rows].view(np.float64)[:, None, None]
    top, bottom = (words[n:][rows] >> np.uint64(s) & np.uint64(0xFFFF) for s in (0, 16))

    def along_x(frame_rows):
        a = frame[frame_rows.astype(np.intp)][:, left].astype(np.float64)
        b = frame[frame_rows.astype(np.intp)][:, right].astype(np.float64)
        return a + (b - a) * dx

    upper, lower = along_x(top), along_x(bottom)
    out[r0:r1, c0:c1] = (upper + (lower - upper) * dy).astype(np.uint8) ^ CODE
    return out


def canvas_stream(pixels: np.ndarray, n: int, frame_shape) -> np.ndarray:
    """The input whose crop is SiamFC's exemplar canvas: the k x k x 3 uint8 `pixels` at the top
    left of an n x n crop, pixel value 128 (code 0) elsewhere. The pixels go into a frame of
    frame_shape (H, W, ...) at its top left, and each of the canvas' k x k pixels samples one
    of them with weight 0: a + (b - a) * 0 is a, exactly."""
    k = len(pixels)
    h, w = frame_shape[:2]
    if pixels.shape != (k, k, 3) or not k <= min(n, h, w):
        raise ValueError(f"a canvas of side {n} from a {h} x {w} frame holds up to "
                         f"{min(n, h, w)} x {min(n, h, w)} x 3 pixels, got {pixels.shape}")
    frame = np.full((h, w, 3), 128, np.uint8)
    frame[:k, :k] = pixels
    at, weight = np.arange(n), np.zeros(n)
    return pack(Region(0, k, at, weight, 0, k, at, weight), n, frame, (128, 128, 128))
