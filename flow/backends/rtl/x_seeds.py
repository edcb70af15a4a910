"""Run one simulation under two X seeds: the outputs must agree.

The Verilator build gives every X and every variable that reset does not set a value drawn
from the run's X seed (flow/backends/rtl/verilator.py). A design whose output depends on such a value
(a register that is never reset, a memory read before it is written) gives different outputs
under different seeds; a correct one gives the same.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from flow import verdict, verify

X_SEEDS = (1, 2)


class XDependenceError(AssertionError):
    pass


def x_seed_check(outputs: dict[int, np.ndarray], scope: str) -> dict:
    """The verdict's check that the outputs under the X seeds (seed -> outputs) agree."""
    (a, ya), (b, yb) = outputs.items()
    return verdict.level(f"L4 X seed {a} = X seed {b}", verify.compare(ya, yb, exact=True), scope=scope)


def run_two_x_seeds(simulate: Callable[..., tuple[np.ndarray, dict]],
                    seeds: tuple[int, int] = X_SEEDS) -> tuple[np.ndarray, dict]:
    """simulate(x_seed=s) for both seeds (for example a functools.partial of simulate_design or
    Simulator.run); returns the first run's (outputs, stats), stats["x_seeds"] naming both seeds.
    Raises XDependenceError when the build's check (x_seed_check) fails."""
    runs = {s: simulate(x_seed=s) for s in seeds}
    check = x_seed_check({s: out for s, (out, _) in runs.items()}, "X seeds")
    if not check["passed"]:
        raise XDependenceError(f"the outputs depend on uninitialised state: X seeds {seeds[0]} and "
                               f"{seeds[1]} give different outputs ({check['mismatches']} differ)")
    y, stats = runs[seeds[0]]
    return y, {**stats, "x_seeds": list(seeds)}
