"""python -m flow.build on QONNX files: a complete small build, resuming, and clear failures."""

import json
import re

import numpy as np
import pytest

from flow.build import bit_exactness_failures, main
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
    for level in ("L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"):
        assert report["verification"][level]["equal"], level
    assert report["per_op_rtl"]["all_equal"]
    for stage in ("00_qonnx.onnx", "10_integer.onnx", "reference.onnx", "20_hw.onnx", "30_folded.onnx",
                  "rtl/accelerator.v", "hls/accelerator.cpp", "hls/csynth.tcl", "folding.json", "report.md",
                  "report_cycles.png"):
        assert (out / stage).exists(), stage
    for op in report["ops"]:
        if op["measured_cycles"]:
            assert abs(op["measured_over_analytic"] - 1) <= 0.10, op["name"]
    capsys.readouterr()
    assert main(args) == 0
    assert capsys.readouterr().out.count("up to date") == 16
    assert main(args + ["--from", "verify"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"\[8/16\] op_rtlsim +up to date", printed), printed
    assert re.search(r"\[11/16\] verify +done", printed), printed
    # one backend: the other's steps are skipped and its level is not compared
    assert main(args + ["--backend", "hls"]) == 0
    printed = capsys.readouterr().out
    assert re.search(r"\[7/16\] rtlsim +skipped", printed), printed
    assert re.search(r"\[16/16\] board +skipped", printed), printed
    levels = json.loads((out / "report.json").read_text())["verification"]
    assert "L2_L4" not in levels and "L2_L6" not in levels and levels["L2_L5"]["equal"]


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


def test_missing_model_file(tmp_path, capsys):
    assert main(["--model", str(tmp_path / "nope.onnx"), "--out", str(tmp_path / "b")]) == 1
    assert "nope.onnx: no such file" in capsys.readouterr().err


def test_input_data_shape_is_checked(int4_onnx, tmp_path, capsys):
    data = tmp_path / "x.npy"
    np.save(data, np.zeros((2, 3, 9, 9), np.float32))
    assert main(["--model", str(int4_onnx), "--out", str(tmp_path / "b"), "--input-data", str(data)]) == 1
    assert "frames of shape (3, 9, 9), the model takes (3, 8, 8)" in capsys.readouterr().err


def test_a_tracker_level_that_differs_fails_the_build():
    equal, differs = {"equal": True}, {"equal": False}
    report = {"verification": {"L1_L2": differs, "L2_L4": equal, "L2_L5": equal},  # L1_L2 is float
              "tracker": {"levels": {"L2_L4": equal, "L2_L5": differs}}}
    assert bit_exactness_failures(report) == ["tracker L2_L5"]
    assert bit_exactness_failures({**report, "tracker": None}) == []
