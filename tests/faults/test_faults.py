"""Faults injected into the small build: observable ones fail the build (its exit code), the
others leave every op's numpy output unchanged; a corrupted weight word fails its op's stream,
in the RTL (L4) and in the HLS C-simulation (L5)."""

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.backends.hls.steps import step_hlssim
from flow.backends.rtl.steps import step_rtlsim
from flow.config import BuildConfig
from flow.faults.__main__ import main
from flow.faults.campaign import run_faults
from flow.faults.kinds import KINDS, flip_memh, memory_fault_observable
from flow.faults.sites import BuildFacts, MemoryBit


def test_every_kind_observable_faults_are_caught(small_build):
    result = run_faults(small_build, trials=3, seed=1, confirm=1, say=print)
    kinds = {k["kind"]: k for k in result["kinds"]}
    assert list(kinds) == [k.name for k in KINDS]
    for kind in kinds.values():
        assert kind["injected"] == 3
        for fault in kind["faults"]:
            if not fault["observable"] and "exit_code" in fault:  # rerun in RTL: the build passes
                assert fault["exit_code"] == 0, fault
            elif fault["observable"]:
                assert fault["exit_code"] != 0, fault
    for name in ("rtl memory bit", "hls header bit"):
        assert kinds[name]["caught"] == kinds[name]["observable"] > 0


@pytest.mark.parametrize("kind, step, level, scope", [("rtl memory bit", step_rtlsim, "L2_L4", "L4 stream"),
                                                      ("hls header bit", step_hlssim, "L2_L5", "L5 stream")])
def test_a_corrupted_weight_word_fails_its_own_stream_check(small_build, tmp_path, kind, step, level, scope):
    """A weight bit whose change is absorbed downstream (the output is unchanged) is still caught,
    at the op that reads it (in rtl/*.mem for L4, in hls/*.hpp for L5)."""
    facts = BuildFacts(small_build)
    fault = _absorbed_weight_bit(facts)
    build = tmp_path / "build"
    shutil.copytree(small_build, build)
    next(k for k in KINDS if k.name == kind).apply(facts, fault, build)
    checks = {c["name"]: c for c in step(BuildConfig(name="int4_convnet", out=build))}
    assert checks[level]["passed"]
    assert not checks[fault.node]["passed"] and checks[fault.node]["scope"] == scope
    nodes = [n.name for n in facts.model.graph.node]
    assert all(checks[n]["passed"] for n in nodes[:nodes.index(fault.node)] if n in checks)  # HLS: no FIFOs


def _absorbed_weight_bit(facts: BuildFacts) -> MemoryBit:
    """The first weight bit that changes its op's output but not the network's, by the numpy models."""
    for name, memory, words, width in facts.memory_sites():
        if memory != "weights":
            continue
        for word in range(words):
            for bit in range(width):
                fault = MemoryBit(name, memory, word, bit)
                if memory_fault_observable(facts, fault) and not _changes_output(facts, fault):
                    return fault
    raise AssertionError("no weight bit of the small build is absorbed downstream")


def _changes_output(facts: BuildFacts, fault: MemoryBit) -> bool:
    node = facts.node(fault.node)
    with tempfile.TemporaryDirectory() as tmp:
        for mem in (facts.directory / "rtl").glob(f"{fault.node}_*.mem"):
            shutil.copyfile(mem, Path(tmp) / mem.name)
        flip_memh(Path(tmp) / f"{fault.file_stem}.mem", fault.word, fault.bit)
        weights = getCustomOp(node).memory_parameters(Path(tmp))[0]
    model = ModelWrapper(facts.model.model, make_deepcopy=True)
    model.set_initializer(node.input[1], weights.astype(np.float32))
    return not np.array_equal(verify.execute_batch(model, facts.x), verify.execute_batch(facts.model, facts.x))


def test_a_missing_build_is_named(tmp_path, capsys):
    assert main([str(tmp_path / "nowhere")]) == 2
    assert f"{tmp_path / 'nowhere'}: no such build directory" in capsys.readouterr().err
    (tmp_path / "half").mkdir()
    assert main([str(tmp_path / "half")]) == 2
    assert "is not a complete build (no 30_folded.onnx" in capsys.readouterr().err
