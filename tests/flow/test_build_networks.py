"""Whole networks: tfc_w1a1 and cnv_w1a1 built by python -m flow.build, L2 = L3 = L4 = L5
bit-exactly (L4 the Verilator simulation of the RTL, L5 the C-simulation of the HLS C++).

tfc_w1a1 with its shipped trained weights and labelled MNIST test digits (top-1 at every level),
cnv_w1a1 with seeded random weights and calibrated BatchNorm (the targets' defaults); few inputs
and no per-op simulations, to stay fast. The Verilator builds are cached by content hash.
"""

import json

import pytest

from flow.build import main


@pytest.mark.slow
@pytest.mark.parametrize("target,inputs", [("tfc_w1a1", 12), ("cnv_w1a1", 4)])
def test_network_is_bit_exact_at_every_level(target, inputs, tmp_path):
    out = tmp_path / target
    assert main([target, "--out", str(out), "--inputs", str(inputs), "--no-op-sim"]) == 0
    report = json.loads((out / "report.json").read_text())
    levels = report["verification"]
    assert set(levels) == {"L0_L1", "L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"}
    for name in ("L0_L1", "L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"):
        assert levels[name]["inputs"] == inputs
        assert levels[name]["equal"], (name, levels[name])
    perf = report["performance"]
    assert perf["measured_cycles_per_frame"] <= 1.1 * perf["analytic_cycles_per_frame"]
    accuracy = report["accuracy"]
    if target == "tfc_w1a1":   # trained: top-1 counted from each level's own outputs
        assert report["build"]["weights"].startswith("trained")
        assert set(accuracy["levels"]) == {"L0", "L2", "L4", "L6"} and accuracy["images"] == inputs
        assert accuracy["agree"] and accuracy["levels"]["L6"]["correct"] >= inputs // 2, accuracy
    else:                      # photographs have no labels
        assert accuracy is None
