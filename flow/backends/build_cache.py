"""Build a simulator once per content hash: the build runs in a staging folder beside its cache
entry, under a lock, and is renamed into place only when it succeeded, so parallel tests and
builds share one binary and a failed or interrupted build never leaves a half-made entry.

An entry keeps its product alone: the generated sources and objects (about 97 % of a Verilator
build's bytes, up to 190 MB a design) are the compiler's, and ccache holds what a rebuild reuses.
Entries made before that lose the rest when they are next used."""

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
        _keep_only(target, product)
        return binary
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if binary.exists():  # another process built it while we waited
            return binary
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
        try:
            build(staging)
            _keep_only(staging, product)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
        finally:
            if staging.exists():
                shutil.rmtree(staging, ignore_errors=True)
    return binary


def _keep_only(folder: Path, product: str) -> None:
    """Remove everything in folder but product (other processes only ever run the product)."""
    for entry in folder.iterdir():
        if entry.name == product:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
