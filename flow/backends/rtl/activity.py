"""Switching activity of the stitched design, measured by Verilator's toggle coverage.

A separate Verilator build of the same RTL with `--coverage-toggle` counts, for every bit of
every signal of every module instance, how often it changed during a run; the harness writes
the counts to coverage.dat (hw/sim/axis_harness.cpp). The build for the bit-exact runs (L4) is
not touched, so its speed is not either. The counts are RTL signal bits, which stand for netlist
nets: the RTL turns toggle coverage off (`/* verilator coverage_off */`) for a module's ports,
which are its parent's nets, and for wires that only rename, slice or pad other signals (the
adder tree's node and operand names, the MVAU's padded words), so most nets count once. A net
still counts twice where a module drives an output port from a register of its own (the register
inside, the wire in the parent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from flow.backends.design import Design
from flow.backends.rtl.op_sim import run_streams
from flow.backends.rtl.stitched import build_design
from flow.backends.rtl.verilator import verilator

# signals wider than this are not covered by Verilator (its default is 256): covers the MVAUs'
# PE x SIMD words of the folding's widest ops
COVERAGE_MAX_WIDTH = 4096
TOGGLE_FLAGS = ("--coverage-toggle", "--coverage-max-width", str(COVERAGE_MAX_WIDTH))
CLOCKS = {"clk", "ap_clk", "aclk"}   # the clock's toggles are the clock tree's, counted apart
COVERAGE_FILE = "coverage.dat"
# one point of coverage.dat: C '<\x01key\x02value...>' count
_POINT = re.compile(r"^C '(.*)' (\d+)$")


@dataclass(frozen=True)
class Activity:
    # op instance -> signal-bit toggles in it; Verilator writes a point that several instances
    # share once, under a wildcard name (MVAU_*), so the split is partial and the total exact
    toggles: dict[str, int]
    cycles: int                  # clock cycles of the run
    frames: int

    @property
    def total(self) -> int:
        return sum(self.toggles.values())


_DIRECTION = re.compile(r":[01]->[01]$")
_BIT = re.compile(r"^(.*)\[(\d+)\]$")
WORD_BITS = 32          # Verilator's EData: a signal wider than 64 bits is an array of these words
WIDE_BITS = 64
# verilated_cov.h's wide-signal update whose inner loop runs past its 32-bit word (see unfold_wide_signals)
_CUMULATIVE_LOOP = re.compile(r"for \(int j = 0; j < width - i \* VL_EDATASIZE; \+\+j\)")


@cache
def wide_signals_cumulative() -> bool:
    """Whether the Verilator that builds the toggle-coverage simulator counts wide signals
    cumulatively: read from its own runtime header, so a release that fixes it is read right."""
    tool = verilator()
    proc = tool.run(["--getenv", "VERILATOR_ROOT"], capture_output=True, text=True)
    header = Path(proc.stdout.strip()) / "include" / "verilated_cov.h"
    if proc.returncode != 0 or not header.is_file():
        raise RuntimeError(f"cannot read Verilator's verilated_cov.h ({header}): {proc.stderr.strip()[-300:]}")
    return bool(_CUMULATIVE_LOOP.search(header.read_text()))


def read_toggles(path: Path, wide_cumulative: bool) -> dict[tuple[str, str], int]:
    """{(instance hierarchy, signal bit name): toggles} of a coverage.dat, toggle points only;
    wide_cumulative: the counts of signals wider than 64 bits are Verilator's cumulative ones."""
    # per point first: instances of different parameters (pages v_toggle/fifo__W80 and
    # v_toggle/fifo) may share one wildcard hierarchy (FIFO_*), and each has its own counters
    points = {}
    for line in Path(path).read_text().splitlines():
        match = _POINT.match(line)
        if not match:
            continue
        fields = dict(f.split("\x02", 1) for f in match.group(1).split("\x01") if "\x02" in f)
        if fields.get("page", "").startswith("v_toggle"):
            # Verilator 5.048 counts each bit's rises and falls apart ("count[0]:0->1"), 5.006 together
            key = ((fields["h"], fields["page"]), _DIRECTION.sub("", fields["o"]))
            points[key] = points.get(key, 0) + int(match.group(2))
    if wide_cumulative:
        points = unfold_wide_signals(points)
    counts = {}
    for ((hierarchy, _), name), n in points.items():
        counts[(hierarchy, name)] = counts.get((hierarchy, name), 0) + n
    return counts


