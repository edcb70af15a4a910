"""The warnings third-party packages print when they are imported, which say nothing about a build.
The entry points (python -m flow.build, flow.api) hide these few by message; a program that
imports the compiler's modules itself keeps its own warning filters untouched."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

IMPORT_WARNINGS = (
    # brevitas.graph.equalize, on every import of brevitas without the optional CUDA kernels
    (UserWarning, r"fast_hadamard_transform package not found"),
    (DeprecationWarning, r"brevitas\.fx is deprecated"),
)


@contextmanager
def import_warnings_hidden() -> Iterator[None]:
    """A context (or a function decorator) in which those warnings are not shown."""
    with warnings.catch_warnings():
        for category, message in IMPORT_WARNINGS:
            warnings.filterwarnings("ignore", message=message, category=category)
        yield
