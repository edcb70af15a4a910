"""Rounding-boundary evidence: a float level's difference from L2 passes only where the exact
value sits within the float error bound of a rounding boundary."""

import copy
from fractions import Fraction

import numpy as np
import pytest
import torch
from qonnx.core.modelwrapper import ModelWrapper
from torch import nn

from flow import rounding_boundary, verdict, verify
from flow.float_error import FLOAT32, FLOAT64, quantizer_error_bound
from flow.frontend import export_brevitas
from flow.reference import make_reference, run_reference, session
from flow.steps import run_torch_model
from flow.streamline import integerize
from models.quant import quant_act, quant_linear
from tests.flow.nets import Net, reference_outputs
from tests.flow.qonnx_graphs import NEAR_TIE, near_tie_graph


def l1_l2_check(qonnx_model, integer, x):
    """step_verify's L1_L2 check, and L1's evidence."""
    out = qonnx_model.graph.output[0].name
    l2 = run_reference(session(make_reference(integer)), x)[out]
    l1 = verify.run_qonnx(qonnx_model, x)
    step = verify.output_step(integer)
    evidence = rounding_boundary.evidence("L1", qonnx_model, integer, x, l1, l2, step, False,
                                          rounding_boundary.qonnx_values(qonnx_model))
    comparison = rounding_boundary.boundary_cases(verify.compare(l1, l2, step), l1, l2, step, False, evidence)
    return verdict.level("L1_L2", comparison, rule="rounding_boundary"), evidence


def test_float32_flip_at_a_tie_is_a_boundary_case():
    model = near_tie_graph()
    x = np.array([[NEAR_TIE["x"]], [5.0], [-3.0]], np.float32)
    check, evidence = l1_l2_check(model, integerize(model), x)
    assert check["mismatches"] == 1 and check["boundary_cases"] == 1 and check["passed"], check
    [case] = evidence.cases
    assert (case["float_code"], case["integer_code"], case["exact_code"]) == (40, 41, 41)
    assert case["accumulator"] == 126 and case["boundary"] == "81/2"
    assert Fraction(case["exact_value"]) > Fraction(81, 2)  # just above the tie: 41, exactly
    assert 0 < case["distance"] < 1e-6 < case["error_bound"] < 1e-4
    assert case["float_value"] == 40.5


