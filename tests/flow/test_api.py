"""flow.api: a Brevitas module and a qonnx ModelWrapper built in memory, keyed by content, and the
Build's reference and RTL run on new inputs."""

import re

import numpy as np
import pytest
import torch
from qonnx.core.modelwrapper import ModelWrapper

from flow.api import Build, build
from tests.flow.nets import NETS, randomized

OPTIONS = {"fps": 20000, "backend": "rtl", "op_sim": False}


def int4_module(seed=0):
    make, shape = NETS["int4_convnet"]
    torch.manual_seed(seed)
    return randomized(make(), seed), shape[1:]


@pytest.fixture(scope="module")
def module_build(tmp_path_factory):
    module, shape = int4_module()
    x = np.random.default_rng(0).uniform(-1, 1, (4, *shape)).astype(np.float32)
    out = tmp_path_factory.mktemp("api") / "b"
    return module, x, build(module, input_data=x, out=out, verbose=False, **OPTIONS)


def test_a_brevitas_module_builds_with_its_torch_level(module_build, capsys):
    module, x, b = module_build
    assert b.passed and b.failures == [], b.failures
    assert b.verification["ladder"].keys() >= {"L0_L1", "L1_L2", "L2_L3", "L2_L4", "L2_L6"}
    assert all(level["inputs"] == 4 for level in b.verification["ladder"].values())
    assert (b.directory / "given" / "model.onnx").is_file()
    assert np.array_equal(np.load(b.directory / "inputs.npy"), x)
    assert b.folding["MVAU_0"]["SIMD"] >= 1 and b.report["build"]["inputs"] == 4
    # the same module and data again: its export and the data enter the keys by content
    build(module, input_data=x, out=b.directory, **OPTIONS)
    printed = capsys.readouterr().out
    assert "done in" not in printed and printed.count("up to date") == 13, printed


def test_predict_and_rtlsim_agree_on_new_inputs(module_build, capsys):
    _, x, b = module_build
    assert np.array_equal(b.predict(x)["core_out"], np.load(b.directory / "reference_outputs.npz")["core_out"])
    fresh = np.random.default_rng(7).uniform(-1, 1, (3, *x.shape[1:])).astype(np.float32)
    expected = b.predict(fresh)["core_out"]
    assert expected.shape == (3, 10)
    assert np.array_equal(b.rtlsim(fresh), expected)
    assert "rtlsim:   0%|" in capsys.readouterr().err   # a progress bar over the 3 frames
    opened = Build.open(b.directory)
    assert opened.report == b.report and opened.passed


def test_a_model_wrapper_with_a_folding_dict(module_build, tmp_path):
    _, _, b = module_build
    model = ModelWrapper(str(b.directory / "00_qonnx.onnx"))
    folded = build(model, folding={"MVAU_0": {"PE": 2}}, inputs=2, out=tmp_path / "w",
                   backend="rtl", op_sim=False, verbose=False)
    assert folded.passed, folded.failures
    assert folded.folding["MVAU_0"]["PE"] == 2
    assert "L0_L1" not in folded.verification["ladder"]   # no torch model: no L0
    assert (tmp_path / "w" / "given" / "folding.json").is_file()


@pytest.mark.parametrize(("call", "message"), [
    (lambda tmp: build("nope", out=tmp), "unknown target 'nope' (known: "),
    (lambda tmp: build(42, out=tmp), "model: expected a target name, a QONNX file"),
    (lambda tmp: build("missing.onnx", out=tmp), "model missing.onnx: no such file"),
    (lambda tmp: build(int4_module()[0], out=tmp), "a torch module needs input_shape"),
    (lambda tmp: build("tfc_w1a1", out=tmp, fps=10, folding={}), "folding and fps exclude each other"),
    (lambda tmp: build("tfc_w1a1", out=tmp, fps="fast"), "fps 'fast': expected a positive number or 'max'"),
    (lambda tmp: build("tfc_w1a1", out=tmp, backend="vhdl"), "backend 'vhdl': expected one of"),
    (lambda tmp: build("tfc_w1a1", out=tmp, input_data=np.zeros((1, 784))), "input_data goes with a model"),
    (lambda tmp: build("tfc_w1a1", out=tmp, weights="random"), "weights 'random': expected random:SEED"),
    (lambda tmp: build("tfc_w1a1", out=tmp, weights="random:1", checkpoint=__file__),
     "weights random:SEED and a checkpoint exclude each other"),
    (lambda tmp: Build.open(tmp), "not a completed build (no report.json)"),
])
def test_bad_input_is_one_line_naming_it(tmp_path, call, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        call(tmp_path)
    assert not (tmp_path / "given").exists()


def test_predict_names_the_expected_frame_shape(module_build):
    with pytest.raises(ValueError, match=r"x: expected frames \(N, 3, 8, 8\), got shape \(3, 8, 8\)"):
        module_build[2].predict(np.zeros((3, 8, 8)))
