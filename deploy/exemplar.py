"""The exemplar as the tracker accelerator takes it: a capture frame of the search crop's size
(numpy only), as the build's reference backend (flow/targets/siamfc/backend.py) builds it. On the
board the accelerator's crop engine cuts the same canvas (deploy/crop_stream.py canvas_stream)."""

from __future__ import annotations

import numpy as np


def exemplar_canvas(exemplar: np.ndarray, side: int) -> np.ndarray:
    """(1, 3, e, e) exemplar at the top-left of a (1, 3, side, side) canvas of zeros (pixel 128
    in codes and in network input alike), its dtype kept."""
    canvas = np.zeros((1, 3, side, side), dtype=exemplar.dtype)
    e = exemplar.shape[-1]
    canvas[:, :, :e, :e] = exemplar
    return canvas
