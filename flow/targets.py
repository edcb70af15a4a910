"""Build targets: a name for (model + weights + test inputs + board + clock + folding goal).

tfc_w1a1 and cnv_w1a1 are Brevitas' BNN-PYNQ networks (brevitas_examples.bnn_pynq). Their
trained weights are not shipped offline, so these targets build the networks with seeded
random weights and BatchNorm statistics calibrated on real images (MNIST digits for TFC,
32x32 crops of scikit-image's photographs for CNV), with random BatchNorm signs so negative
scales are exercised; `--checkpoint` loads trained weights instead. Hardware figures (cycles,
resources) do not depend on the weight values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import numpy as np
import torch

from flow import siamfc_target

SEED = 0


@dataclass(frozen=True)
class Target:
    name: str
    description: str
    make_model: Callable[[], torch.nn.Module]
    make_inputs: Callable[[int, int], np.ndarray]    # (count, seed) -> float inputs N x ...
    target_fps: float | None = None
    top_k: int | None = None                          # append TopK -> LabelSelect (classifiers)
    board: str = "pynq_z2"
    clock_mhz: float = 100.0
    notes: list[str] = field(default_factory=list)
    # --checkpoint file -> model, for checkpoints that are not a bare state_dict of make_model()
    load_checkpoint: Callable[[Path], torch.nn.Module] | None = None
    default_inputs: int = 100                         # test inputs unless --inputs says otherwise
    correlation_pairs: int = 0                        # > 0: the tracker step (flow/steps_tracker.py)


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


def calibrate_batchnorm(model: torch.nn.Module, images: torch.Tensor) -> None:
    """Random BatchNorm signs and offsets, then running statistics measured on `images`."""
    gen = torch.Generator().manual_seed(SEED)
    norms = [m for m in model.modules() if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d))]
    for bn in norms:
        bn.weight.data = torch.randn(bn.num_features, generator=gen)
        bn.bias.data = 0.1 * torch.randn(bn.num_features, generator=gen)
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for batch in images.split(64):
            model(batch)
    model.eval()


TARGETS = {
    "tfc_w1a1": Target(
        "tfc_w1a1", "BNN-PYNQ TFC-W1A1 (3 x 64 binary FC layers, MNIST 28x28), top-1 output",
        lambda: bnn_pynq_model("tfc_1w1a", mnist_digits), mnist_digits,
        target_fps=100_000, top_k=1),
    "cnv_w1a1": Target(
        "cnv_w1a1", "BNN-PYNQ CNV-W1A1 (6 binary conv + 3 binary FC layers, 32x32x3), top-1 output",
        lambda: bnn_pynq_model("cnv_1w1a", photo_crops), photo_crops,
        target_fps=3050, top_k=1,
        notes=["target fps 3050: FINN's published BNN-PYNQ CNV-W1A1 figure on PYNQ-Z1 (same xc7z020)"]),
    "siamfc_binary": Target(
        "siamfc_binary", "SiamFC tracker backbone, preset binary (INT8 image x INT4, W1A1 hidden, "
        "INT4 last layer, INT8 features), 255x255 search crop -> 49x49x32",
        siamfc_target.siamfc_backbone, siamfc_target.search_crops,
        target_fps=siamfc_target.SEARCH_IMAGES_PER_SECOND,
        load_checkpoint=siamfc_target.siamfc_backbone, default_inputs=siamfc_target.DEFAULT_INPUTS,
        correlation_pairs=siamfc_target.CORRELATION_PAIRS,
        notes=[siamfc_target.FPS_NOTE]),
    "siamfc_int4": Target(
        "siamfc_int4", "SiamFC tracker backbone, preset int4 (INT8 image x INT4, W4A4 hidden on the "
        "INT4 MAC engine, INT8 features), 255x255 search crop -> 49x49x32",
        partial(siamfc_target.untrained_backbone, "int4"), siamfc_target.search_crops,
        target_fps=siamfc_target.SEARCH_IMAGES_PER_SECOND,
        load_checkpoint=siamfc_target.siamfc_backbone, default_inputs=siamfc_target.DEFAULT_INPUTS,
        correlation_pairs=siamfc_target.CORRELATION_PAIRS,
        notes=[siamfc_target.FPS_NOTE, siamfc_target.UNTRAINED_NOTE]),
}


def get_target(name: str) -> Target:
    if name not in TARGETS:
        raise ValueError(f"unknown target '{name}' (known: {', '.join(sorted(TARGETS))}; "
                         "or build any QONNX file with --model FILE)")
    return TARGETS[name]
