"""The small test targets, each built from torch (L0) to the emulated board (L6) with the ops it
exists for: separable_tiny's depthwise convolutions on VVAUs and its pool on a GlobalSum,
residual_tiny's forks on DuplicateStreams and its joins on AddStreams."""

import json
from collections import Counter

import pytest

from flow.build import main

# target: (how many ops of the kinds it exists for, exactly), the rate it is folded for
TARGETS = {
    "separable_tiny": ({"VVAU": 2, "GlobalSum": 1, "MVAU": 4, "LabelSelect": 1}, 2500),
    "residual_tiny": ({"DuplicateStreams": 2, "AddStreams": 2, "GlobalSum": 1, "LabelSelect": 1}, 2000),
}


@pytest.mark.parametrize("target", sorted(TARGETS))
def test_a_small_target_builds_through_every_level(tmp_path, target):
    kinds, fps = TARGETS[target]
    out = tmp_path / "b"
    assert main([target, "--out", str(out), "--inputs", "3"]) == 0
    report = json.loads((out / "report.json").read_text())
    for level in ("L0_L1", "L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"):
        assert report["verification"][level]["passed"], level
    built = Counter(op["name"].rsplit("_", 1)[0] for op in report["ops"])
    assert {kind: built[kind] for kind in kinds} == kinds, built
    assert report["performance"]["measured_fps"] >= fps
