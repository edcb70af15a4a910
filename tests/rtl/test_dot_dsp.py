"""An xnor MVAU's dot product in DSP48 slices (dot_dsp.v, dsp_add.v): the RTL equals the model
at each split between LUT and slice levels; the DSP48E1 that Yosys gets is proven equal to the
arithmetic the simulators run; Yosys counts the slices the estimate does."""

import pytest
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import RTL_DIR, rtl_sources
from flow.backends.rtl.synth import synthesize
from flow.backends.rtl.verilator import lint
from flow.ops import FoldingError
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model
from tests.rtl.formal import prove_synthesis_equals_simulation, proven
from tests.rtl.test_mvau import make_case

# (MVAU case as in test_mvau.CASES, adder levels in LUTs before the slices)
CASES = [
    # 4 match counts a lane, 8 lanes: two accumulating slices of 6-bit fields
    ((36, 8, 12, 8, "BIPOLAR", "BIPOLAR", "BIPOLAR", 0, [2]), 0),
    ((36, 8, 12, 8, "BIPOLAR", "BIPOLAR", "BIPOLAR", 0, [2]), 1),
    # 34 match counts, odd at every level; accumulators out; all levels in slices, or none
    ((200, 2, 100, 1, "BIPOLAR", "BIPOLAR", None, 0, [2]), 0),
    ((200, 2, 100, 1, "BIPOLAR", "BIPOLAR", None, 0, [2]), 5),
    # one match count a lane (SIMD 1): only the accumulating slice
    ((9, 4, 1, 4, "BIPOLAR", "BIPOLAR", "UINT2", 0, []), 0),
    # thresholds by binary search behind the slices, 3 lanes of 7 match counts
    ((40, 3, 20, 3, "BIPOLAR", "BIPOLAR", "UINT5", 0, [4]), 1),
]
IDS = [f"{c[0]}x{c[1]}-s{c[2]}p{c[3]}-lut{levels}" for c, levels in CASES]


def dsp_case(case, levels, frames):
    model, node, x = make_case(case, frames=frames)
    op = getCustomOp(node)
    op.set_nodeattr("dot_tree", "dsp")
    op.set_nodeattr("dot_lut_levels", levels)
    op.check_folding()
    return model, node, x


@pytest.mark.parametrize("case,levels", CASES, ids=IDS)
def test_dot_in_slices_matches_model(tmp_path, case, levels):
    assert_rtl_matches_model(*dsp_case(case, levels, frames=3), tmp_path)
    assert_analytic_cycles(*dsp_case(case, levels, frames=4), tmp_path)


def test_dot_in_slices_lint_clean(tmp_path):
    model, node, _ = dsp_case(*CASES[1], frames=1)
    params = getCustomOp(node).rtl_params(model, tmp_path)
    assert params["DOT_DSP"] == 1 and params["DOT_LUT_LEVELS"] == 1
    assert lint("mvau", rtl_sources("mvau"), params) == "", params


def test_dsp48e1_equals_the_simulated_adder(tmp_path):
    assert proven(prove_synthesis_equals_simulation(tmp_path, "dsp_add"))
    # the check can fail: a subtracting adder is told apart
    wrong = tmp_path / "dsp_add_wrong.v"
    wrong.write_text((RTL_DIR / "dsp_add.v").read_text().replace("+ ab + c;", "+ ab - c;"))
    assert not proven(prove_synthesis_equals_simulation(tmp_path, "dsp_add", gold_file=wrong))


def test_yosys_counts_the_estimated_slices(tmp_path):
    model, node, _ = dsp_case(*CASES[2], frames=1)
    op = getCustomOp(node)
    counts = synthesize(tmp_path, rtl_sources("mvau"), "mvau", op.rtl_params(model, tmp_path))
    # 34 match counts: 17 pairs of 3-bit fields (16 a slice: 2), then 9, 5, 3 and 2 pairs (a
    # slice each), and the accumulating slice
    assert counts["DSP"] == op.resources()["DSP"] == 7


def test_slices_refused_outside_xnor_and_for_narrow_accumulators():
    model, node, _ = make_case((8, 6, 2, 3, "INT4", "BIPOLAR", None, 0, [2]), frames=1)
    op = getCustomOp(node)
    op.set_nodeattr("dot_tree", "dsp")
    with pytest.raises(FoldingError, match="MVAU node .*dot_tree 'dsp' takes mode xnor, not binary_weight"):
        op.check_folding()
    model, node, _ = make_case(CASES[0][0], frames=1)
    op = getCustomOp(node)
    op.set_nodeattr("dot_tree", "dsp")
    op.set_nodeattr("dot_lut_levels", -1)
    with pytest.raises(FoldingError, match="dot_lut_levels -1"):
        op.check_folding()
