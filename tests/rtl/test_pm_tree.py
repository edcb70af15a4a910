"""The binary modes' dot product as adders of ones' complements with carry-ins (pm_tree.v,
add_chain.v): the LUT6_2 and CARRY4 chain synthesis gets is proven equal to the arithmetic the
simulators run, and Yosys maps an adder to one LUT a bit, as the estimate counts. (The binary
MVAUs of tests/rtl/test_mvau.py check the tree against the model.)"""

import pytest
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import RTL_DIR, rtl_sources
from flow.backends.rtl.synth import synthesize
from flow.estimate import pm_tree_resources
from tests.rtl.formal import prove_synthesis_equals_simulation, proven
from tests.rtl.test_mvau import make_case


@pytest.mark.parametrize("width", [3, 4, 9])
def test_the_lut_and_carry_chain_equal_the_simulated_adder(tmp_path, width):
    assert proven(prove_synthesis_equals_simulation(tmp_path, "add_chain", {"W": width}))


def test_a_wrong_lut_table_is_told_apart(tmp_path):
    wrong = tmp_path / "add_chain_wrong.v"
    # the simulated reading adds a's complement where a_flip is 0
    wrong.write_text((RTL_DIR / "add_chain.v").read_text().replace("^ {W{a_flip}}", "^ {W{!a_flip}}"))
    assert not proven(prove_synthesis_equals_simulation(tmp_path, "add_chain", {"W": 5}, gold_file=wrong))


def test_a_binary_weight_lane_is_a_lut_per_adder_bit(tmp_path):
    # CNV's first layer kind: 8-bit pixels, +-1 weights, three a step; 4 lanes
    model, node, _ = make_case((27, 4, 3, 4, "UINT8", "BIPOLAR", "BIPOLAR", 0, [2]), frames=1)
    op = getCustomOp(node)
    counts = synthesize(tmp_path, rtl_sources("mvau"), "mvau", op.rtl_params(model, tmp_path))
    # per lane: adders of 10 and 11 bits, and the accumulator's
    lane = pm_tree_resources(3, 8)["LUT"] + op.accumulator_bits()
    assert lane == 10 + 11 + op.accumulator_bits()
    assert counts["cells"]["LUT6_2"] == 4 * lane
