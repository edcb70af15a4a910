"""MobileNet v1 (models/mobilenet.py: brevitas_examples' quant_mobilenet_v1, w4a4) on 224x224
crops of scikit-image's photographs as [-1, 1) 8-bit inputs, for a Zynq UltraScale+ board (the
ZCU104): its 4.2 million 4-bit weights are 2.3 times the PYNQ-Z2's block RAM and more than the
ZCU104's, so the fold step puts the largest weight memories in UltraRAM, which the host loads at
run time. Seeded random weights with BatchNorm statistics calibrated on such crops: the example's
trained checkpoint is a GitHub release, not a package on a registry; the image is (p - 128) / 128,
not ImageNet's normalisation, which trained weights would take."""

from __future__ import annotations

import numpy as np
import torch

from flow.target import Target
from flow.targets.bnn_pynq import photo_crops
from flow.targets.calibration import SEED, calibrate_batchnorm

SIZE = 224
CALIBRATION_IMAGES = 32


def crops(count: int, seed: int) -> np.ndarray:
    """224 x 224 photo crops as the 8-bit input quantizer's values: multiples of 2^-7 in [-1, 1)."""
    images = photo_crops(count, seed, size=SIZE, scale=1.0) * 2 - 1
    return np.clip(np.round(images * 128), -128, 127).astype(np.float32) / 128


def mobilenet(seed: int = SEED) -> torch.nn.Module:
    from models.mobilenet import QuantMobileNetV1

    torch.manual_seed(seed)
    model = QuantMobileNetV1()
    calibrate_batchnorm(model, torch.from_numpy(crops(CALIBRATION_IMAGES, seed + 1)), seed)
    return model.eval()


TARGETS = {
    "mobilenet_v1": Target(
        "mobilenet_v1", "brevitas_examples' quant_mobilenet_v1 (w4a4, ImageNet): 13 depthwise-separable "
        "blocks, global average pool, dense; 224x224x3, top-1 output", mobilenet, crops,
        target_fps=100, top_k=1, board="zcu104", default_inputs=2, random_model=mobilenet,
        weights=f"random:{SEED} (no trained checkpoint on a registry)"),
}
