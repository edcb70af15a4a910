"""Run one simulation under two X seeds: the outputs must agree.

The Verilator build gives every X and every variable that reset does not set a value drawn
from the run's X seed (flow/backends/rtl/verilator.py). A design whose output depends on such a value
(a register that is never reset, a memory read before it is written) gives different outputs
under different seeds; a correct one gives the same.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

X_SEEDS = (1, 2)


class XDependenceError(AssertionError):
    pass


def run_two_x_seeds(simulate: Callable[..., tuple[np.ndarray, dict]],
                    seeds: tuple[int, int] = X_SEEDS) -> tuple[np.ndarray, dict]:
    """simulate(x_seed=s) for both seeds (for example a functools.partial of simulate_design or
    Simulator.run); returns the first run's (outputs, stats), stats["x_seeds"] naming both seeds.
    Raises XDependenceError when the outputs differ."""
    (y, stats), (y2, _) = (simulate(x_seed=s) for s in seeds)
    if y.shape != y2.shape or not np.array_equal(y, y2):
        differ = np.count_nonzero(y != y2) if y.shape == y2.shape else "shapes"
        raise XDependenceError(f"the outputs depend on uninitialised state: X seeds {seeds[0]} and "
                               f"{seeds[1]} give different outputs ({differ} of {y.size} differ)")
    return y, {**stats, "x_seeds": list(seeds)}
