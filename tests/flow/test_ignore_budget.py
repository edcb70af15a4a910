"""--ignore-budget: a design over the board's budget stops at fold, unless the budget check is
relaxed, which the report then states (networks that fit no board, verified all the same)."""

import dataclasses
import json

import pytest

import flow.steps
from flow.api import build, configure
from flow.board.spec import load_board
from flow.pipeline import StepFailed
from tests.flow.qonnx_graphs import residual_graph


@pytest.fixture
def tiny_board(monkeypatch):
    """The PYNQ-Z2 with a hundredth of its LUTs: the residual graph does not fit it."""
    board = load_board("pynq_z2")
    small = dataclasses.replace(board, resources={**board.resources, "LUT": board.resources["LUT"] // 100})
    monkeypatch.setattr(flow.steps, "load_board", lambda name: small)


def test_a_design_over_the_budget_stops_at_fold(tmp_path, tiny_board):
    path = tmp_path / "residual.onnx"
    residual_graph().save(str(path))
    with pytest.raises(StepFailed, match="exceeds the xc7z020clg400-1 budget by the estimate: LUT"):
        build(str(path), out=tmp_path / "b", inputs=2, fps=20000, verbose=False)


def test_the_relaxed_check_builds_and_says_so(tmp_path, tiny_board):
    path = tmp_path / "residual.onnx"
    residual_graph().save(str(path))
    result = build(str(path), out=tmp_path / "b", inputs=2, fps=20000, verbose=False, ignore_budget=True)
    assert result.passed
    report = json.loads((tmp_path / "b" / "report.json").read_text())
    assert any(note.startswith("budget check relaxed (--ignore-budget)") for note in report["build"]["notes"])
    assert "budget check relaxed" in (tmp_path / "b" / "report.md").read_text()


def test_the_max_folding_needs_the_budget():
    with pytest.raises(ValueError, match="ignore_budget with fps 'max'"):
        configure("residual_tiny", fps="max", ignore_budget=True)
