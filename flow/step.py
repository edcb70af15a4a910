"""A build step: a function of the build configuration that reads earlier steps' files in the
build directory and writes its own there. The runner (flow/pipeline.py) keys each step by the
contents of everything it reads, skips it when the key is unchanged, and records the checks it
returns for the verdict (flow/verdict.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    name: str
    # cfg -> None, or the checks it made (flow/verdict.py records them)
    run: Callable
    outputs: tuple[str, ...]
    # BuildConfig fields the step depends on besides what earlier steps wrote
    options: tuple[str, ...] = ()
    # "rtl" or "hls": the step runs only when --backend selects that backend
    backend: str | None = None

    @property
    def function(self) -> Callable:
        """The step's function (a functools.partial's own, with its keywords as parameters)."""
        return getattr(self.run, "func", self.run)

    @property
    def parameters(self) -> dict:
        return dict(getattr(self.run, "keywords", {}))

    @property
    def summary(self) -> str:
        return (self.function.__doc__ or self.name).strip().splitlines()[0]
