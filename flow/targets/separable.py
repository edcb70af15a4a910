"""separable_tiny: a small depthwise-separable network (models/separable.py) on 16x16 crops of
scikit-image's photographs, as [-1, 1) 8-bit inputs; seeded random weights with BatchNorm statistics
calibrated on such crops. A fast target for the depthwise convolution (VVAU) and the global average
pool (GlobalSum): a build takes under a minute here. Its rate, 2,500 frames/s, is about the most a
depthwise window allows: one kernel position a cycle."""

from __future__ import annotations

import numpy as np
import torch

from flow.target import Target
from flow.targets.bnn_pynq import photo_crops
from flow.targets.calibration import SEED, calibrate_batchnorm


def crops(count: int, seed: int) -> np.ndarray:
    """16x16 photo crops as the 8-bit input quantizer's values: multiples of 2^-7 in [-1, 1)."""
    return np.clip(np.round((photo_crops(count, seed, size=16) * 2 - 1) * 128), -128, 127).astype(np.float32) / 128


def separable_model(seed: int = SEED) -> torch.nn.Module:
    from models.separable import Separable

    torch.manual_seed(seed)
    model = Separable()
    calibrate_batchnorm(model, torch.from_numpy(crops(256, seed + 1)), seed)
    return model.eval()


TARGETS = {
    "separable_tiny": Target(
        "separable_tiny", "a small depthwise-separable network (3x3 stem, two depthwise + pointwise blocks, "
        "global average pool, dense), 16x16x3, top-1 output",
        separable_model, crops, target_fps=2500, top_k=1, default_inputs=20,
        random_model=separable_model, weights=f"random:{SEED} (a test target, not trained)"),
}
