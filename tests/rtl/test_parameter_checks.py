"""Illegal parameters stop elaboration: each module's `initial` check reports the combination
with $error and ends the simulation before a cycle runs (elaborated with Icarus Verilog)."""

import shutil
import subprocess

import pytest

from flow.backends.rtl.sources import rtl_sources

pytestmark = pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog not installed (./dev env)")

# (module, illegal parameters, the message it must print)
ILLEGAL = [
    ("mvau", {"MW": 8, "MH": 6, "SIMD": 2, "PE": 4}, "mvau: PE=4 must divide MH=6"),
    ("mvau", {"MW": 9, "MH": 4, "SIMD": 2, "PE": 2}, "mvau: SIMD=2 must divide MW=9"),
    ("sliding_window", {"C": 6, "SIMD": 4}, "sliding_window: SIMD=4 must divide C=6"),
    ("thresholding", {"C": 5, "PE": 2}, "thresholding: PE=2 must divide C=5"),
    ("maxpool", {"C": 6, "PE": 4}, "maxpool: PE=4 must divide C=6"),
    ("correlation", {"MW": 10, "SIMD": 4}, "correlation: SIMD=4 must divide MW=10"),
    ("label_select", {"LABELS": 3, "K": 5}, "label_select: need 1 <= K <= LABELS (got K=5, LABELS=3)"),
    ("fifo", {"DEPTH": 3}, "fifo: DEPTH must be 0 or a power of two >= 2 (got 3)"),
    ("credit_fifo", {"CREDITS": 0}, "credit_fifo: WIDTH=8 and CREDITS=0 must be >= 1"),
    ("dwc", {"BITS": 0}, "dwc: IN_ELEMS=1, OUT_ELEMS=1 and BITS=0 must all be >= 1"),
    ("axil_control", {"CAPTURE": 2}, "axil_control: CAPTURE must be 0 or 1 (got 2)"),
]


@pytest.mark.parametrize(("module", "params", "message"), ILLEGAL, ids=[m for m, _, _ in ILLEGAL])
def test_illegal_parameters_stop_elaboration(tmp_path, module, params, message):
    overrides = [f"-P{module}.{k}={v}" for k, v in params.items()]
    compiled = subprocess.run(["iverilog", "-g2012", "-s", module, "-o", str(tmp_path / "sim"), *overrides,
                               *map(str, rtl_sources(module))], capture_output=True, text=True, check=False)
    assert compiled.returncode == 0, compiled.stderr
    run = subprocess.run(["vvp", "-n", str(tmp_path / "sim")], capture_output=True, text=True, check=False,
                         timeout=60)
    assert "ERROR: " in run.stdout and message in run.stdout, run.stdout + run.stderr
    assert "Time: 0 " in run.stdout   # reported at time 0, before any clock edge
