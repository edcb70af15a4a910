"""Boards as data: the ZCU104 and KV260 (Zynq UltraScale+) beside the PYNQ-Z2. A build for one
follows its part and budget (URAM included), gets the PS8 block design (checked by the Tcl stubs,
with the board's addresses), and skips L6, which has no emulated board of that kind."""

import json

import pytest

from flow.api import build, configure
from flow.board.spec import known_boards, load_board
from tests.flow.qonnx_graphs import residual_graph


def test_the_boards_and_their_budgets():
    assert {"pynq_z2", "zcu104", "kv260"} <= set(known_boards())
    zcu104, kv260 = load_board("zcu104"), load_board("kv260")
    assert zcu104.part.startswith("xczu7ev") and kv260.part.startswith("xck26")
    assert zcu104.budget()["URAM"] == 96 and kv260.budget()["URAM"] == 64
    assert zcu104.budget()["LUT"] == pytest.approx(0.85 * 230400)
    assert (zcu104.processing_system, load_board("pynq_z2").processing_system) == ("ps8", "ps7")
    assert not zcu104.emulated and load_board("pynq_z2").emulated


def test_an_unknown_board_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown board 'zcu102' \(known: kv260, pynq_z2, zcu104\)"):
        configure("residual_tiny", board="zcu102")


@pytest.mark.parametrize("board", ["zcu104", "kv260"])
def test_a_build_for_an_ultrascale_board(tmp_path, board):
    path = tmp_path / "residual.onnx"
    residual_graph().save(str(path))
    out = tmp_path / "b"
    result = build(str(path), out=out, inputs=2, fps=20000, board=board, verbose=False)
    assert result.passed
    report = json.loads((out / "report.json").read_text())
    assert report["build"]["board"] == board
    assert report["board"]["budget"]["URAM"] == load_board(board).resources["URAM"]
    assert set(report["verification"]) == {"L1_L2", "L2_L3", "L2_L4", "L2_L5"}   # no emulated board: no L6
    assert json.loads((out / "board" / "board.json").read_text())["run"] is False
    tcl = json.loads((out / "vivado" / "checks.json").read_text())["tcl"]
    assert tcl["passed"], tcl
    assert any("SEG_accelerator_Reg at 0xA0010000" in c for c in tcl["checked"])
    block_design = (out / "vivado" / "block_design.tcl").read_text()
    assert "zynq_ultra_ps_e_0/S_AXI_HP0_FPD" in block_design and load_board(board).part in block_design
    facts = json.loads((out / "deploy" / "design.json").read_text())
    assert facts["part"] == load_board(board).part and facts["bitstream"]["source"] == "none"
