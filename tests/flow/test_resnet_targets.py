"""residual_tiny, the small ResNet target: every level from torch (L0) to the emulated board (L6),
with its forks on DuplicateStreams, its joins on AddStreams and a strided skip convolution."""

import json

from flow.build import main


def test_residual_tiny_builds_through_every_level(tmp_path):
    out = tmp_path / "b"
    assert main(["residual_tiny", "--out", str(out), "--inputs", "3"]) == 0
    report = json.loads((out / "report.json").read_text())
    for level in ("L0_L1", "L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"):
        assert report["verification"][level]["passed"], level
    kinds = [op["name"].rsplit("_", 1)[0] for op in report["ops"]]
    assert kinds.count("DuplicateStreams") == 2 and kinds.count("AddStreams") == 2
    assert report["performance"]["measured_fps"] >= 2000
