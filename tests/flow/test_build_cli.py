"""python -m flow.build on QONNX files: a complete small build, resuming, and clear failures."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from flow.build import main
from tests.flow.nets import compile_net
from tests.flow.qonnx_graphs import unsupported_graph


@pytest.fixture(scope="module")
def int4_onnx(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cli")
    compile_net("int4_convnet", workdir, inputs=2)
    return workdir / "int4_convnet.onnx"


def test_build_verifies_every_level_and_resumes(int4_onnx, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a relative build directory, as users give it
    out = tmp_path / "build"
    args = ["--model", str(int4_onnx), "--out", "build", "--inputs", "6", "--target-fps", "20000"]
    assert main(args) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["verdict"] == {"passed": True, "failures": []}
    for level in ("L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"):
        assert report["verification"][level]["passed"] and report["verification"][level]["inputs"] == 6, level
    assert report["per_op_rtl"]["all_equal"]
    for stage in ("00_qonnx.onnx", "10_integer.onnx", "reference.onnx", "20_hw.onnx", "30_folded.onnx",
                  "rtl/accelerator.v", "hls/accelerator.cpp", "hls/csynth.tcl", "folding.json", "report.md",
                  "report_cycles.png", "report.html"):
        assert (out / stage).exists(), stage
    for op in report["ops"]:
        if op["measured_cycles"]:
            assert op["measured_cycles"] == op["analytic_cycles"], op["name"]
    printed = capsys.readouterr().out
    assert "verdict: PASS" in printed and "ladder: L1_L2 ok (6 inputs)" in printed, printed
    assert main(args) == 0
    assert capsys.readouterr().out.count("up to date") == 16
    assert main(args + ["--from", "hlssim"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"\[9/16\] op_rtlsim +up to date", printed), printed
    assert re.search(r"\[11/16\] hlssim +g\+\+", printed), printed
    # one backend: the other's steps are skipped and its level is not compared
    assert main(args + ["--backend", "hls"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"\[8/16\] rtlsim +skipped", printed), printed
    assert re.search(r"\[16/16\] board +skipped", printed), printed
    levels = json.loads((out / "report.json").read_text())["verification"]
    assert "L2_L4" not in levels and "L2_L6" not in levels and levels["L2_L5"]["passed"]


def test_unsupported_node_stops_with_its_name_and_keeps_earlier_steps(tmp_path, capsys):
    model = tmp_path / "sigmoid.onnx"
    unsupported_graph().save(str(model))
    assert main(["--model", str(model), "--out", str(tmp_path / "b")]) == 1
    err = capsys.readouterr().err
    assert "step 'streamline' failed" in err and "Sigmoid node" in err and "supported:" in err
    assert (tmp_path / "b" / "00_qonnx.onnx").exists()
    assert not (tmp_path / "b" / "10_integer.onnx").exists()


def test_bad_folding_file_names_the_op(int4_onnx, tmp_path, capsys):
    folding = tmp_path / "f.json"
    folding.write_text(json.dumps({"MVAU_1": {"SIMD": 5}}))
    assert main(["--model", str(int4_onnx), "--out", str(tmp_path / "b"), "--folding", str(folding)]) == 1
    assert "MVAU node 'MVAU_1': SIMD=5 must divide MW=8" in capsys.readouterr().err


@pytest.mark.parametrize(("flags", "message"), [
    (["--model", "nope.onnx"], "--model nope.onnx: no such file"),
    (["--clock-mhz", "-5"], "--clock-mhz -5: must be positive"),
    (["--inputs", "0"], "--inputs 0: must be positive"),
    (["--target-fps", "fast"], "--target-fps 'fast': expected a positive float"),
    (["--out", "a_file"], "--out a_file: exists and is not a directory"),
    (["--from", "nowhere"], "--from nowhere: no such step"),
    (["--backend", "vhdl"], "--backend: invalid choice: 'vhdl'"),
    (["--l4-shards", "0"], "--l4-shards 0: must be positive"),
    (["--ray-address", "127.0.0.1:6379"], "--ray-address goes with --l4-shards"),
    (["--input-datatype", "FOO"], "--input-datatype 'FOO': 'FOO' is no qonnx datatype"),
    (["--input-datatype", "UINT8:x"], "--input-datatype 'UINT8:x': scale 'x' is not a number"),
    (["--input-datatype", "FLOAT32"], "FLOAT32 is not an integer or fixed-point type"),
])
def test_malformed_flags_name_the_flag(int4_onnx, tmp_path, monkeypatch, capsys, flags, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("")
    model = [] if "--model" in flags else ["--model", str(int4_onnx)]
    assert main([*model, *flags]) != 0
    err = capsys.readouterr().err
    assert message in err, err
    assert "Traceback" not in err
    assert not (tmp_path / "build").exists() or "--from" in flags  # nothing built on bad flags


def test_input_data_shape_is_checked(int4_onnx, tmp_path, capsys):
    data = tmp_path / "x.npy"
    np.save(data, np.zeros((2, 3, 9, 9), np.float32))
    assert main(["--model", str(int4_onnx), "--out", str(tmp_path / "b"), "--input-data", str(data)]) == 1
    assert "frames of shape (3, 9, 9), the model takes (3, 8, 8)" in capsys.readouterr().err


def test_a_changed_file_at_the_same_path_reruns_what_reads_it(tmp_path, capsys):
    """Steps are keyed by the contents of what they read, never by paths: the model and the
    folding file overwritten in place change the design; an unchanged rebuild skips every step."""
    model, folding, out = tmp_path / "net.onnx", tmp_path / "folding.json", tmp_path / "b"
    (tmp_path / "a").mkdir()
    (tmp_path / "c").mkdir()
    compile_net("int4_convnet", tmp_path / "a", seed=0, inputs=2)
    (tmp_path / "a" / "int4_convnet.onnx").rename(model)
    folding.write_text(json.dumps({"MVAU_0": {"PE": 1}}))
    args = ["--model", str(model), "--out", str(out), "--inputs", "2", "--backend", "hls",
            "--folding", str(folding)]
    assert main(args) == 0
    first = (out / "20_hw.onnx").read_bytes()
    capsys.readouterr()
    assert main(args) == 0
    assert "done in" not in capsys.readouterr().out   # nothing reran

    folding.write_text(json.dumps({"MVAU_0": {"PE": 2}}))   # the same path, other contents
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert re.search(r"lower +up to date", printed) and re.search(r"fold +20_hw.onnx", printed), printed
    assert json.loads((out / "folding.json").read_text())["MVAU_0"]["PE"] == 2

    compile_net("int4_convnet", tmp_path / "c", seed=1, inputs=2)   # other weights, same path
    (tmp_path / "c" / "int4_convnet.onnx").rename(model)
    assert main(args) == 0
    assert re.search(r"export +Brevitas", capsys.readouterr().out)
    assert (out / "20_hw.onnx").read_bytes() != first


def test_a_plain_run_says_it_fell_back_to_no_folding_and_shows_no_import_warnings(int4_onnx, tmp_path):
    """As a user runs it (a fresh interpreter, warnings shown as Python shows them by default):
    the PE = SIMD = 1 fallback is printed and in report.md, and no third-party import warning is."""
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-W", "default", "-m", "flow.build", "--model", str(int4_onnx),
                           "--out", "b", "--inputs", "2", "--backend", "rtl", "--no-op-sim"],
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(repo)},
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    note = "no folding or target fps given: every op at PE = SIMD = 1 (the slowest design)"
    assert f"note: {note}" in proc.stdout
    assert f"- {note}" in (tmp_path / "b" / "report.md").read_text()
    assert "Warning" not in proc.stderr, proc.stderr


def test_yosys_counts_over_the_board_budget_fail_the_build(int4_onnx, tmp_path, capsys, monkeypatch):
    from flow.board.spec import Board

    args = ["--model", str(int4_onnx), "--out", str(tmp_path / "b"), "--inputs", "2", "--target-fps", "20000",
            "--backend", "rtl", "--no-op-sim", "--synth"]
    assert main(args) == 0
    synth = json.loads((tmp_path / "b" / "synth" / "yosys.json").read_text())
    assert synth["run"] and synth["LUT"] > 0
    # the folding fitted by the estimate; a budget below Yosys's LUTs must fail at synth, by name
    real_budget = Board.budget
    monkeypatch.setattr(Board, "budget", lambda self: {**real_budget(self), "LUT": synth["LUT"] - 1})
    assert main(args + ["--from", "synth"]) == 1
    assert "verdict: FAIL" in capsys.readouterr().out
    verdict = json.loads((tmp_path / "b" / "report.json").read_text())["verdict"]
    assert verdict["failures"] == [f"synth: synthesis yosys (LUT {synth['LUT']:,} > {synth['LUT'] - 1:,})"]
