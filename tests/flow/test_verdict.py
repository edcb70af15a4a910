"""The verdict's rules: exact levels, rounding-boundary levels, zero inputs, tool findings, cycles."""

import numpy as np

from flow import verdict
from flow.verify import compare


def test_exact_level_fails_on_one_mismatch_and_on_zero_inputs():
    a = np.arange(6).reshape(2, 3)
    assert verdict.level("L2_L4", compare(a, a, exact=True))["passed"]
    b = a.copy()
    b[1, 2] += 1
    failed = verdict.level("L2_L4", compare(a, b, exact=True))
    assert not failed["passed"]
    assert verdict.failures({"rtlsim": [failed]}) == ["rtlsim: ladder L2_L4 (1 mismatches)"]
    empty = verdict.level("L2_L5", compare(a[:0], a[:0], exact=True))
    assert not empty["passed"]
    assert verdict.failures({"hlssim": [empty]}) == ["hlssim: ladder L2_L5 (0 inputs compared)"]


def test_rounding_boundary_level_accepts_only_differences_shown_on_a_boundary():
    a, b = np.zeros((2, 4)), np.zeros((2, 4))
    b[0, 0] = b[1, 3] = 1.0
    comparison = compare(a, b, step=1.0)
    assert not verdict.level("L1_L2", comparison, rule="rounding_boundary")["passed"]
    shown_one = verdict.level("L1_L2", {**comparison, "boundary_cases": 1}, rule="rounding_boundary")
    assert not shown_one["passed"]
    assert "1 of 2 differences not on a rounding boundary" in verdict.failures({"verify": [shown_one]})[0]
    assert verdict.level("L1_L2", {**comparison, "boundary_cases": 2}, rule="rounding_boundary")["passed"]


def test_tool_findings_and_cycles():
    assert verdict.clean("lint", [])["passed"]
    assert verdict.failures({"package": [verdict.clean("lint", ["%Warning-WIDTH: x.v:3"])]}) == \
        ["package: tools lint (1 findings, first: %Warning-WIDTH: x.v:3)"]
    assert verdict.cycles("cycles_per_frame", 100, 100)["passed"]
    assert not verdict.cycles("cycles_per_frame", 130, 100)["passed"]
    assert not verdict.cycles("cycles_per_frame", 0, 100)["passed"]   # nothing measured



def test_synthesis_counts_must_fit_the_board_budget():
    budget = {"LUT": 45_220, "FF": 106_400, "BRAM36": 140, "DSP": 220}
    fitting = {"LUT": 45_220, "FF": 6_986, "BRAM36": 105.5, "DSP": 0, "timing_proxy": {}}
    assert verdict.fits("yosys", fitting, budget)["passed"]
    over = verdict.fits("yosys", {**fitting, "LUT": 53_749}, budget)
    assert not over["passed"]
    assert verdict.failures({"synth": [over]}) == ["synth: synthesis yosys (LUT 53,749 > 45,220)"]

def test_a_step_not_in_this_invocation_is_not_judged():
    failed = verdict.level("L2_L5", {"inputs": 3, "mismatches": 3, "equal": False})
    assert verdict.failures({"rtlsim": []}) == []
    assert verdict.failures({"rtlsim": [], "hlssim": [failed]}) != []
