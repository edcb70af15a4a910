"""The layer below pynq 3 (flow/board/emulator/zynq_linux.*): unmodified pynq 3.0.1 in the board's
Python reaches the emulated board's registers through /dev/mem, one bus transaction per access."""

import subprocess

from flow.board.emulator.slcr import FPGA_CLK_CTRL
from flow.board.emulator.zynq_linux import ZynqLinux
from flow.board.pynq_env import pynq_python
from flow.board.spec import load_board

SLCR = 0xF8000000
CODE = f"""
import os
from pynq import MMIO, Clocks
slcr = MMIO({SLCR:#x}, 0x200)
value = slcr.read({FPGA_CLK_CTRL[1]:#x})
slcr.write({FPGA_CLK_CTRL[1]:#x}, value)      # the same value twice: two transactions
slcr.write({FPGA_CLK_CTRL[1]:#x}, value)
print(value, Clocks.fclk0_mhz, os.uname().machine, os.path.exists("/sys/class/fpga_manager/fpga0/firmware"))
try:
    MMIO(0x60000000, 0x1000).read(0)
except OSError as err:
    print("unmapped:", err.errno)
"""


def test_pynq_reaches_the_board_one_transaction_per_access(tmp_path):
    python = pynq_python()
    board = load_board()
    with ZynqLinux(board, [], tmp_path) as linux:
        proc = subprocess.run([str(python), "-c", CODE], env=linux.env(python), capture_output=True,
                              text=True, timeout=120, check=False)
        slcr = linux.state.slcr
    assert proc.returncode == 0, proc.stderr[-2000:]
    value, mhz, machine, fpga_manager = proc.stdout.splitlines()[0].split()
    assert int(value) == slcr.read(FPGA_CLK_CTRL[1])
    assert float(mhz) == board.fclk_divisors(board.default_clock_mhz)[2] and machine == "armv7l"
    assert fpga_manager == "True"
    fclk1 = SLCR + FPGA_CLK_CTRL[1]
    assert [t for t in linux.bus if t[1] == fclk1] == [("read", fclk1, int(value))] + [("write", fclk1, int(value))] * 2
    assert proc.stdout.splitlines()[1] == "unmapped: 6"   # ENXIO: no device answers there
    assert any("no device answers at [0x60000000" in e for e in linux.errors)
