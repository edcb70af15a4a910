"""Yosys synth_xilinx: counts parsed from a real run, from a build directory given relative."""

from flow.sim.rtl_sources import rtl_sources
from flow.synth import synthesize


def test_synthesize_counts_a_fifo_in_a_relative_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rtl").mkdir()
    counts = synthesize("rtl", rtl_sources("fifo"), "fifo", {"WIDTH": 8, "DEPTH": 32})
    # 32 x 8 bits fit distributed RAM; the pointers and output register are flip-flops
    assert counts["LUT"] > 0 and counts["FF"] >= 8
    assert counts["BRAM36"] == 0 and counts["DSP"] == 0
    assert (tmp_path / "rtl" / "yosys_fifo.log").exists()
