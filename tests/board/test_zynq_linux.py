"""The layer below pynq 3 (flow/board/emulator/zynq_linux.*): unmodified pynq 3.0.1 in the board's
Python reaches the emulated board's registers through /dev/mem, one bus transaction per access,
on each board: the PYNQ-Z2's Zynq-7000 (its SLCR) and the ZCU104's and KV260's Zynq UltraScale+
(CRL_APB and CRF_APB), pynq's Clocks picking its code by the CPU the board says it is."""

import subprocess

import pytest

from flow.board.emulator import ps7_clocks, ps8_clocks
from flow.board.emulator.zynq_linux import ZynqLinux
from flow.board.pynq_env import pynq_python
from flow.board.spec import known_boards, load_board
from flow.paths import SOURCE_ROOT

BOARDS = known_boards()
CODE = """
import os, sys
from pynq import MMIO, Clocks
from deploy.driver import board_kind
pl1 = int(sys.argv[1], 16)
ctrl = MMIO(pl1 & ~0xFFF, 0x1000)
value = ctrl.read(pl1 & 0xFFF)
ctrl.write(pl1 & 0xFFF, value)      # the same value twice: two transactions
ctrl.write(pl1 & 0xFFF, value)
print(value, Clocks.fclk0_mhz, os.uname().machine, board_kind(),
      os.path.exists("/sys/class/fpga_manager/fpga0/firmware"))
try:
    MMIO(0xB0000000, 0x1000).read(0)   # PL address space where no board has a device
except OSError as err:
    print("unmapped:", err.errno)
Clocks.fclk0_mhz = 50
print(Clocks.fclk0_mhz)
"""


def pl1_control(board) -> int:
    """The physical address of the register that sets PL clock 1 (FPGA1_CLK_CTRL, PL1_REF_CTRL)."""
    if board.processing_system == "ps7":
        return int(board.data["ps7"]["slcr_base"], 16) + ps7_clocks.FPGA_CLK_CTRL[1]
    return int(board.data["ps8"]["crl_apb_base"], 16) + ps8_clocks.PL_REF_CTRL[1]


def run_pynq(board, tmp_path, code, *args, says_emulated=True):
    python = pynq_python()
    with ZynqLinux(board, [], tmp_path, says_emulated) as linux:
        env = linux.env(python)
        env["PYTHONPATH"] += f":{SOURCE_ROOT}"   # deploy/ (its board_kind) as the board has it
        proc = subprocess.run([str(python), "-c", code, *args], env=env, capture_output=True, text=True,
                              timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout.splitlines(), linux


@pytest.mark.parametrize("name", BOARDS)
def test_pynq_reaches_the_board_one_transaction_per_access(tmp_path, name):
    board = load_board(name)
    pl1 = pl1_control(board)
    lines, linux = run_pynq(board, tmp_path, CODE, hex(pl1))
    value, mhz, machine, kind, fpga_manager = lines[0].split()
    assert int(value) == linux.state.mmio_read(*linux.state.map(pl1, 4))
    # pynq's Clocks reads the PL clock the board's processing system is reset to
    assert float(mhz) == pytest.approx(board.fclk_divisors(board.default_clock_mhz)[2], abs=1e-6)
    assert (machine, kind, fpga_manager) == (board.data["linux"]["machine"], "emulated", "True")
    assert [t for t in linux.bus if t[1] == pl1] == [("read", pl1, int(value))] + [("write", pl1, int(value))] * 2
    assert lines[1] == "unmapped: 6"   # ENXIO: no device answers there
    assert any("no device answers at [0x" in e for e in linux.errors)
    # a write of fclk0_mhz sets the divisors of the clock the PL's design runs at
    assert float(lines[2]) == pytest.approx(50, rel=1e-3)
    assert linux.state.pl_clock_mhz() == pytest.approx(float(lines[2]), abs=1e-6)


@pytest.mark.parametrize("name", BOARDS)
def test_a_real_boards_device_tree_says_zynq(tmp_path, name):
    """deploy/driver.py's board_kind: xlnx,zynq-7000 and xlnx,zynqmp are both a Zynq board's."""
    lines, _ = run_pynq(load_board(name), tmp_path, "from deploy.driver import board_kind; print(board_kind())",
                        says_emulated=False)
    assert lines == ["zynq"]
