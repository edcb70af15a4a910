"""SiamFC's crops: a square region of a frame, bilinearly resized (numpy and a C kernel built on
the machine, deploy/native.py: it runs on the board).

The arithmetic is Pillow's `Image.transform(..., AFFINE, BILINEAR)` (libImaging/Geometry.c,
affine_transform and bilinear_filter32RGB) step for step in float64, so the crops are the bytes
Pillow makes, which models/data/pairs.py crops training pairs with (tests/models check this on
random regions): output pixel (r, c) samples the frame at x = scale * (c + 0.5) + x0 and
y = scale * (r + 0.5) + y0; a sample outside [0, W) x [0, H) takes the fill colour; inside, the
two rows around y - 0.5 are interpolated along x (columns clamped to the frame), then the pair
along y (the second row dropped below the frame's last), and the result truncated to uint8.

The region is axis-aligned, so the x and y interpolations are separable. Cropper computes each
axis' samples here (numpy, a few hundred values) and leaves the interpolation of the samples
inside the frame to deploy/pillow_crop.c: in numpy it took a dozen passes over arrays larger than
the cache, about 1 ms a crop on this project's x86 host; compiled, each frame row is
interpolated along x once and each output pixel is written once, into the caller's array (the
tracker's search crops). On the board the accelerator cuts the search crops itself, with the
same arithmetic (its crop engine, deploy/crop_stream.py), from these samples. OpenCVCropper cuts
the same regions with OpenCV's fixed-point warpAffine: not Pillow's bytes, only where chosen
(CROPPERS names both).
"""

from __future__ import annotations

import ctypes
from pathlib import Path
from typing import NamedTuple

import numpy as np

from deploy import native


def exemplar_side(width: float, height: float, context: float = 0.5) -> float:
    """Side (frame pixels) of SiamFC's exemplar region around a width x height target: the
    square of sqrt((w + p)(h + p)), p = context * (w + h)."""
    if width <= 0 or height <= 0:
        raise ValueError(f"target size must be positive, got {width} x {height}")
    margin = context * (width + height)
    return float(np.sqrt((width + margin) * (height + margin)))


def fill_colour(frame: np.ndarray) -> np.ndarray:
    """The frame's mean colour, rounded as Pillow rounds a fill colour."""
    return np.array([int(round(float(v))) for v in frame.reshape(-1, 3).mean(axis=0)], np.uint8)


def _samples(origin: float, scale: float, out_size: int, limit: int):
    """Along one axis: the output indices [start, stop) whose samples fall inside the frame (a
    range: the samples are monotonic), and per output index the first source index and weight
    (Pillow's float64 arithmetic)."""
    at = np.arange(out_size) + 0.5
    at *= scale
    at += origin
    inside = np.flatnonzero((at >= 0) & (at < limit))
    at -= 0.5
    first = np.floor(at)
    at -= first                          # the weight
    start, stop = (int(inside[0]), int(inside[-1]) + 1) if inside.size else (0, 0)
    return start, stop, first.astype(np.intp), at


class Region(NamedTuple):
    """A crop's samples (_samples): output columns [c0, c1) and rows [r0, r1) inside the frame,
    each output column's first source column x and weight dx, each row's y and dy."""
    c0: int
    c1: int
    x: np.ndarray
    dx: np.ndarray
    r0: int
    r1: int
    y: np.ndarray
    dy: np.ndarray


def region(frame_shape, center, side: float, out_size: int) -> Region:
    """The samples of the square of `side` frame pixels centred at (cx, cy), out_size a side:
    computed once per crop, whichever thread cuts which rows of it."""
    scale = side / out_size
    return Region(*_samples(center[0] - side / 2, scale, out_size, frame_shape[1]),
                  *_samples(center[1] - side / 2, scale, out_size, frame_shape[0]))


def fill_outside(out: np.ndarray, r0: int, r1: int, c0: int, c1: int, fill) -> None:
    """The fill colour in out (rows, n, 3) outside rows [r0, r1) x columns [c0, c1), a row at a time."""
    height, n, size = out.shape
    if (r0, r1, c0, c1) == (0, height, 0, n):
        return
    rows, colour = out.reshape(height, size * n), np.tile(np.asarray(fill, np.uint8), n)
    rows[:r0], rows[r1:] = colour, colour
    rows[r0:r1, : size * c0], rows[r0:r1, size * c1:] = colour[: size * c0], colour[size * c1:]


def check_crop_arrays(out: np.ndarray, frame: np.ndarray, n: int) -> None:
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"crop needs a uint8 H x W x 3 frame, got {frame.dtype} {frame.shape}")
    if out.shape != (n, n, 3) or out.dtype != np.uint8 or not out.flags.c_contiguous:
        raise ValueError(f"this crop is written into a C-contiguous uint8 {n} x {n} x 3 array, "
                         f"got {out.dtype} {out.shape}")


