"""The BNN-PYNQ targets: tfc_w1a1 and cnv_w1a1.

tfc_w1a1 and cnv_w1a1 are Brevitas' BNN-PYNQ networks (brevitas_examples.bnn_pynq).
- tfc_w1a1 builds the trained weights shipped in models/checkpoints/tfc_w1a1.pt (trained here on
  the MNIST 10k subset, models/README.md says how), and its test inputs are held-out digits of that
  subset's test split with their labels, so every level's top-1 is reported.
- cnv_w1a1 has no trained weights: CIFAR-10 is not in any package registry reachable here (the
  README says which were checked), so it builds seeded random weights with BatchNorm statistics
  calibrated on 32x32 crops of scikit-image's photographs, its test inputs.
`--weights random:SEED` builds either with seeded random weights and random BatchNorm signs (so
negative scales are exercised), statistics calibrated on real images; `--checkpoint` loads other
trained weights. Cycle counts do not depend on the weight values; LUTs may, where weights become
logic.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
import torch

from flow.target import Target
from flow.targets.calibration import SEED, calibrate_batchnorm

CHECKPOINTS = Path(__file__).resolve().parents[2] / "models" / "checkpoints"


def mnist_test_set(count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """`count` distinct digits of the MNIST test split (models/data/mnist.py: without IDX files,
    the held-out 1,000 of the npm 10k subset), drawn by `seed`: [0, 1] images N x 1 x 28 x 28 and
    their labels."""
    from models.data.mnist import load_mnist

    images, labels = load_mnist("test")
    if count > len(images):
        raise ValueError(f"--inputs {count}: the MNIST test split holds {len(images)} images")
    pick = np.random.default_rng(seed).choice(len(images), size=count, replace=False)
    return (images[pick].astype(np.float32) / 255.0)[:, None, :, :], labels[pick]


def mnist_digits(count: int, seed: int) -> np.ndarray:
    return mnist_test_set(count, seed)[0]


def mnist_labels(count: int, seed: int) -> np.ndarray:
    return mnist_test_set(count, seed)[1]


def photo_crops(count: int, seed: int, size: int = 32, scale: float = 0.25) -> np.ndarray:
    """Random size x size RGB crops of scikit-image's photographs (scaled by `scale`), in [0, 1]."""
    from skimage import data, img_as_float, transform

    photos = [data.astronaut(), data.coffee(), data.chelsea(), data.rocket(), data.immunohistochemistry()]
    small = [img_as_float(p) if scale == 1 else transform.rescale(p, scale, channel_axis=2, anti_aliasing=True)
             for p in photos]
    rng = np.random.default_rng(seed)
    crops = []
    for _ in range(count):
        img = small[rng.integers(len(small))]
        y = rng.integers(img.shape[0] - size + 1)
        x = rng.integers(img.shape[1] - size + 1)
        crops.append(img[y:y + size, x:x + size].transpose(2, 0, 1))
    return np.stack(crops).astype(np.float32)


def bnn_pynq_model(name: str, calibration: Callable[[int, int], np.ndarray], seed: int = SEED) -> torch.nn.Module:
    """The network with seeded random weights and BatchNorm calibrated on real images."""
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    torch.manual_seed(seed)
    model, _ = model_with_cfg(name, pretrained=False)
    calibrate_batchnorm(model, torch.from_numpy(calibration(256, seed + 1)), seed)
    return model.eval()


def trained_model(name: str, checkpoint: Path) -> torch.nn.Module:
    from brevitas_examples.bnn_pynq.models import model_with_cfg

    model, _ = model_with_cfg(name, pretrained=False)
    model.load_state_dict(torch.load(checkpoint, map_location="cpu", weights_only=False)["model"])
    return model.eval()


def mnist_calibration(count: int, seed: int) -> np.ndarray:
    """Calibration digits from the training split: the test digits stay unseen."""
    from models.data.mnist import load_mnist

    images, _ = load_mnist("train")
    pick = np.random.default_rng(seed).choice(len(images), size=count, replace=False)
    return (images[pick].astype(np.float32) / 255.0)[:, None, :, :]


TFC_CHECKPOINT = CHECKPOINTS / "tfc_w1a1.pt"
# the shipped file as training wrote it (models/README.md: how it was made); tests check it
TFC_CHECKPOINT_SHA256 = "707cbe366abc329435131f2f89dfd76683916370368a308141d055cd9fee2b14"

TARGETS = {
    "tfc_w1a1": Target(
        "tfc_w1a1", "BNN-PYNQ TFC-W1A1 (3 x 64 binary FC layers, MNIST 28x28), top-1 output",
        partial(trained_model, "tfc_1w1a", TFC_CHECKPOINT), mnist_digits,
        target_fps=100_000, top_k=1, data_files=(TFC_CHECKPOINT,),
        random_model=partial(bnn_pynq_model, "tfc_1w1a", mnist_calibration), make_labels=mnist_labels,
        weights="trained on the MNIST 10k subset (models/checkpoints/tfc_w1a1.pt)"),
    "cnv_w1a1": Target(
        "cnv_w1a1", "BNN-PYNQ CNV-W1A1 (6 binary conv + 3 binary FC layers, 32x32x3), top-1 output",
        partial(bnn_pynq_model, "cnv_1w1a", photo_crops), photo_crops,
        target_fps=3050, top_k=1, random_model=partial(bnn_pynq_model, "cnv_1w1a", photo_crops),
        weights=f"random:{SEED} (no CIFAR-10 here to train on)",
        notes=["target fps 3050: about the FINN compiler's cnv_w1a1 on the same xc7z020 (finn-examples: "
               "3,020 images/s measured, 3,052 its folding's bound)"]),
}
