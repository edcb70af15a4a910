"""The Vivado Tcl, checked against the RTL in a real Tcl interpreter, and the .hwh as pynq reads it
(pynq 3.0.1's parser, in the board's Python)."""

import json
import shutil
import subprocess

import pytest

from flow.board.pynq_env import pynq_python
from flow.board.spec import load_board
from flow.board.top import BoardDesign, load_board_design
from flow.board.vivado_tcl import SCRIPTS, check_tcl, parse_timing, parse_utilization


def board_design(build) -> BoardDesign:
    return load_board_design(build / "vivado" / "src", json.loads((build / "deploy" / "design.json").read_text()))


def test_tcl_passes_the_check(small_build):
    checks = json.loads((small_build / "vivado" / "checks.json").read_text())
    assert checks["verilator_lint"] == "clean"
    assert checks["tcl"]["passed"], checks["tcl"]
    assert "IP interface s_axi_control (aximm_rtl)" in " ".join(checks["tcl"]["checked"])


@pytest.mark.parametrize("script,old,new,message", [
    ("package_ip.tcl", "s_axis_tvalid", "s_axis_valid", "s_axis_valid not ports of accelerator_axi"),
    ("block_design.tcl", "axi_dma_0/M_AXIS_MM2S", "axi_dma_0/M_AXIS_MMS2", "axi_dma_0 has no pin M_AXIS_MMS2"),
    ("block_design.tcl", "accelerator/s_axi_control", "accelerator/s_axi_ctrl", "accelerator has no pin s_axi_ctrl"),
    ("block_design.tcl", "0x43C00000", "0x43D00000", "is not the board's address of accelerator"),
    ("package_ip.tcl", "set_property top accelerator_axi", "set_property top accel_axi", "no module 'accel_axi'"),
    ("implement.tcl", "wait_on_run synth_1", "wait_on_runs synth_1", 'invalid command name "wait_on_runs"'),
])
def test_tcl_check_catches_a_wrong_name(small_build, tmp_path, script, old, new, message):
    vivado = tmp_path / "vivado"
    shutil.copytree(small_build / "vivado", vivado)
    text = (vivado / script).read_text()
    assert old in text
    (vivado / script).write_text(text.replace(old, new))
    bd = board_design(small_build)
    result = check_tcl([vivado / s for s in SCRIPTS], bd)
    assert not result["passed"]
    assert message in result["error"], result


PARSE = """
import json, sys
from pynq.metadata.runtime_metadata_parser import RuntimeMetadataParser
from pynqmetadata.frontends import Metadata
parser = RuntimeMetadataParser(Metadata(input=sys.argv[1]))
ip = {name: {"phys_addr": d.get("phys_addr"), "parameters": d.get("parameters", {}),
             "registers": sorted(d.get("registers", {}))} for name, d in parser.ip_dict.items()}
print(json.dumps({"ip_dict": ip, "clock_dict": parser.clock_dict}))
"""


def parsed_by_pynq(hwh) -> dict:
    """The ip_dict and clock_dict pynq 3.0.1 builds from `hwh` (clock_dict's keys as strings)."""
    proc = subprocess.run([str(pynq_python()), "-W", "ignore", "-c", PARSE, str(hwh)], capture_output=True,
                          text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


def test_hwh_is_what_pynq_needs(small_build):
    design = json.loads((small_build / "deploy" / "design.json").read_text())
    parsed = parsed_by_pynq(small_build / "deploy" / design["bitfile"].replace(".bit", ".hwh"))
    dma, accel = parsed["ip_dict"]["axi_dma_0"], parsed["ip_dict"]["accelerator"]
    assert dma["phys_addr"] == 0x40400000 and dma["parameters"]["c_include_sg"] == "0"
    assert dma["parameters"]["c_sg_length_width"] == "26"
    assert accel["phys_addr"] == 0x43C00000
    assert {"FRAMES", "CYCLES_LO", "CYCLES_HI"} <= set(accel["registers"])
    fclk0 = parsed["clock_dict"]["0"]   # pynq 3 sets FCLK0 by the PS7's divisors of the IO PLL
    assert (fclk0["enable"], fclk0["divisor0"], fclk0["divisor1"]) == (1, *load_board().fclk_divisors(100)[:2])


def test_fclk_divisors_come_from_the_io_pll():
    board = load_board()
    assert board.fclk_divisors(100) == (10, 1, 100.0)
    d0, d1, mhz = board.fclk_divisors(142.0)
    assert 1000 / (d0 * d1) == mhz and abs(mhz - 142) < 1


UTILIZATION = """
+----------------------------+-------+-------+-----------+-------+
|          Site Type         |  Used | Fixed | Available | Util% |
+----------------------------+-------+-------+-----------+-------+
| Slice LUTs                 | 12345 |     0 |     53200 | 23.20 |
| Slice Registers            |  6789 |     0 |    106400 |  6.38 |
| Block RAM Tile             |  40.5 |     0 |       140 | 28.93 |
| DSPs                       |     2 |     0 |       220 |  0.91 |
"""
TIMING = """
    WNS(ns)      TNS(ns)  TNS Failing Endpoints  TNS Total Endpoints
    -------      -------  ---------------------  -------------------
      1.234        0.000                      0                 1000
All user specified timing constraints are met.
"""


def test_vivado_reports_are_parsed():
    assert parse_utilization(UTILIZATION) == {"LUT": 12345, "FF": 6789, "BRAM36": 40.5, "DSP": 2}
    assert parse_timing(TIMING) == {"wns_ns": 1.234, "timing_met": True}
