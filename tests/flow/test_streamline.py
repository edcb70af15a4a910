"""Streamlining is exact: the integer graph computes what the QONNX graph computes.

Power-of-two scales make float32 exact, so these comparisons are exact equalities even on
rounding ties, which the graphs are built to hit.
"""

from fractions import Fraction

import numpy as np
import pytest
from qonnx.custom_op.general.intquant import resolve_rounding_mode

from flow import verify
from flow.reference import make_reference, run_reference, session
from flow.streamline import UnsupportedGraph, integerize
from flow.streamline.rounding import level_condition, min_integer_reaching
from tests.flow.qonnx_graphs import (
    conv_bn_pool_graph,
    dense_tie_graph,
    gemm_graph,
    unsupported_graph,
)

MODES = ["ROUND", "HALF_EVEN", "FLOOR", "CEIL", "UP", "DOWN", "HALF_UP", "HALF_DOWN"]


@pytest.mark.parametrize("mode", MODES)
def test_level_conditions_match_qonnx_rounding(mode):
    values = np.arange(-48, 49) / 8.0  # quarters, halves and integers
    rounded = resolve_rounding_mode(mode)(values)
    for k in range(-5, 6):
        c, strict = level_condition(mode, k)
        reaches = values > float(c) if strict else values >= float(c)
        assert np.array_equal(rounded >= k, reaches), (mode, k)


def test_min_integer_reaching_is_exact():
    alpha, beta = Fraction(1, 4), Fraction(-3, 8)
    for c in [Fraction(n, 8) for n in range(-20, 20)]:
        for strict in (False, True):
            a = min_integer_reaching(alpha, beta, c, strict)
            def holds(v, c=c, strict=strict):
                return alpha * v + beta > c if strict else alpha * v + beta >= c
            assert holds(a) and not holds(a - 1)


def run(model, x):
    """These graphs have no fixed-batch reshapes, so qonnx runs the whole batch at once."""
    return verify.execute_batch(model, x)


def random_inputs(model, count, seed=1):
    shape = model.get_tensor_shape(model.graph.input[0].name)
    return np.random.default_rng(seed).uniform(-2, 2, (count, *shape[1:])).astype(np.float32)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("zero_point,signed,relu", [(0, True, False), (0, False, True), (2, False, False)])
def test_rounding_modes_and_ties_exact(mode, zero_point, signed, relu):
    model = dense_tie_graph(mode, zero_point, signed, relu)
    x = random_inputs(model, 64)
    integer = integerize(model)
    assert np.array_equal(run(model, x), run(integer, x))
    ref = run_reference(session(make_reference(integer)), x)
    assert np.array_equal(ref[model.graph.output[0].name], run(model, x))


def test_ties_are_hit():
    """The tie graph really puts pre-quantization values on .5 (else the test above proves little)."""
    model = dense_tie_graph("ROUND", 0, True, False)
    x = random_inputs(model, 64)
    matmul = next(n for n in model.graph.node if n.op_type == "MatMul")
    z = verify.execute_batch(model, x, full_context=True)[matmul.output[0]]
    ties = np.abs((z / 0.5) % 1 - 0.5) == 0
    assert 0.02 < ties.mean() < 0.98


def test_negative_batchnorm_scale_before_maxpool():
    model = conv_bn_pool_graph()
    x = random_inputs(model, 16)
    integer = integerize(model)
    assert np.array_equal(run(model, x), run(integer, x))


def test_gemm_with_bias_alpha_beta():
    model = gemm_graph()
    x = random_inputs(model, 32)
    result = verify.compare(run(model, x), run(integerize(model), x), 0.3)
    assert result["mismatches"] == 0


def test_unsupported_node_is_named():
    with pytest.raises(UnsupportedGraph, match=r"Sigmoid node '.*': op type not supported.*supported: Conv"):
        integerize(unsupported_graph())
