"""Crops for the crop engine's tests (hw/rtl/bilinear_crop.v, hw/hls/bilinear_crop.hpp): each case
the engine distinguishes, as its input streams, with the Pillow kernel's bytes of the same crops."""

import numpy as np

from deploy import crop_stream
from deploy.crop import Cropper, fill_colour, region


def crops(h: int, w: int) -> list[tuple[tuple[float, float], float]]:
    """(centre (x, y), side) of each crop of an h x w frame."""
    rng = np.random.default_rng(h * w)
    fixed = [
        ((w / 2, h / 2), 0.6 * min(h, w)),        # inside, upscaled
        ((0.3, h / 2 + 0.4), 7.3),                 # across the left side
        ((w - 0.8, h / 2), 6.1),                   # the right
        ((w / 2 - 0.2, 0.7), 5.5),                 # the top
        ((w / 2, h - 1.3), 4.2),                   # the bottom: its last rows clamp
        ((-30.0, -20.0), 9.0),                     # outside: all fill
        ((w / 2 + 0.37, h / 2 - 0.21), 2.3 * max(h, w)),  # the whole frame and more, downscaled
        ((w / 3, h / 2), 1.6 * min(h, w)),         # downscaled, across top and bottom
    ]
    random = [(tuple(rng.uniform(-3, [w + 3, h + 3])), rng.uniform(1, 2.5 * max(h, w))) for _ in range(6)]
    return fixed + random


def crop_inputs(h: int, w: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(the crops' input streams (crops, bytes) int64, Pillow's codes (crops, n, n, 3) uint8)."""
    rng = np.random.default_rng(h + w)
    cropper = Cropper(n)
    streams, pillow, clamped, kinds = [], [], False, set()
    for center, side in crops(h, w):
        # a few levels: equal neighbours, where a rounding other than Pillow's truncates a byte lower
        frame = rng.choice(rng.integers(0, 256, 4), (h, w, 3)).astype(np.uint8)
        fill = fill_colour(frame)
        samples = region(frame.shape, center, side, n)
        streams.append(crop_stream.pack(samples, n, frame, fill))
        pixels = np.empty((n, n, 3), np.uint8)
        cropper(pixels, frame, center, side, fill)
        pillow.append(pixels ^ crop_stream.CODE)
        c0, c1, _, _, r0, r1, y, _ = samples
        clamped |= bool((y[r0:r1] + 1 >= h).any())
        kinds.add("outside" if r0 >= r1 or c0 >= c1 else "inside" if (r0, r1, c0, c1) == (0, n, 0, n) else "partly")
    assert clamped and kinds == {"inside", "partly", "outside"}
    return np.stack(streams).astype(np.int64), np.stack(pillow)
