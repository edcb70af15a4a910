"""python -m flow.coverage: every case is a valid QONNX graph, and a case is reported as what its
build did: built with its levels, or stopped at a step with that step's message."""

import json

import onnx
import pytest

from flow.coverage import CASES, main, run_case


@pytest.mark.parametrize("case", CASES, ids=[f"{c.op}-{c.attributes}" for c in CASES])
def test_every_case_is_a_valid_graph(case):
    onnx.checker.check_model(case.make().model)   # cleaned, as a build's front end cleans it


def test_a_case_that_builds_reports_its_hardware_and_levels(tmp_path):
    case = next(c for c in CASES if c.op == "MaxPool" and c.attributes == "2x2, stride 2")
    entry = run_case(case, tmp_path, inputs=2)
    assert entry["result"] == "builds", entry
    assert entry["hardware"] == ["MaxPool", "Thresholding"]
    assert entry["levels"] == ["L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"]


def test_a_case_that_stops_names_the_step_and_the_op(tmp_path, capsys):
    out = tmp_path / "coverage.json"
    assert main(["--cases", "Sigmoid", "--json", str(out)]) == 0
    entry, = json.loads(out.read_text())["entries"]
    assert entry["result"] == "stops" and entry["step"] == "streamline"
    assert entry["message"].startswith("Sigmoid node 'Sigmoid_0': op type not supported")
    assert "| Sigmoid | - | stops | streamline: Sigmoid node" in capsys.readouterr().out


def test_an_unknown_op_is_a_flag_error(capsys):
    with pytest.raises(SystemExit):
        main(["--cases", "Nope"])
    assert "--cases Nope: no such op among the cases" in capsys.readouterr().err
