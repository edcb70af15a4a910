"""Xilinx's arbitrary-precision headers (ap_int.h, hls_stream.h, ...) for the HLS C-simulation.

Vitis HLS is not needed to C-simulate: g++ compiles its ap_types headers, which the hls4ml
wheel on PyPI ships under hls4ml/templates/vivado/ap_types/ (Apache-2.0, Copyright Xilinx).
On first use the pinned wheel is fetched with pip (no dependencies), its sha256 checked, and
only that folder extracted into the cache, with the wheel's LICENSE and a NOTICE beside it.
The hls_stream.h there is the old model: a stream is an unbounded queue without a depth, so
C-simulation finds neither FIFO depths nor deadlocks; the RTL simulation judges those.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from flow.backends.rtl.verilator import SimulationError, cache_root

HLS4ML_VERSION = "1.3.0"
WHEEL = f"hls4ml-{HLS4ML_VERSION}-py3-none-any.whl"
WHEEL_SHA256 = "01bf1de2cd9bca56699b9fe3385cb1735026b022f9580fe1d73faf192dfb90f2"
FOLDER = "hls4ml/templates/vivado/ap_types/"
LICENSE = f"hls4ml-{HLS4ML_VERSION}.dist-info/licenses/LICENSE"
NOTICE = f"""These headers are Xilinx's ap_types (Copyright 2011-2019 Xilinx, Inc.), licensed under
the Apache License, Version 2.0 (LICENSE beside this file; every header carries the notice).
Taken unmodified from {FOLDER} of the PyPI wheel {WHEEL} (sha256 {WHEEL_SHA256})
by qnnflow, for C-simulation with g++.
"""


def ap_types_dir() -> Path:
    """The folder holding ap_int.h and hls_stream.h, fetched on first use."""
    # keyed by the notice too, so a cached folder always carries the text written beside it now
    notice = hashlib.sha256(NOTICE.encode()).hexdigest()[:12]
    target = cache_root() / f"ap_types-{HLS4ML_VERSION}-{notice}"
    if (target / "ap_int.h").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / "ap_int.h").exists():  # another process fetched them while we waited
            return target
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            wheel = _download(Path(tmp))
            staging = Path(tmp) / "ap_types"
            _extract(wheel, staging)
            if target.exists():
                shutil.rmtree(target)
            staging.rename(target)
    return target


def _download(folder: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", f"hls4ml=={HLS4ML_VERSION}", "--no-deps",
           "--only-binary", ":all:", "--dest", str(folder), "--quiet"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wheel = folder / WHEEL
    if proc.returncode != 0 or not wheel.exists():
        raise SimulationError(
            f"cannot fetch the ap_types headers: `{' '.join(cmd[2:])}` failed "
            f"({proc.stderr.strip()[-500:] or 'no wheel'}); the HLS C-simulation needs them once, "
            f"then they stay in {cache_root()}")
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        raise SimulationError(f"{WHEEL}: sha256 {digest}, expected {WHEEL_SHA256}; not using it")
    return wheel


def _extract(wheel: Path, staging: Path) -> None:
    """Only the ap_types folder (and the licence): the rest of hls4ml is not needed."""
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if name.startswith(FOLDER) and not name.endswith("/"):
                out = staging / name[len(FOLDER):]
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(z.read(name))
        (staging / "LICENSE").write_bytes(z.read(LICENSE))
    (staging / "NOTICE").write_text(NOTICE)
