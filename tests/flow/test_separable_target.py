"""separable_tiny, the small depthwise-separable target: every level from torch (L0) to the
emulated board (L6), with its depthwise convolutions on VVAUs and its pool on a GlobalSum."""

import json

from flow.build import main


def test_separable_tiny_builds_through_every_level(tmp_path):
    out = tmp_path / "b"
    assert main(["separable_tiny", "--out", str(out), "--inputs", "3"]) == 0
    report = json.loads((out / "report.json").read_text())
    for level in ("L0_L1", "L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"):
        assert report["verification"][level]["passed"], level
    kinds = {op["name"].rsplit("_", 1)[0] for op in report["ops"]}
    assert {"VVAU", "GlobalSum", "MVAU", "LabelSelect"} <= kinds
    assert report["performance"]["measured_fps"] >= 2500
