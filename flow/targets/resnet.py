"""Residual networks (models/resnet.py) on crops of scikit-image's photographs, as [-1, 1) 8-bit
inputs; seeded random weights with BatchNorm statistics calibrated on such crops (no trained
checkpoint of these networks is on a package registry, and CIFAR-10 cannot be fetched here).

- resnet8: the MLPerf Tiny image-classification ResNet (w4a4, 32x32x3, 16/32/64 channels). hls4ml
  runs its own quantized ResNet-8 on a PYNQ-Z2 at 130.8 inferences/s (MLPerf Tiny v1.0 results,
  open division, hls4ml RN08, host I/O included).
- residual_tiny: the same topology at 16x16x3 with 8/16 channels, a fast test target for the
  fork (DuplicateStreams), the join (AddStreams) and a strided skip convolution."""

from __future__ import annotations

import numpy as np
import torch

from flow.target import Target
from flow.targets.bnn_pynq import photo_crops
from flow.targets.calibration import SEED, calibrate_batchnorm


def crops(size: int):
    def make(count: int, seed: int) -> np.ndarray:
        """size x size photo crops as the 8-bit input quantizer's values: multiples of 2^-7 in [-1, 1)."""
        images = photo_crops(count, seed, size=size) * 2 - 1
        return np.clip(np.round(images * 128), -128, 127).astype(np.float32) / 128
    return make


def resnet_model(widths, size):
    def make(seed: int = SEED) -> torch.nn.Module:
        from models.resnet import ResNet

        torch.manual_seed(seed)
        model = ResNet(widths)
        calibrate_batchnorm(model, torch.from_numpy(crops(size)(256, seed + 1)), seed)
        return model.eval()
    return make


def _target(name, description, widths, size, fps, inputs):
    make = resnet_model(widths, size)
    return Target(name, description, make, crops(size), target_fps=fps, top_k=1, default_inputs=inputs,
                  random_model=make, weights=f"random:{SEED} (no trained checkpoint)")


TARGETS = {
    "resnet8": _target("resnet8", "MLPerf Tiny's ResNet-8 (w4a4): 3x3 stem, three residual blocks of 16, 32 "
                       "and 64 channels, global average pool, dense; 32x32x3, top-1 output",
                       (16, 32, 64), 32, 1000, 20),
    "residual_tiny": _target("residual_tiny", "a small ResNet (w4a4): 3x3 stem, an identity and a strided "
                             "residual block of 8 and 16 channels, global average pool, dense; 16x16x3, "
                             "top-1 output", (8, 16), 16, 2000, 20),
}
