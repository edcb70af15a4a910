"""The stitched top's stream taps (written by the harness, hw/sim/stream_taps.hpp) read back as
$fwrite's %h wrote them: a tapped word of up to 64 bits (passed by value) and one wider (70 bits,
not a whole number of hex digits) equal the op's L3 output."""

import pytest

from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.backends.taps import stream_checks
from tests.rtl import test_sliding_window as rtl_sliding_window


@pytest.mark.parametrize("dtype, digits", [("INT3", 8), ("INT7", 18)])   # 10 elements a word: 30, 70 bits
def test_a_tapped_stream_equals_l3(tmp_path, dtype, digits):
    model, node, x = rtl_sliding_window.make_case((4, 5), 10, (2, 2), (1, 1), (0, 0, 0, 0), 10, dtype)
    design = generate_rtl(model, tmp_path / "rtl", "taps")
    taps = tmp_path / "taps"
    taps.mkdir()
    simulate_design(build_design(design), design, model, x, in_gap=0.2, out_stall=0.3, taps=taps)
    lines = (taps / f"{node.name}.hex").read_text().split("\n")
    assert len(lines[0]) == digits and lines[-1] == ""
    checks = stream_checks(model, [node], taps, x, "L4 stream")
    assert [(c["name"], c["passed"], c["inputs"]) for c in checks] == [(node.name, True, len(x))]