class Cropper:
    """crop() into a given array, by deploy/pillow_crop.c: the samples' indices and weights are
    computed here, the interpolation there (two frame rows along x at a time, then along y)."""

    def __init__(self, out_size: int):
        self.n = out_size
        self.rows = np.empty(2 * 3 * out_size)   # the kernel's two rows along x
        size, pointer = ctypes.c_ssize_t, ctypes.c_void_p
        # frame, h, w, out, n, r0, r1, c0, c1, x, dx, y, dy, rows
        self.interpolate = native.kernel(Path(__file__).with_name("pillow_crop.c"), "pillow_crop",
                                         [pointer, size, size, pointer, *[size] * 5, *[pointer] * 5])

    def __call__(self, out: np.ndarray, frame: np.ndarray, center, side: float, fill, rows=None,
                 samples: Region | None = None) -> None:
        """The square of `side` frame pixels centred at (cx, cy) -> out, uint8 (n, n, 3) (a
        view into a bigger array will do); outside the frame, `fill` (uint8 colour). rows: only
        the output rows [start, stop), so that two threads (each with its Cropper) share a crop;
        samples: its region(), where the caller has it already."""
        n = self.n
        check_crop_arrays(out, frame, n)
        frame = np.ascontiguousarray(frame)
        h, w = frame.shape[:2]
        start, stop = (0, n) if rows is None else rows
        if not 0 <= start <= stop <= n:
            raise ValueError(f"output rows [{start}, {stop}) are not rows of a {n} x {n} crop")
        c0, c1, x, dx, r0, r1, y, dy = samples or region(frame.shape, center, side, n)
        r0, r1 = min(max(r0, start), stop), max(min(r1, stop), start)
        fill_outside(out[start:stop], r0 - start, r1 - start, c0, c1, np.asarray(fill, np.uint8))
        if r0 == r1 or c0 == c1:
            return
        self.interpolate(frame.ctypes.data, h, w, out.ctypes.data, n, r0, r1, c0, c1, x.ctypes.data,
                         dx.ctypes.data, y.ctypes.data, dy.ctypes.data, self.rows.ctypes.data)


class OpenCVCropper:
    """Cropper's regions cut by OpenCV's warpAffine (bilinear, fixed point: sample positions on a
    1/32-pixel grid, weights of 15 bits), which the PYNQ-Z2 image ships (OpenCV 4.5): one call
    per crop in compiled code, but not Pillow's bytes, so only where chosen (TrackerConfig's
    crops = "opencv"; benchmarks/siamfc_tracker_equivalence.py --crops opencv measures where the
    boxes differ). The same samples and borders as Pillow's: output pixel c samples frame x =
    scale (c + 0.5) + x0, the pixel-centre coordinate OpenCV takes is that less 0.5; the frame's
    edge pixels repeat between the frame's last pixel centre and its border; samples outside the
    frame take the fill colour."""

    def __init__(self, out_size: int):
        try:
            import cv2
        except ImportError as err:
            raise ValueError("OpenCV crops need OpenCV (import cv2 failed: the PYNQ-Z2 image ships it; "
                             "on a host, pip install opencv-python-headless)") from err
        self.cv2, self.n = cv2, out_size

    def __call__(self, out: np.ndarray, frame: np.ndarray, center, side: float, fill, rows=None,
                 samples: Region | None = None) -> None:
        """As Cropper's; rows: the whole crop only (OpenCV threads by itself)."""
        cv2, n = self.cv2, self.n
        if rows not in (None, (0, n)):
            raise ValueError(f"OpenCV crops are cut whole, not output rows {rows}")
        check_crop_arrays(out, frame, n)
        scale, x0, y0 = side / n, center[0] - side / 2, center[1] - side / 2
        c0, c1, _, _, r0, r1, _, _ = samples or region(frame.shape, center, side, n)
        to_frame = np.array([[scale, 0.0, scale / 2 + x0 - 0.5], [0.0, scale, scale / 2 + y0 - 0.5]])
        cv2.warpAffine(frame, to_frame, (n, n), dst=out, flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                       borderMode=cv2.BORDER_REPLICATE)
        fill_outside(out, r0, r1, c0, c1, fill)


CROPPERS = {"pillow": Cropper, "opencv": OpenCVCropper}


def crop(frame: np.ndarray, center, side: float, out_size: int, fill=None, kind: str = "pillow") -> np.ndarray:
    """The square of `side` frame pixels centred at (cx, cy), bilinearly resized to out_size.

    frame: uint8 (H, W, 3); coordinates are continuous (pixel (r, c) covers [c, c+1) x [r, r+1));
    pixels outside the frame take `fill` (uint8 colour; default: fill_colour(frame)); kind: a
    name of CROPPERS. -> uint8 (out_size, out_size, 3)."""
    out = np.empty((out_size, out_size, 3), np.uint8)
    fill = fill_colour(frame) if fill is None else np.asarray(fill, np.uint8)
    CROPPERS[kind](out_size)(out, frame, center, side, fill)
    return out
