"""Exemplar/search pairs for Siamese training, with SiamFC's crop geometry and score-map labels.

Crop geometry (Bertinetto et al., SiamFC): for a target box of size (w, h) the context margin is
p = (w + h) / 2 and the exemplar region is a square of side sqrt((w + p)(h + p)) centred on the
target, resized to 127x127; the search region is the same square scaled by 255 / 127, resized to
255x255, so the target has the same size in both crops. Regions that leave the frame are filled
with the frame's mean colour. The tracker crops with the same functions.

Labels: score-map cell k (row or column) compares the exemplar with the search window whose centre
is at crop pixel stride * k + 127 / 2; a cell is positive (1) when that centre is within
`positive_radius` crop pixels of the target's centre, else negative (0). Weights balance the two
classes: positives share 1/2, negatives share 1/2.
"""

from dataclasses import dataclass

import numpy as np
import torch
from PIL import Image

from models.siamfc import EXEMPLAR_SIZE, SEARCH_SIZE, TOTAL_STRIDE, score_size


def exemplar_side(width: float, height: float, context: float = 0.5) -> float:
    """Side (frame pixels) of the exemplar region around a width x height target."""
    if width <= 0 or height <= 0:
        raise ValueError(f"target size must be positive, got {width} x {height}")
    margin = context * (width + height)
    return float(np.sqrt((width + margin) * (height + margin)))


def crop(image: np.ndarray, center, side: float, out_size: int, fill=None) -> np.ndarray:
    """The square of `side` frame pixels centred at (cx, cy), bilinearly resized to out_size.

    image: uint8 (H, W, 3); coordinates are continuous (pixel (r, c) covers [c, c+1) x [r, r+1));
    pixels outside the frame take `fill` (default: the frame's mean colour). -> uint8 (out, out, 3).
    """
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"crop needs a uint8 H x W x 3 image, got {image.dtype} {image.shape}")
    if fill is None:
        fill = image.reshape(-1, 3).mean(axis=0)
    scale = side / out_size
    origin_x, origin_y = center[0] - side / 2, center[1] - side / 2
    out = Image.fromarray(image).transform(
        (out_size, out_size),
        Image.Transform.AFFINE,
        (scale, 0, origin_x, 0, scale, origin_y),
        Image.Resampling.BILINEAR,
        fillcolor=tuple(int(round(v)) for v in fill),
    )
    return np.asarray(out)


def window_centre(k, exemplar_size: int = EXEMPLAR_SIZE):
    """Search-crop pixel coordinate of the centre of score-map cell k (a row or a column)."""
    return TOTAL_STRIDE * np.asarray(k, dtype=np.float64) + exemplar_size / 2


def score_labels(size: int, target, positive_radius: float) -> tuple[np.ndarray, np.ndarray]:
    """(labels, weights), both float32 (size, size), for a target at search-crop pixel (x, y)."""
    centres = window_centre(np.arange(size))
    dx = centres[None, :] - target[0]
    dy = centres[:, None] - target[1]
    labels = (np.hypot(dx, dy) <= positive_radius).astype(np.float32)
    n_pos = labels.sum()
    if n_pos == 0 or n_pos == labels.size:
        raise ValueError(
            f"target {tuple(target)} gives a score map with only one class; "
            f"keep it within the search crop and radius {positive_radius} small"
        )
    weights = np.where(labels > 0, 0.5 / n_pos, 0.5 / (labels.size - n_pos)).astype(np.float32)
    return labels, weights


@dataclass(frozen=True)
class PairConfig:
    search_size: int = SEARCH_SIZE  # training may use a smaller search crop (same geometry)
    context: float = 0.5
    max_gap: int = 50  # frames between exemplar and search
    max_shift: float = 24.0  # random offset of the target from the search-crop centre, crop pixels
    max_stretch: float = 0.05  # random scale change of the search crop, relative
    positive_radius: float = 8.0  # crop pixels (2 score cells at stride 4)


class PairDataset(torch.utils.data.Dataset):
    """n_pairs seeded pairs from sequences (objects with len(), .boxes (N, 4) 0-based x, y, w, h
    and .frame(t) -> uint8 (H, W, 3)); item i depends only on (seed, i).

    Item: {"exemplar": uint8 (127, 127, 3), "search": uint8 (S, S, 3), "labels", "weights":
    float32 (M, M), "target": float32 (2,) the target centre (x, y) in search-crop pixels}.
    """

    def __init__(self, sequences, n_pairs: int, seed: int, config: PairConfig = PairConfig()):
        if not sequences:
            raise ValueError("PairDataset needs at least one sequence")
        self.sequences, self.n_pairs, self.seed, self.config = (
            list(sequences),
            n_pairs,
            seed,
            config,
        )
        self.score_size = score_size(config.search_size)

    def __len__(self) -> int:
        return self.n_pairs

    def regions(self, index: int) -> dict:
        """Where item `index` is cut: {"exemplar" and "search": (frame uint8 (H, W, 3), centre (x, y),
        side in frame pixels), "shift": the target's offset from the search crop's centre, crop
        pixels}. The crops are those regions resized to EXEMPLAR_SIZE and search_size."""
        if not 0 <= index < self.n_pairs:
            raise IndexError(f"pair {index} of {self.n_pairs}")
        c = self.config
        rng = np.random.default_rng([self.seed, index])
        sequence = self.sequences[rng.integers(len(self.sequences))]
        n = len(sequence)
        i = int(rng.integers(n))
        j = int(np.clip(i + rng.integers(-c.max_gap, c.max_gap + 1), 0, n - 1))
        z_box, x_box = sequence.boxes[i], sequence.boxes[j]
        z_frame = sequence.frame(i)
        x_frame = z_frame if j == i else sequence.frame(j)
        side = (
            exemplar_side(*x_box[2:], c.context)
            * c.search_size
            / EXEMPLAR_SIZE
            * (1 + rng.uniform(-c.max_stretch, c.max_stretch))
        )
        shift = rng.uniform(-c.max_shift, c.max_shift, 2)  # crop pixels
        return {
            "exemplar": (z_frame, _centre(z_box), exemplar_side(*z_box[2:], c.context)),
            "search": (x_frame, _centre(x_box) + shift * side / c.search_size, side),
            "shift": shift,
        }

    def __getitem__(self, index: int) -> dict:
        c = self.config
        where = self.regions(index)
        exemplar = crop(*where["exemplar"], EXEMPLAR_SIZE)
        search = crop(*where["search"], c.search_size)
        target = c.search_size / 2 - where["shift"]
        labels, weights = score_labels(self.score_size, target, c.positive_radius)
        return {
            "exemplar": torch.from_numpy(exemplar.copy()),
            "search": torch.from_numpy(search.copy()),
            "labels": torch.from_numpy(labels),
            "weights": torch.from_numpy(weights),
            "target": torch.tensor(target, dtype=torch.float32),
        }


def _centre(box) -> np.ndarray:
    return np.array([box[0] + box[2] / 2, box[1] + box[3] / 2])
