"""deploy/'s C kernels: a .c file (deploy/pillow_crop.c), compiled once per machine with the system's
C compiler into a shared library, loaded with ctypes (standard library only: on the board the
PYNQ-Z2 image's gcc builds it, on a host the one the project's tools use).

The library is cached under $QNNFLOW_NATIVE_CACHE, else $XDG_CACHE_HOME/qnnflow/native, else
~/.cache/qnnflow/native, named by the hash of the source and the headers beside it, the compiler's
version and the flags, so that an edited source or another compiler builds afresh; it is written to
a temporary name and renamed, so that processes building it at once never load half a file.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

# -O3: vectorised loops (IEEE per lane: no reassociation without -ffast-math), a quarter fewer
# instructions than -O2 for the crops; -ffp-contract=off: no fused multiply-adds, whose single
# rounding would change the kernels' float64 results on a CPU that has them (the Cortex-A9's
# VFPv3 VMLA, which gcc still emits, rounds the product and the sum apart: the same results)
FLAGS = ("-O3", "-ffp-contract=off", "-fno-fast-math", "-pthread", "-shared", "-fPIC")
LIBRARIES = ("-lm",)   # floor() and the like: linked, not left to the process that loads the library


class NativeError(RuntimeError):
    """A C kernel that could not be built, with what to install."""


def compiler() -> str:
    """$CC, else cc or gcc on PATH."""
    for name in (os.environ.get("CC"), "cc", "gcc"):
        if name and shutil.which(name):
            return name
    raise NativeError("deploy/ builds its C kernels with a C compiler, and none was found ($CC, cc, "
                      "gcc): the PYNQ-Z2 image ships gcc; on a Debian host: apt install gcc")


def cache_dir() -> Path:
    if os.environ.get("QNNFLOW_NATIVE_CACHE"):
        return Path(os.environ["QNNFLOW_NATIVE_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "qnnflow" / "native"


@functools.cache
def _version(cc: str) -> str:
    """The compiler's --version text (part of the cache key), asked once per process."""
    return subprocess.run([cc, "--version"], capture_output=True, text=True).stdout


def load(source: Path) -> ctypes.CDLL:
    """The library of the C file `source`, built first if this machine has no current one."""
    source, cc = Path(source), compiler()
    version = _version(cc)
    # the headers beside it are part of what it compiles (siamfc_peak.h)
    headers = b"".join(h.read_bytes() for h in sorted(source.parent.glob("*.h")))
    key = hashlib.sha256(source.read_bytes() + headers + version.encode()
                         + " ".join(FLAGS + LIBRARIES).encode()).hexdigest()[:16]
    library = cache_dir() / f"{source.stem}-{key}.so"
    if not library.exists():
        library.parent.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(suffix=".so", dir=library.parent)
        os.close(handle)
        built = subprocess.run([cc, *FLAGS, "-o", partial, str(source), *LIBRARIES], capture_output=True, text=True)
        if built.returncode != 0:
            os.unlink(partial)
            lines = built.stderr.strip().splitlines() or ["no message"]
            first = next((line for line in lines if "error" in line), lines[0])   # not "In function ..."
            raise NativeError(f"{cc} could not build {source.name}: {first}")
        os.replace(partial, library)
    return ctypes.CDLL(str(library))


@functools.cache
def _library(source: Path) -> ctypes.CDLL:
    return load(source)


def kernel(source: Path, name: str, argtypes, restype=None):
    """The C function `name` of the C file `source` (built and loaded once per process), with
    its ctypes argument and result types."""
    function = getattr(_library(Path(source)), name)
    function.argtypes, function.restype = list(argtypes), restype
    return function
