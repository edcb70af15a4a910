"""The stitched top's stream taps (written by the harness, hw/sim/stream_taps.hpp) read back as
$fwrite's %h wrote them: a tapped word wider than 64 bits and not a whole number of hex digits
equals the op's L3 output."""

from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.backends.taps import stream_checks
from tests.rtl import test_sliding_window as rtl_sliding_window


def test_a_wide_tapped_stream_equals_l3(tmp_path):
    # 10 INT7 elements a word: 70 bits, 18 hex digits
    model, node, x = rtl_sliding_window.make_case((4, 5), 10, (2, 2), (1, 1), (0, 0, 0, 0), 10, "INT7")
    design = generate_rtl(model, tmp_path / "rtl", "taps")
    taps = tmp_path / "taps"
    taps.mkdir()
    simulate_design(build_design(design), design, model, x, in_gap=0.2, out_stall=0.3, taps=taps)
    lines = (taps / f"{node.name}.hex").read_text().split("\n")
    assert len(lines[0]) == 18 and lines[-1] == ""
    checks = stream_checks(model, [node], taps, x, "L4 stream")
    assert [(c["name"], c["passed"], c["inputs"]) for c in checks] == [(node.name, True, len(x))]