def test_a_wrong_threshold_is_not_a_boundary_case():
    model = near_tie_graph()
    integer = integerize(model)
    mt = next(n for n in integer.graph.node if n.op_type == "MultiThreshold")
    table = integer.get_initializer(mt.input[1]).copy()
    # an input whose accumulator (7 x) lands exactly on a threshold, clear of the boundary (not
    # a near tie like 7 * 2 * alpha = 4.49999...): one more there flips its code
    alpha = NEAR_TIE["weight_scale"] / NEAR_TIE["out_scale"]
    j = next(j for j, t in enumerate(table[0])
             if t % 7 == 0 and 0 < t // 7 < 100 and (t * alpha + 0.5) % 1 > 0.05)
    x = np.array([[table[0, j] // 7], [5.0]], np.float32)
    table[0, j] += 1
    wrong = ModelWrapper(integer.model, make_deepcopy=True)
    wrong.set_initializer(mt.input[1], table)
    check, evidence = l1_l2_check(model, wrong, x)
    assert check["mismatches"] == 1 and check["boundary_cases"] == 0 and not check["passed"]
    [case] = evidence.unexplained
    assert "wrong threshold" in case["reason"]
    assert case["float_code"] == case["exact_code"] != case["integer_code"]
    assert "1 of 1 differences not on a rounding boundary" in verdict.failures({"verify": [check]})[0]


def test_small_nets_have_no_differences(compiled):
    check, evidence = l1_l2_check(compiled.qonnx, compiled.integer, compiled.inputs)
    assert check["mismatches"] == 0 and check["passed"] and not evidence.cases
    sites = rounding_boundary.sites(compiled.qonnx, compiled.integer)
    assert len(sites) == sum(n.op_type == "MultiThreshold" for n in compiled.integer.graph.node)


@pytest.mark.parametrize("level", ["L0", "L1"])
def test_an_output_difference_without_a_quantizer_difference_fails(compiled, level):
    """The integer graph fed with the level's own codes (torch's in float64 for L0, qonnx's for
    L1) gives L2's output, so a level that differs from it there (here: L2 shifted by one step)
    is not explained."""
    values, u = rounding_boundary.qonnx_values(compiled.qonnx), FLOAT32
    if level == "L0":
        torch_model = copy.deepcopy(compiled.torch_model).double()
        values, u = rounding_boundary.torch_values(torch_model, compiled.qonnx), FLOAT64
    out = compiled.qonnx.graph.output[0].name
    l2 = reference_outputs(compiled)[out]
    step = verify.output_step(compiled.integer)
    shifted = l2.copy()
    shifted[:1] += step
    evidence = rounding_boundary.evidence(level, compiled.qonnx, compiled.integer, compiled.inputs[:2],
                                          shifted[:2], l2[:2], step, False, values, u)
    assert list(evidence.explained) == [False, True] and not evidence.cases
    assert [u["reason"] for u in evidence.unexplained] == \
        ["the output differs from the integer graph's on the level's own codes"]


def test_the_float_error_bound_holds_on_the_small_nets(compiled):
    """qonnx's value before each thresholded quantizer lies within the bound of the exact one."""
    values = rounding_boundary.qonnx_values(compiled.qonnx)(compiled.inputs[:1])
    integer = verify.execute_batch(compiled.integer, compiled.inputs[:1], full_context=True)
    for site in rounding_boundary.sites(compiled.qonnx, compiled.integer):
        bound = np.broadcast_to(quantizer_error_bound(compiled.qonnx, site.node, values, FLOAT32),
                                values[site.node.input[0]].shape)
        s = compiled.qonnx.get_initializer(site.node.input[1])
        v_float = values[site.node.input[0]] / s + np.float32(site.quant.zero_point)
        accs = integer[site.input]
        for idx in np.ndindex(accs.shape):
            exact = site.exact_value(idx[1], int(accs[idx]))
            assert abs(Fraction(float(v_float[idx])) - exact) <= Fraction(float(bound[idx])), (site.node.name, idx)


def test_l0_ties_are_explained_when_a_batch_sums_in_another_order(tmp_path):
    """XNOR layers (binary weights x a per-channel mean |w|) behind BatchNorms at their defaults
    put exact ties (accumulator 0, shift 0) on the sign's boundary. torch sums a batch in another
    order than one input, so a tie's float64 value, +-1e-17, and its code differ between the two;
    L0 is therefore run one input at a time, the computation its evidence reruns."""
    torch.manual_seed(0)
    model = Net(nn.Flatten(), quant_act(1),
                quant_linear(36, 16, weight_bits=1, scaled_binary=True), nn.BatchNorm1d(16), quant_act(1),
                quant_linear(16, 16, weight_bits=1, scaled_binary=True), nn.BatchNorm1d(16), quant_act(1),
                quant_linear(16, 8, weight_bits=1, scaled_binary=True), nn.BatchNorm1d(8)).eval()
    x = np.random.default_rng(0).uniform(-1, 1, (8, 1, 6, 6)).astype(np.float32)
    qonnx_model = export_brevitas(model, torch.from_numpy(x[:1]), tmp_path / "xnor.onnx")
    integer = integerize(qonnx_model)
    model = model.double()
    with torch.no_grad():  # the premise: this model's batched run differs from its single runs
        batched = model(torch.from_numpy(x).double()).numpy()
        alone = np.concatenate([model(torch.from_numpy(x[i:i + 1]).double()).numpy() for i in range(len(x))])
    assert not np.array_equal(batched, alone)
    l0 = run_torch_model(None, x, model)
    out = qonnx_model.graph.output[0].name
    l2 = run_reference(session(make_reference(integer)), x)[out]
    step = verify.output_step(integer)
    evidence = rounding_boundary.evidence("L0", qonnx_model, integer, x, l0, l2, step, False,
                                          rounding_boundary.torch_values(model, qonnx_model), FLOAT64)
    assert evidence.explained.all() and not evidence.unexplained, evidence.unexplained[:3]
    assert evidence.cases and all(Fraction(c["exact_value"]) == 0 for c in evidence.cases)
    assert verify.mismatch_mask(l0, l2, step).any()  # the ties do change L0's output



@pytest.mark.parametrize("graph", ["subpixel_graph", "nearest_resize_graph", "depthwise_graph", "global_pool_graph"])
def test_the_float_error_bound_reaches_through_the_upscaling_depthwise_and_pooling_ops(graph):
    """DepthToSpace, a nearest Resize, a depthwise Conv and a GlobalAveragePool carry the bound to
    the last quantizer, as in a build's L1 evidence (a network of them whose L1 differs from L2
    at a tie would otherwise stop the build)."""
    from tests.flow import qonnx_graphs

    model = getattr(qonnx_graphs, graph)()
    shape = model.get_tensor_shape(model.graph.input[0].name)
    x = np.random.default_rng(2).uniform(-1, 4, (1, *shape[1:])).astype(np.float32)
    values = verify.execute_batch(model, x, full_context=True)
    activations = [n for n in model.graph.node[1:] if n.op_type == "Quant"
                   and model.get_initializer(n.input[0]) is None and model.find_producer(n.input[0]) is not None]
    for quant in activations:
        bound = quantizer_error_bound(model, quant, values, FLOAT32)
        assert bound.shape[1:] == values[quant.input[0]].shape[1:] and np.all(np.isfinite(bound))
        assert np.all(bound > 0) and np.all(bound < 1e-3)
