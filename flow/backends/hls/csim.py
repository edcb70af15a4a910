"""Compile the C-simulation of a generated HLS design (hls/) with g++, cached by content hash.

The binary is the design's top function with hw/hls/testbench.cpp, which takes the Verilator
harness's command line and files, so the same Simulator runs both. The cache key covers every
source and header of the design (weights included), the ap_types version, the flags and the
compiler's version; identical designs compile once per machine. The code compiles under
-Wall -Wextra -Werror with Xilinx's headers as system includes; -Wno-unknown-pragmas because
the HLS pragmas are for Vitis HLS, not g++; QNNFLOW_STREAM_TAPS compiles in the per-op stream
taps (hw/hls/stream_taps.hpp), idle unless a run names their folder.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

from flow.backends.build_cache import build_once
from flow.backends.design import Design
from flow.backends.hls.headers import HLS4ML_VERSION, ap_types_dir
from flow.backends.rtl.verilator import SimulationError, Simulator, _build_env, cache_root
from flow.backends.weight_image import IMAGE_FILE
from flow.tasks import jobs

CXX = "g++"
CXX_FLAGS = ["-std=c++14", "-O2", "-Wall", "-Wextra", "-Werror", "-Wno-unknown-pragmas",
             "-DQNNFLOW_STREAM_TAPS",
             # no fused multiply-add: bilinear_crop rounds each float64 step as Pillow's C does
             "-ffp-contract=off"]


@lru_cache(maxsize=1)
def compiler_version() -> str:
    if shutil.which(CXX) is None:
        raise SimulationError(f"{CXX} is not on PATH (./dev env installs it)")
    return subprocess.run([CXX, "--version"], capture_output=True, text=True, check=False).stdout.strip()


def compile_command(design: Design, source: Path, obj: Path) -> list[str]:
    launcher = ["ccache"] if shutil.which("ccache") else []
    return [*launcher, CXX, *CXX_FLAGS, "-isystem", str(ap_types_dir()), "-I", str(design.directory),
            "-c", str(source), "-o", str(obj)]


def cached_binary(design: Design) -> Path:
    """Where the C-simulation of these exact sources is (or will be) cached."""
    files = sorted(p for p in Path(design.directory).iterdir() if p.suffix in (".cpp", ".hpp"))
    key = hashlib.sha256()
    for part in [compiler_version(), HLS4ML_VERSION, CXX_FLAGS, design.top]:
        key.update(str(part).encode())
    for path in files:
        key.update(path.name.encode())
        key.update(path.read_bytes())
    return cache_root() / "hls_csim" / f"{design.top}-{key.hexdigest()[:20]}" / "csim"


def build_csim(design: Design) -> Simulator:
    """Compile the design's C-simulation, or reuse the cached binary of identical sources."""
    directory = Path(design.directory)
    binary = cached_binary(design)
    in_bytes, out_bytes = (design.in_bits + 7) // 8, (design.out_bits + 7) // 8

    def compile_into(staging: Path) -> None:
        objects = [staging / f"{Path(s).stem}.o" for s in design.sources]
        with ThreadPoolExecutor(max_workers=jobs()) as pool:
            procs = list(pool.map(_run, [compile_command(design, s, o)
                                         for s, o in zip(design.sources, objects, strict=True)]))
        if all(p.returncode == 0 for p in procs):
            procs.append(_run([CXX, *map(str, objects), "-o", str(staging / "csim")]))
        failed = [p for p in procs if p.returncode != 0]
        if failed:
            raise SimulationError(f"g++ build of the HLS C-simulation in {directory} failed:\n"
                                  + "\n".join((p.stdout + p.stderr)[-4000:] for p in failed))

    build_once(binary.parent, binary.name, compile_into)
    weights = directory / IMAGE_FILE if design.weight_regions else None   # the host's load, as on the board
    return Simulator(binary, in_bytes, out_bytes, weights=weights)


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, capture_output=True, text=True, env=_build_env(), check=False)
