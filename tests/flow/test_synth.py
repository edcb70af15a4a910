"""Yosys synth_xilinx: counts parsed from a real run, from a build directory given relative."""

import pytest
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.synth import parse_cells, synthesize
from tests.rtl.test_mvau import CASES, make_case


def test_synthesize_counts_a_fifo_in_a_relative_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rtl").mkdir()
    counts = synthesize("rtl", rtl_sources("fifo"), "fifo", {"WIDTH": 8, "DEPTH": 32})
    # 32 x 8 bits fit distributed RAM; the pointers and output register are flip-flops
    assert counts["LUT"] > 0 and counts["FF"] >= 8
    assert counts["BRAM36"] == 0 and counts["DSP"] == 0
    assert (tmp_path / "rtl" / "yosys_fifo.log").exists()


@pytest.mark.parametrize("style,brams", [("distributed", 0), ("block", 0.5)])
def test_mvau_weight_rom_maps_to_the_requested_style(tmp_path, style, brams):
    model, node, _ = make_case(CASES[0], frames=1)
    op = getCustomOp(node)
    op.set_nodeattr("weight_ram_style", style)
    counts = synthesize(tmp_path, rtl_sources("mvau"), "mvau", op.rtl_params(model, tmp_path))
    assert counts["BRAM36"] == brams and counts["LUT"] > 0


# the top-level statistics block as Yosys 0.23 and Yosys 0.70 print it (an earlier block first)
STAT_0_23 = """   Number of cells:                  2
     LUT2                            2

=== fifo ===

   Number of cells:                 24
     BUFG                            1
     FDRE                           13
     RAM32M                          2

End of script."""
STAT_0_70 = """        2 cells
        2   LUT2

=== fifo ===

       24 cells
        1   BUFG
       13   FDRE
        2   RAM32M
        1 submodules
        1   $paramod$e90ed\\axil_control

End of script."""


@pytest.mark.parametrize("text", [STAT_0_23, STAT_0_70], ids=["yosys-0.23", "yosys-0.70"])
def test_cell_counts_are_read_from_the_last_block_of_either_format(text):
    assert parse_cells(text) == {"BUFG": 1, "FDRE": 13, "RAM32M": 2}
