"""CIFAR-10 in its standard binary format (the "binary version", cifar-10-binary.tar.gz).

``load_cifar10(split, root)`` returns ``(images uint8 N x 32 x 32 x 3, labels int64 N)``, channels
last. `root` (argument, else the CIFAR10_DIR environment variable) is the directory holding
data_batch_1.bin ... data_batch_5.bin and test_batch.bin (or its cifar-10-batches-bin/
subdirectory).
Each record is 1 label byte followed by 3072 pixel bytes: the 1024 red, then green, then blue values
of a 32 x 32 image in row-major order. Nothing is downloaded.

Splits: "train" is data_batch_1 ... data_batch_4 (40,000 images), "val" data_batch_5 (10,000),
"test" test_batch (10,000).
"""

import os
from pathlib import Path

import numpy as np

SPLIT_FILES = {
    "train": [f"data_batch_{i}.bin" for i in range(1, 5)],
    "val": ["data_batch_5.bin"],
    "test": ["test_batch.bin"],
}
RECORD_BYTES = 1 + 32 * 32 * 3
NUM_CLASSES = 10


def read_cifar10_batch(path):
    """(images N x 32 x 32 x 3, labels N) of one binary batch file."""
    data = Path(path).read_bytes()
    if not data or len(data) % RECORD_BYTES:
        raise ValueError(
            f"{path}: {len(data)} bytes is not a positive multiple of the "
            f"{RECORD_BYTES}-byte record"
        )
    records = np.frombuffer(data, dtype=np.uint8).reshape(-1, RECORD_BYTES)
    labels = records[:, 0].astype(np.int64)
    if labels.max() >= NUM_CLASSES:
        raise ValueError(f"{path}: label {labels.max()} is not a CIFAR-10 class (0-9)")
    images = records[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), labels


def load_cifar10(split="train", root=None):
    """(images uint8 N x 32 x 32 x 3, labels int64 N) of `split`; see the module docstring."""
    if split not in SPLIT_FILES:
        raise ValueError(f"unknown CIFAR-10 split {split!r}; supported: {', '.join(SPLIT_FILES)}")
    root = root if root is not None else os.environ.get("CIFAR10_DIR")
    if root is None:
        raise ValueError(
            "CIFAR-10 needs its binary batch files: pass root= (--data-dir) or set CIFAR10_DIR"
        )
    root = Path(root)
    if not (root / SPLIT_FILES[split][0]).exists() and (root / "cifar-10-batches-bin").is_dir():
        root = root / "cifar-10-batches-bin"
    missing = [name for name in SPLIT_FILES[split] if not (root / name).exists()]
    if missing:
        raise FileNotFoundError(f"CIFAR-10 {split} split: {', '.join(missing)} not found in {root}")
    parts = [read_cifar10_batch(root / name) for name in SPLIT_FILES[split]]
    return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])
