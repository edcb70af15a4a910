"""The energy estimate: its arithmetic on known numbers, Verilator's toggle counts read back
exactly from a counter, and activity that comes from the run (blank inputs toggle less)."""

import subprocess
import sys

import numpy as np
import pytest

from flow.backends import tools
from flow.backends.rtl.activity import (
    measure_activity,
    read_toggles,
    toggles_by_instance,
    wide_signals_cumulative,
)
from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.verilator import MAKE_FLAGS
from flow.board.spec import load_board
from flow.energy import ESTIMATE, PowerFigures, energy_per_image
from tests.rtl import test_mvau

FIGURES = PowerFigures(signal_toggle_pj=0.5, clock_pj_per_ff_cycle=0.01, bram36_pj_per_active_cycle=4.0,
                       dsp_pj_per_active_cycle=2.0, pl_static_w=0.2, sources={})


def test_energy_terms_from_known_toggles_and_cycles():
    # 1,000 cycles at 100 MHz = 10 us per image
    e = energy_per_image(toggles_per_image=2_000_000, cycles_per_image=1_000, clock_mhz=100, ff=500,
                         active=[{"BRAM36": 2, "DSP": 0, "cycles": 1_000}, {"BRAM36": 0.5, "DSP": 3, "cycles": 400}],
                         figures=FIGURES)
    terms = e["terms_joules_per_image"]
    assert terms["signals"] == pytest.approx(2e6 * 0.5e-12)          # 1 uJ
    assert terms["clock"] == pytest.approx(500 * 1_000 * 0.01e-12)     # 5 nJ
    assert terms["bram"] == pytest.approx((2 * 1_000 + 0.5 * 400) * 4e-12)
    assert terms["dsp"] == pytest.approx(3 * 400 * 2e-12)
    assert terms["static"] == pytest.approx(0.2 * 10e-6)               # 2 uJ
    assert e["joules_per_image"] == pytest.approx(sum(terms.values()))
    assert e["images_per_joule"] == pytest.approx(1 / e["joules_per_image"])
    assert e["dynamic_watts"] == pytest.approx((e["joules_per_image"] - terms["static"]) / 10e-6)
    assert e["label"] == ESTIMATE


def test_every_board_figure_names_its_source():
    figures = PowerFigures.of_board(load_board("pynq_z2"))
    assert figures.pl_static_w > 0 and figures.signal_toggle_pj > 0
    assert all(text for text in figures.sources.values())
    assert "ESTIMATE" in figures.sources["what"]


# wide: the count 40 times over, a signal wider than 64 bits (Verilator keeps it in 32-bit words)
COUNTER = """module counter (input wire clk, input wire rst, output reg [3:0] count, output reg [159:0] wide);
  always @(posedge clk) begin
    count <= rst ? 4'd0 : count + 4'd1;
    wide <= rst ? 160'd0 : {40{count + 4'd1}};
  end
endmodule
"""
MAIN = """#include "Vcounter.h"
#include "verilated.h"
#include "verilated_cov.h"
int main(int argc, char** argv) {
  VerilatedContext context;
  context.commandArgs(argc, argv);
  Vcounter top(&context);
  top.rst = 1; top.clk = 0; top.eval(); top.clk = 1; top.eval(); top.rst = 0;
  for (int i = 0; i < 40; ++i) { top.clk = 0; top.eval(); top.clk = 1; top.eval(); }
  top.final();
  context.coveragep()->write("coverage.dat");
}
"""


def test_toggle_counts_of_a_counter_are_read_exactly(tmp_path):
    (tmp_path / "counter.v").write_text(COUNTER)
    (tmp_path / "main.cpp").write_text(MAIN)
    verilator = tools.verilator()   # the pinned one, built the way the flow builds (MAKE_FLAGS)
    proc = verilator.run(["--cc", "--exe", "--build", "--coverage-toggle", "counter.v", "main.cpp", "-o", "sim",
                          "-MAKEFLAGS", f"{MAKE_FLAGS} PYTHON3={sys.executable}"],
                         cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    subprocess.run([str(tmp_path / "obj_dir" / "sim")], cwd=tmp_path, check=True)
    counts = read_toggles(tmp_path / "coverage.dat", wide_signals_cumulative())
    # 40 increments from 0: bit i changes 40 / 2^i times
    assert [counts[("TOP.counter", f"count[{i}]")] for i in range(4)] == [40, 20, 10, 5]
    # every bit of the wide copy as often as its count bit, in every 32-bit word
    assert [counts[("TOP.counter", f"wide[{i}]")] for i in range(160)] == [40, 20, 10, 5] * 40
    # the clock is left out of the signals' toggles (its power is the clock term)
    assert toggles_by_instance(counts, depth=1) == {"counter": 41 * (40 + 20 + 10 + 5) + counts[("TOP.counter", "rst")]}


def test_activity_comes_from_the_run(tmp_path):
    """The same design on constant inputs toggles less, so its estimate is lower, than on random ones."""
    model, _, x = test_mvau.make_case(test_mvau.CASES[0], frames=16)
    design = generate_rtl(model, tmp_path / "rtl", "energy")
    busy = measure_activity(design, model, x, tmp_path / "random")
    idle = measure_activity(design, model, np.full_like(x, -1), tmp_path / "constant")
    assert busy.frames == idle.frames == 16 and busy.cycles > 0
    assert 0 < idle.total < busy.total

    def joules(activity):
        return energy_per_image(activity.total / activity.frames, 100, 100, 50, [], FIGURES)["joules_per_image"]

    assert joules(idle) < joules(busy)
    assert set(busy.toggles) >= {"MVAU_0"}, busy.toggles


def test_instances_of_different_widths_under_one_wildcard_are_unfolded_apart(tmp_path):
    """Verilator names points of several instances FIFO_*, once per module variant (page): a
    40-bit FIFO's plain counts and an 80-bit one's cumulative counts are unfolded apart, then
    summed per signal bit."""
    def point(page, bit, n):
        return (f"C '\x01f\x02fifo.v\x01page\x02v_toggle/{page}\x01o\x02mem[0][{bit}]\x01"
                f"h\x02TOP.top.FIFO_*' {n}\n")
    narrow = {0: 900, 32: 10}                  # 40 bits: each bit's own count
    wide = {0: 7, 32: 7 + 5, 64: 7 + 5 + 3}    # 80 bits: bit p also holds bits p - 32, p - 64
    lines = [point("fifo__W40", b, n) for b, n in narrow.items()]
    lines += [point("fifo__W80", b, n) for b, n in wide.items()]
    lines += [point("fifo__W40", b, 0) for b in range(40) if b not in narrow]
    lines += [point("fifo__W80", b, 0) for b in range(80) if b not in wide]
    (tmp_path / "coverage.dat").write_text("".join(lines))
    counts = read_toggles(tmp_path / "coverage.dat", wide_cumulative=True)
    assert [counts[("TOP.top.FIFO_*", f"mem[0][{b}]")] for b in (0, 32, 64)] == [900 + 7, 10 + 5, 3]
