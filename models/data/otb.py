"""OTB-format tracking sequences: <sequence>/img/0001.jpg ... and <sequence>/groundtruth_rect.txt.

Each line of groundtruth_rect.txt is one frame's box "x y w h", separated by commas, tabs or
spaces, in OTB's 1-based pixel coordinates. Loaded boxes are 0-based (x - 1, y - 1), the
convention of the tracker, the crops and the metrics here; write_groundtruth converts back.
"""

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp")


def read_groundtruth(path) -> np.ndarray:
    """(N, 4) float boxes [x, y, w, h], 0-based, from an OTB ground-truth file."""
    path = Path(path)
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if not line.strip():
            continue
        fields = [f for f in re.split(r"[,\s]+", line.strip()) if f]
        try:
            values = [float(f) for f in fields]
        except ValueError:
            raise ValueError(f"{path}:{number}: not a box of numbers: {line!r}") from None
        if len(values) != 4:
            raise ValueError(
                f"{path}:{number}: expected 4 values x, y, w, h, got {len(values)}: {line!r}"
            )
        rows.append(values)
    if not rows:
        raise ValueError(f"{path}: no boxes")
    boxes = np.array(rows, dtype=np.float64)
    boxes[:, :2] -= 1.0
    return boxes


def write_groundtruth(path, boxes) -> None:
    """Write 0-based [x, y, w, h] boxes as an OTB ground-truth file (1-based, comma-separated)."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    lines = [",".join(f"{v:.3f}" for v in (x + 1, y + 1, w, h)) for x, y, w, h in boxes]
    Path(path).write_text("\n".join(lines) + "\n")


@dataclass
class OTBSequence:
    """A sequence on disk: name, frame paths, boxes (N, 4) 0-based; frame(t) reads RGB uint8."""

    name: str
    frame_paths: list
    boxes: np.ndarray

    def __len__(self) -> int:
        return len(self.frame_paths)

    def frame(self, t: int) -> np.ndarray:
        with Image.open(self.frame_paths[t]) as image:
            return np.asarray(image.convert("RGB"))


def load_sequence(folder, groundtruth: str = "groundtruth_rect.txt") -> OTBSequence:
    """The OTB sequence in `folder` (its img/ frames and its ground-truth file)."""
    folder = Path(folder)
    gt_path = folder / groundtruth
    if not gt_path.is_file():
        raise FileNotFoundError(f"{folder}: no {groundtruth}")
    frames = sorted(p for p in (folder / "img").glob("*") if p.suffix.lower() in IMAGE_SUFFIXES)
    if not frames:
        raise FileNotFoundError(f"{folder}: no images in {folder / 'img'}")
    boxes = read_groundtruth(gt_path)
    if len(boxes) != len(frames):
        raise ValueError(
            f"{folder}: {len(frames)} images but {len(boxes)} boxes in {groundtruth}; "
            "trim img/ or the ground truth to the same frames"
        )
    return OTBSequence(folder.name, frames, boxes)


def load_benchmark(root) -> list[OTBSequence]:
    """Every sequence (sub-folder with a groundtruth_rect.txt) under root, sorted by name."""
    root = Path(root)
    folders = (
        sorted(p for p in root.iterdir() if (p / "groundtruth_rect.txt").is_file())
        if root.is_dir()
        else []
    )
    if not folders:
        raise FileNotFoundError(f"{root}: no OTB sequences (sub-folders with groundtruth_rect.txt)")
    return [load_sequence(f) for f in folders]
