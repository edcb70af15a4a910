"""Build a simulator once per content hash: the build runs in a staging folder beside its cache
entry, under a lock, and is renamed into place only when it succeeded, so parallel tests and
builds share one binary and a failed or interrupted build never leaves a half-made entry."""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def build_once(target: Path, product: str, build: Callable[[Path], None]) -> Path:
    """target/product, made by build(staging) unless a previous build already made it."""
    binary = target / product
    if binary.exists():
        return binary
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists():  # another process built it while we waited
            return binary
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
        try:
            build(staging)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return binary