def unfold_wide_signals(counts: dict[tuple[tuple[str, str], str], int]) -> dict[tuple[tuple[str, str], str], int]:
    """The true toggles of signals wider than 64 bits, from what Verilator's split counters hold;
    counts keyed by ((instance hierarchy, coverage page), signal bit name), one point each.

    Verilator 5.048 (and the releases whose verilated_cov.h has the same loop, which
    wide_signals_cumulative looks for) updates a wide signal's counters in
    VL_COV_TOGGLE_CHG_ST_W with an inner loop that runs past its 32-bit word:
    bit p's counter also takes the toggles of bits p - 32, p - 64, ... down to p mod 32 (the shift
    wraps). So bit p's count minus bit p - 32's is bit p's own (tests/flow/test_energy.py checks it
    on a register whose toggles are known); a negative result means the counts are not of that form."""
    bits = {}
    for (point, name), n in counts.items():
        match = _BIT.match(name)
        if match:
            bits.setdefault((point, match.group(1)), {})[int(match.group(2))] = n
    fixed = dict(counts)
    for (point, base), by_index in bits.items():
        low, high = min(by_index), max(by_index)
        if high - low + 1 <= WIDE_BITS:
            continue
        for index, n in by_index.items():
            below = by_index.get(index - WORD_BITS, 0) if index - low >= WORD_BITS else 0
            if n < below:
                raise ValueError(f"toggle counts of {point[0]}.{base} are not Verilator's cumulative wide-signal "
                                 f"counts: bit {index} has {n}, bit {index - WORD_BITS} {below}")
            fixed[(point, f"{base}[{index}]")] = n - below
    return fixed


def toggles_by_instance(counts: dict[tuple[str, str], int], depth: int = 2) -> dict[str, int]:
    """Toggles summed per instance `depth` levels below TOP (TOP.<top>.<op> at depth 2: each
    op's instance in the accelerator), clocks left out."""
    grouped = {}
    for (hierarchy, signal), n in counts.items():
        if signal.split("[")[0] in CLOCKS:
            continue
        parts = hierarchy.split(".")
        name = ".".join(parts[depth:depth + 1]) or parts[-1]
        grouped[name] = grouped.get(name, 0) + n
    return grouped


def measure_activity(design: Design, model, x: np.ndarray, workdir: Path) -> Activity:
    """Stream x (N, ...) channels-last back to back through a toggle-coverage build of the design
    and count every signal bit's toggles (reset included: 4 cycles)."""
    from qonnx.custom_op.registry import getCustomOp

    nodes = list(model.graph.node)
    first, last = getCustomOp(nodes[0]), getCustomOp(nodes[-1])
    sim = build_design(design, TOGGLE_FLAGS)
    workdir = Path(workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / COVERAGE_FILE).unlink(missing_ok=True)
    # the simulator runs in the design's folder (its memory files); coverage.dat lands there
    run_dir = Path(design.directory).resolve()
    (run_dir / COVERAGE_FILE).unlink(missing_ok=True)
    slowest = max(getCustomOp(n).cycles() for n in nodes)
    _, stats = run_streams(sim, first.in_stream(), last.out_stream(), x, last.out_shape(x.shape[0]),
                           run_dir, slowest, progress="toggle activity")
    (run_dir / COVERAGE_FILE).replace(workdir / COVERAGE_FILE)
    counts = read_toggles(workdir / COVERAGE_FILE, wide_signals_cumulative())
    return Activity(toggles_by_instance(counts), int(stats["cycles"]), int(x.shape[0]))
