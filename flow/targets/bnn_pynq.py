"""The BNN-PYNQ targets: tfc_w1a1 and cnv_w1a1.

tfc_w1a1 and cnv_w1a1 are Brevitas' BNN-PYNQ networks (brevitas_examples.bnn_pynq). Their
trained weights are not shipped offline, so these targets build the networks with seeded
random weights and BatchNorm statistics calibrated on real images (MNIST digits for TFC,
32x32 crops of scikit-image's photographs for CNV), with random BatchNorm signs so negative
scales are exercised; `--checkpoint` loads trained weights instead. Hardware figures (cycles,
resources) do not depend on the weight values.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from flow.target import Target
from flow.targets.calibration import SEED, calibrate_batchnorm


def mnist_digits(count: int, seed: int) -> np.ndarray:
    from models.data.mnist import load_mnist

    images, _ = load_mnist("test")
    pick = np.random.default_rng(seed).choice(len(images), size=count, replace=count > len(images))
    return (images[pick].astype(np.float32) / 255.0)[:, None, :, :]


def photo_crops(count: int, seed: int, size: int = 32) -> np.ndarray:
    """Random size x size RGB crops of scikit-image's photographs (downscaled 4x), in [0, 1]."""
    from skimage import data, transform

    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket(), data.immunohistochemistry()]
    small = [transform.rescale(p, 0.25, channel_axis=2, anti_aliasing=True) for p in photos]
    rng = np.random.default_rng(seed)
    crops = []
    for _ in range(count):
        img = small[rng.integers(len(small))]
        y = rng.integers(img.shape[0] - size + 1)
        x = rng.integers(img.shape[1] - size + 1)
        crops.append(img[y:y + size, x:x + size].transpose(2, 0, 1))
    return np.stack(crops).astype(np.float32)


def bnn_pynq_model(name: str, calibration: Callable[[int, int], np.ndarray]) -> torch.nn.Module:
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    torch.manual_seed(SEED)
    model, _ = model_with_cfg(name, pretrained=False)
    calibrate_batchnorm(model, torch.from_numpy(calibration(256, SEED + 1)))
    return model.eval()


TARGETS = {
    "tfc_w1a1": Target(
        "tfc_w1a1", "BNN-PYNQ TFC-W1A1 (3 x 64 binary FC layers, MNIST 28x28), top-1 output",
        lambda: bnn_pynq_model("tfc_1w1a", mnist_digits), mnist_digits,
        target_fps=100_000, top_k=1),
    "cnv_w1a1": Target(
        "cnv_w1a1", "BNN-PYNQ CNV-W1A1 (6 binary conv + 3 binary FC layers, 32x32x3), top-1 output",
        lambda: bnn_pynq_model("cnv_1w1a", photo_crops), photo_crops,
        target_fps=3050, top_k=1,
        notes=["target fps 3050: about the FINN compiler's cnv_w1a1 on the same xc7z020 (finn-examples: "
               "3,020 images/s measured, 3,052 its folding's bound)"]),
}

