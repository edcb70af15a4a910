"""The C-simulation's stream taps read back as the RTL's do: a tapped word wider than 64 bits and
not a whole number of hex digits, taken at a top's output port (wider than the data), equals the
op's L3 output."""

from flow.backends.hls.codegen import generate_hls
from flow.backends.hls.csim import build_csim
from flow.backends.rtl.stitched import simulate_design
from flow.backends.taps import BATCH, CONTEXT_VALUES, frames_per_batch, stream_checks
from tests.rtl import test_sliding_window as rtl_sliding_window


def test_a_wide_tapped_stream_equals_l3(tmp_path):
    # 10 INT7 elements a word: 70 bits, in a 72-bit port
    model, node, x = rtl_sliding_window.make_case((4, 5), 10, (2, 2), (1, 1), (0, 0, 0, 0), 10, "INT7")
    design = generate_hls(model, tmp_path / "hls", "taps", "xc7z020clg400-1", 100.0)
    taps = tmp_path / "taps"
    taps.mkdir()
    simulate_design(build_csim(design), design, model, x, taps=taps)
    assert len((taps / f"{node.name}.hex").read_text().split("\n")[0]) == 18
    checks = stream_checks(model, [node], taps, x, "L5 stream")
    assert [(c["name"], c["passed"], c["inputs"]) for c in checks] == [(node.name, True, len(x))]



def test_frames_per_check_shrink_with_the_frame():
    # a check holds one batch's whole L3 context: a tracker frame's millions of values must not
    # be taken 32 at a time (that asked for 24 GiB), and a frame of any size is taken alone
    model, node, _ = rtl_sliding_window.make_case((4, 5), 10, (2, 2), (1, 1), (0, 0, 0, 0), 10, "INT7")
    assert frames_per_batch(model) == BATCH
    model.set_tensor_shape(node.output[0], [1, 1000, 1000, 2])     # 2 M values a frame
    assert 1 < frames_per_batch(model) <= CONTEXT_VALUES // 2_000_000 < BATCH
    model.set_tensor_shape(node.output[0], [1, 3000, 3000, 10])    # 90 M
    assert frames_per_batch(model) == 1
