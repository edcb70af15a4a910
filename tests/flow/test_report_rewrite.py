"""python -m flow.report: a finished build's report files written again from its files, with
no step rerun."""

import json
import shutil

import pytest

from flow.report import main, rewrite_report


def test_rewriting_a_build_gives_the_report_it_wrote(small_build, tmp_path):
    copy = tmp_path / "b"
    shutil.copytree(small_build, copy)
    (copy / "report.html").unlink()
    before = json.loads((copy / "report.json").read_text())
    rewritten = rewrite_report(copy)
    assert rewritten == before
    assert json.loads((copy / "report.json").read_text()) == before
    assert (copy / "report.md").read_text() == (small_build / "report.md").read_text()
    assert (copy / "report.html").exists()


def test_a_directory_that_is_no_finished_build_is_named(tmp_path):
    (tmp_path / "report.json").write_text("{}")
    with pytest.raises(SystemExit, match="not a finished build .no build_state.json, 30_folded.onnx."):
        main([str(tmp_path)])
