"""SiamFC's crops in numpy: a square region of a frame, bilinearly resized (numpy only: it runs on
the board).

The arithmetic is Pillow's `Image.transform(..., AFFINE, BILINEAR)` (libImaging/Geometry.c,
affine_transform and bilinear_filter32RGB) step for step in float64, so the crops are the bytes
Pillow makes, which models/data/pairs.py crops training pairs with (tests/models check this on
random regions): output pixel (r, c) samples the frame at x = scale * (c + 0.5) + x0 and
y = scale * (r + 0.5) + y0; a sample outside [0, W) x [0, H) takes the fill colour; inside, the
two rows around y - 0.5 are interpolated along x (columns clamped to the frame), then the pair
along y (the second row dropped below the frame's last), and the result truncated to uint8.

The region is axis-aligned, so the x and y interpolations are separable: each needed frame row is
interpolated along x once per output column, then each output row blends two of those rows.
"""

from __future__ import annotations

import numpy as np


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
    """Per output index along one axis: inside the frame, first/second source index, weight."""
    at = scale * (np.arange(out_size) + 0.5) + origin
    inside = (at >= 0) & (at < limit)
    at = at - 0.5
    first = np.floor(at)
    weight = at - first
    first = first.astype(np.intp)
    return inside, first, weight


def crop(frame: np.ndarray, center, side: float, out_size: int, fill=None) -> np.ndarray:
    """The square of `side` frame pixels centred at (cx, cy), bilinearly resized to out_size.

    frame: uint8 (H, W, 3); coordinates are continuous (pixel (r, c) covers [c, c+1) x [r, r+1));
    pixels outside the frame take `fill` (uint8 colour; default: fill_colour(frame)).
    -> uint8 (out_size, out_size, 3)."""
    if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3:
        raise ValueError(f"crop needs a uint8 H x W x 3 frame, got {frame.dtype} {frame.shape}")
    h, w = frame.shape[:2]
    fill = fill_colour(frame) if fill is None else np.asarray(fill, np.uint8)
    scale = side / out_size
    in_x, x, dx = _samples(center[0] - side / 2, scale, out_size, w)
    in_y, y, dy = _samples(center[1] - side / 2, scale, out_size, h)
    x0, x1 = np.clip(x, 0, w - 1), np.clip(x + 1, 0, w - 1)
    top = np.clip(y, 0, h - 1)
    bottom = np.where((y + 1 >= 0) & (y + 1 < h), y + 1, top)   # Pillow: the first row's value
    rows, index = np.unique(np.concatenate([top, bottom]), return_inverse=True)
    # the frame's rows as (W * 3) columns: a column index per output column and channel
    band = frame.reshape(h, w * 3)[rows]
    channels = np.arange(3)
    left = band[:, (3 * x0[:, None] + channels).ravel()].astype(np.float64)
    along_x = band[:, (3 * x1[:, None] + channels).ravel()].astype(np.float64)
    along_x -= left                      # the integer difference, exactly
    along_x *= np.repeat(dx, 3)
    along_x += left                      # (rows, out * 3)
    upper, lower = along_x[index[:out_size]], along_x[index[out_size:]]
    lower -= upper
    lower *= dy[:, None]
    lower += upper
    out = lower.astype(np.uint8).reshape(out_size, out_size, 3)   # truncation, as (UINT8)
    if not (in_x.all() and in_y.all()):
        out[~(in_y[:, None] & in_x[None, :])] = fill
    return out
