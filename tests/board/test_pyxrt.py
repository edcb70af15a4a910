"""The emulated board's pyxrt (flow/board/emulator/pyxrt.py), the XRT binding pynq 3.1 allocates
buffers and loads xclbins through: in a process on the emulated board, its buffer objects are
the board's CMA blocks, and what the process writes through a mapping is in the board's DDR."""

import json
import subprocess
import sys

from flow.board.emulator.zynq_linux import ZynqLinux
from flow.board.spec import load_board

# an xclbin as pynq 3.1 has xclbinutil write it for a .hwh design: PS DDR at index 0, one unused bank
TOPOLOGY = {"mem_topology": {"m_count": 2, "m_mem_data": [
    {"m_type": "MEM_DDR4", "m_used": 1, "m_sizeKB": 0x80000, "m_tag": "PSDDR", "m_base_address": 0},
    {"m_type": "MEM_DDR4", "m_used": 0, "m_sizeKB": 0x100, "m_tag": "unused", "m_base_address": 0x40000000}]}}
CODE = """
import json, sys, pyxrt
device = pyxrt.device(0)
device.load_xclbin(sys.argv[1])
out = {"name": device.get_info(pyxrt.xrt_info_device.name)}
bo = pyxrt.bo(device, 8192, pyxrt.bo.flags.normal, 0)
out.update(address=bo.address(), size=bo.size(), view=len(bo.map()))
for group in (1, 2):
    try:
        pyxrt.bo(device, 4096, pyxrt.bo.flags.normal, group)
    except RuntimeError as err:
        out[f"group{group}"] = str(err)
kept = pyxrt.bo(device, 4096, pyxrt.bo.flags.cacheable, 0)
kept.map()[:4] = bytes([1, 2, 3, 4])
kept.sync(pyxrt.xclBOSyncDirection.XCL_BO_SYNC_BO_TO_DEVICE)
del bo   # freed: its block goes back to the board, whose first fit hands it out again
again = pyxrt.bo(device, 8192, pyxrt.bo.flags.normal, 0)
out.update(kept=kept.address(), again=again.address())
print(json.dumps(out))
"""


def test_pyxrt_buffers_are_the_boards_memory(tmp_path):
    (tmp_path / "topology.json").write_text(json.dumps(TOPOLOGY))
    with ZynqLinux(load_board(), [], tmp_path / "board") as linux:
        env = linux.env(sys.executable)
        xclbin = tmp_path / "design.xclbin"
        subprocess.run([sys.executable, "-m", "xclbinutil", f"--add-section=MEM_TOPOLOGY:JSON:{tmp_path / 'topology.json'}",
                        "--output", str(xclbin)], env=env, check=True, timeout=60)
        proc = subprocess.run([sys.executable, "-c", CODE, str(xclbin)], env=env, capture_output=True,
                              text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = json.loads(proc.stdout)
        ddr = linux.state.ddr
        assert ddr.cma[0] <= out["address"] < ddr.cma[1] and out["size"] == out["view"] == 8192
        assert ddr.read(out["kept"], 4) == bytes([1, 2, 3, 4])
        assert out["again"] == out["address"] != out["kept"]
        assert ddr.blocks == {}   # the process' buffer objects died with it
    assert "memory group 1 is not a memory the loaded xclbin uses" in out["group1"]
    assert "memory group 2" in out["group2"] and out["name"] == "edge"
