"""Boards as data: the ZCU104 and KV260 (Zynq UltraScale+) beside the PYNQ-Z2. A build for one
follows its part and budget (URAM included), gets the PS8 block design (checked by the Tcl stubs,
with the board's addresses) and the emulated .bit/.hwh, and runs L6 on the emulated Zynq
UltraScale+ under a pynq its image runs."""

import json

import pytest

from flow.api import configure
from flow.board.l6 import run_driver_on_emulated_board
from flow.board.pynq_env import PYNQ_VERSIONS, PynqEnvError, env_dir
from flow.board.spec import known_boards, load_board


def test_the_boards_and_their_budgets():
    assert {"pynq_z2", "zcu104", "kv260"} <= set(known_boards())
    zcu104, kv260 = load_board("zcu104"), load_board("kv260")
    assert zcu104.part.startswith("xczu7ev") and kv260.part.startswith("xck26")
    assert zcu104.budget()["URAM"] == 96 and kv260.budget()["URAM"] == 64
    assert zcu104.budget()["LUT"] == pytest.approx(0.85 * 230400)
    assert (zcu104.processing_system, load_board("pynq_z2").processing_system) == ("ps8", "ps7")
    assert (zcu104.resource_kinds, load_board("pynq_z2").resource_kinds) == (
        ("LUT", "FF", "BRAM36", "URAM", "DSP"), ("LUT", "FF", "BRAM36", "DSP"))


@pytest.mark.parametrize("name", known_boards())
def test_each_board_runs_the_pynq_of_its_images(name):
    board = load_board(name)
    assert set(board.pynq_versions) <= set(PYNQ_VERSIONS) and "3.0.1" in board.pynq_versions
    assert board.data["dma"]["addr_width"] == (32 if board.processing_system == "ps7" else 64)


def test_the_pl_clock_comes_from_the_boards_pll():
    """PL0 of the presets: the ZCU104's IOPLL at 1500 MHz, the KV260's at 1000 MHz, from 33.333 MHz."""
    zcu104, kv260 = load_board("zcu104"), load_board("kv260")
    assert (zcu104.pl_source_mhz(), kv260.pl_source_mhz()) == (pytest.approx(1499.985), pytest.approx(999.99))
    assert zcu104.fclk_divisors(100)[:2] == (15, 1) and kv260.fclk_divisors(100)[:2] == (10, 1)


def test_an_unknown_board_is_named_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown board 'zcu102' \(known: kv260, pynq_z2, zcu104\)"):
        configure("residual_tiny", board="zcu102")


@pytest.mark.parametrize("board", ["zcu104", "kv260"])
def test_a_build_for_an_ultrascale_board(board_build, board):
    out = board_build(board)
    report = json.loads((out / "report.json").read_text())
    assert report["build"]["board"] == board
    assert report["board"]["budget"]["URAM"] == load_board(board).resources["URAM"]
    assert set(report["verification"]) == {"L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"}
    l6 = report["verification"]["L2_L6"]
    assert (l6["passed"], l6["inputs"], l6["mismatches"]) == (True, 2, 0)
    run = json.loads((out / "board" / "board.json").read_text())
    assert run["board"].startswith(f"emulated {board}, pynq 3.0.1") and run["pynq"] == "3.0.1"
    assert run["platform"] == "emulated"   # deploy/'s board_kind, from the board's device tree
    tcl = json.loads((out / "vivado" / "checks.json").read_text())["tcl"]
    assert tcl["passed"], tcl
    assert any("SEG_accelerator_Reg at 0xA0010000" in c for c in tcl["checked"])
    block_design = (out / "vivado" / "block_design.tcl").read_text()
    assert "zynq_ultra_ps_e_0/S_AXI_HP0_FPD" in block_design and load_board(board).part in block_design
    facts = json.loads((out / "deploy" / "design.json").read_text())
    assert facts["part"] == load_board(board).part and facts["bitstream"]["source"] == "emulated"


@pytest.mark.skipif(not (env_dir("3.1.2") / ".installed").is_file(),
                    reason="no pynq 3.1.2 board environment (python -m flow.board pynq-env --pynq 3.1.2)")
def test_the_zcu104_driver_under_pynq_3_1(board_build, tmp_path):
    """The ZCU104's v3.1 image: pynq 3.1 (pyxrt's buffers, platform.machine's CPU) on the emulated PS8."""
    out = board_build("zcu104")
    result = run_driver_on_emulated_board(out, pynq="3.1.2", max_batch=2, outputs=tmp_path / "out.npy", timeout_s=300)
    assert result["pynq"] == "3.1.2" and result["L2_L6"]["equal"] and result["L2_L6"]["inputs"] == 2


def test_l6_refuses_a_pynq_the_boards_image_does_not_run(tmp_path):
    with pytest.raises(PynqEnvError, match=r"^pynq 3\.1\.2: the kv260 images run pynq 3\.0\.1 \([^\n]*$"):
        run_driver_on_emulated_board(tmp_path, board_name="kv260", pynq="3.1.2")
