"""Lint: every hw/rtl module and the generated tops pass verilator --lint-only -Wall (warnings
are errors), and every waiver sits in the one waiver file (hw/rtl/lint_waivers.vlt) with its
reason."""

import re

import pytest
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.sources import RTL_DIR, rtl_sources
from flow.backends.rtl.verilator import LINT_WAIVERS, lint
from flow.board.top import generate_board_top
from flow.paths import SOURCE_ROOT
from tests.rtl import test_correlation, test_mvau
from tests.rtl.test_reset_state import MODULES, RESETLESS

TEMPLATES = sorted((SOURCE_ROOT / "flow").rglob("templates/*.j2"))  # generated files' templates


def waivers_without_reason(text: str) -> list[str]:
    """The lint_off lines not directly under a comment line that says something."""
    lines = text.splitlines()
    return [line for i, line in enumerate(lines) if line.startswith("lint_off")
            and not (i > 0 and re.match(r"//\s*\S", lines[i - 1]))]


def test_every_waiver_gives_its_reason():
    text = LINT_WAIVERS.read_text()
    assert re.search(r"^lint_off", text, re.MULTILINE)
    assert waivers_without_reason(text) == []
    # the check itself: an entry with no comment above it is found
    assert waivers_without_reason(text + '\nlint_off -rule WIDTH -file "*/x.v"\n') == [
        'lint_off -rule WIDTH -file "*/x.v"']


def test_no_waiver_hides_in_the_sources():
    for path in [*RTL_DIR.glob("*.v"), *(p for p in TEMPLATES if p.name.endswith(".v.j2"))]:
        assert "lint_off" not in path.read_text(), f"{path.name}: waivers belong in {LINT_WAIVERS.name}"


LINTED = MODULES + RESETLESS


def test_every_module_is_listed():
    assert {m for m, _ in LINTED} == {p.stem for p in RTL_DIR.glob("*.v")}


@pytest.mark.parametrize(("module", "params"), LINTED, ids=[f"{m}-{i}" for i, (m, _) in enumerate(LINTED)])
def test_module_is_lint_clean(tmp_path, module, params):
    if callable(params):
        params = params(tmp_path)
    assert lint(module, rtl_sources(module), params) == ""


# one-op designs whose generated tops take every branch of the templates: a stream port wider
# than its data (a 4-bit word in a byte), and a control input (the tracker's exemplar_capture)
DESIGNS = [(test_mvau.make_case, (test_mvau.CASES[0],), {"frames": 1}),
           (test_correlation.make_case, (test_correlation.CASES[0],), {})]


@pytest.mark.parametrize(("make_case", "args", "kwargs"), DESIGNS, ids=["padded-port", "control-input"])
def test_generated_tops_are_lint_clean(tmp_path, make_case, args, kwargs):
    model, node, _ = make_case(*args, **kwargs)
    design = generate_rtl(model, tmp_path / "rtl", "lint")
    assert lint(design.top, design.sources) == ""
    op = getCustomOp(node)
    board = generate_board_top(design, op.in_stream().words, op.out_stream().words, tmp_path / "src", "lint")
    assert lint(board.top, board.sources) == ""
