"""Per-frame capture flags through a whole generated HLS design: a feature op followed by the
tracker's correlation tail (flow/targets/siamfc/tracker_graph.py), C-simulated with the test bench, equals the
numpy graph (L3); the co-simulation Tcl passes the flags; a malformed flag file is refused by
the test bench (and by the Verilator harness, tests/rtl/test_correlation.py: one reader,
hw/sim/stream_options.hpp)."""

import re
import subprocess

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from flow import verify
from flow.backends.hls.codegen import generate_hls
from flow.backends.hls.csim import build_csim
from flow.backends.rtl.stitched import simulate_design
from flow.backends.rtl.verilator import SimulationError
from flow.targets.siamfc.tracker_graph import append_correlation
from tests.helpers import random_values, single_op_model

# CAPTURE: a capture frame, two search frames, a new capture, a search: four calls of the top
from tests.rtl.test_correlation import CAPTURE, MALFORMED_CAPTURE

PART = "xc7z020clg400-1"


def tracker_tail():
    """MaxPool (8x8x2 -> 4x4x2, INT4) + a 3x3 exemplar's window + correlation: 2x2 score maps."""
    model = single_op_model("MaxPool", (1, 8, 8, 2), ifm_dims=[8, 8], channels=2, kernel=2, out_dtype="INT4")
    model.set_tensor_datatype("x", DataType["INT4"])
    model.set_tensor_shape("y", [1, 4, 4, 2])
    model.set_tensor_datatype("y", DataType["INT4"])
    x = random_values(np.random.default_rng(3), DataType["INT4"], (len(CAPTURE), 8, 8, 2))
    return append_correlation(model, exemplar_side=3), x


@pytest.fixture(scope="module")
def csim(tmp_path_factory):
    tracker, x = tracker_tail()
    workdir = tmp_path_factory.mktemp("capture")
    expected = verify.run_hardware_graph(tracker, x, batch=len(x), capture=CAPTURE).astype(np.int64)
    design = generate_hls(tracker, workdir / "hls", "tail", PART, 100.0, cosim_io=(x, expected),
                          cosim_capture=CAPTURE)
    return tracker, x, expected, design, build_csim(design), workdir


def test_capture_flags_drive_the_generated_top(csim):
    tracker, x, expected, design, sim, workdir = csim
    assert design.controls == ("exemplar_capture",)
    y, stats = simulate_design(sim, design, tracker, x, capture=CAPTURE)
    assert stats["frames"] == len(x)
    assert np.array_equal(y, expected)
    assert len(np.unique(expected)) > 4
    # the exemplar memory persists across calls: search frames score against the last capture
    assert not np.array_equal(expected[2], expected[4])


def test_cosim_passes_the_capture_flags(csim):
    """export_ip.tcl's co-simulation command line, run on the C-simulation: the response equals
    cosim/expected.bin with the capture flags and differs without them."""
    design, sim = csim[3], csim[4]
    tcl = (design.directory / "export_ip.tcl").read_text()
    argv = re.search(r'cosim_design -argv "([^"]*)"', tcl).group(1).replace("$here", str(design.directory))
    assert argv.endswith(f"--capture {design.directory}/cosim/capture.bin")
    assert list(np.fromfile(design.directory / "cosim" / "capture.bin", dtype=np.uint8)) == [1, 0]
    run = subprocess.run([str(sim.binary), *argv.split()], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    without = argv.split(" --capture ")[0].split()
    run = subprocess.run([str(sim.binary), *without], capture_output=True, text=True, check=False)
    assert run.returncode == 1 and "the response differs" in run.stderr


def test_cosim_flags_go_with_a_capture_top_only(csim, tmp_path):
    tracker, x, expected, *_ = csim
    with pytest.raises(ValueError, match="co-simulation needs the test frames' capture flags"):
        generate_hls(tracker, tmp_path / "hls", "tail", PART, 100.0, cosim_io=(x, expected))
    backbone = single_op_model("MaxPool", x.shape, ifm_dims=[8, 8], channels=2, kernel=2, out_dtype="INT4")
    with pytest.raises(ValueError, match="cosim_capture is for .* a top with the control exemplar_capture"):
        generate_hls(backbone, tmp_path / "hls", "pool", PART, 100.0, cosim_io=(x, x), cosim_capture=CAPTURE)


@pytest.mark.parametrize(("flags", "message"), MALFORMED_CAPTURE)
def test_a_malformed_capture_file_is_refused(csim, flags, message):
    tracker, x, _, design, sim, _ = csim
    with pytest.raises(SimulationError, match=f"testbench: .*{message}"):
        simulate_design(sim, design, tracker, x, capture=np.array(flags, dtype=np.uint8))
