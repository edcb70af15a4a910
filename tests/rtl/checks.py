"""What every RTL op test asserts: the RTL equals the op's numpy model bit for bit, with random
input gaps and output back-pressure, independent of unreset state, at the op's analytic rate."""

from functools import partial

import numpy as np
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.op_sim import simulate_op, steady_state_cycles
from flow.backends.rtl.x_seeds import run_two_x_seeds

# (seed, input gap probability, output stall probability)
GAPS_AND_STALLS = [(1, 0.0, 0.0), (2, 0.4, 0.5), (3, 0.3, 0.0), (4, 0.0, 0.5)]


def expected_outputs(model, node, x) -> np.ndarray:
    """The op's numpy model on x, with its initializers (weights, thresholds) as parameters."""
    params = [model.get_initializer(name) for name in node.input[1:]]
    return getCustomOp(node).compute(x, *params)


def assert_rtl_matches_model(model, node, x, tmp_path, schedules=GAPS_AND_STALLS) -> np.ndarray:
    """Simulate the op's RTL under each schedule, the first under two X seeds (its outputs must
    not depend on unreset state); returns the expected outputs."""
    expected = expected_outputs(model, node, x)
    for i, (seed, gap, stall) in enumerate(schedules):
        simulate = partial(simulate_op, model, node, x, tmp_path, seed=seed, in_gap=gap, out_stall=stall)
        y, _ = run_two_x_seeds(simulate) if i == 0 else simulate()
        assert y.shape == expected.shape
        assert np.array_equal(y, expected), (
            f"seed {seed}, in_gap {gap}, out_stall {stall}: "
            f"{np.count_nonzero(y != expected)} of {y.size} outputs differ")
    return expected


def assert_analytic_cycles(model, node, x, tmp_path) -> None:
    """Steady-state cycles per frame, without gaps, equal to the op's cycle model."""
    y, stats = simulate_op(model, node, x, tmp_path)
    assert np.array_equal(y, expected_outputs(model, node, x))
    measured, analytic = steady_state_cycles(stats), getCustomOp(node).cycles()
    assert measured == analytic, f"{measured} cycles/frame vs {analytic}"
