"""Yosys synth_xilinx on generated RTL: resource counts beside the analytic estimates (--synth),
and a timing proxy from the same delay-aware mapping.

LUTs count logic LUTs plus LUTs used as memory or shift registers; BRAM36 counts RAMB18 as
half. Memory files are read relative to the RTL directory, as in simulation.

Timing proxy: synth_xilinx -abc9 maps with the xc7 cell delays of Yosys's cell library (LUTs,
CARRY4 chains, flip-flops), then `sta` finds the latest arrival (ps) and its path; the logic levels
are the LUTs and CARRY4s on that path. Cell delays only, no routing, no placement: a proxy for the
critical path, not Vivado's timing; a real fmax needs Vivado. (Yosys's `ltp` counts whole cells,
so a CARRY4 whose sum feeds its own chain looks like a loop to it: not used.)
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

from flow.backends import tools

# LUT-equivalents of 7-series distributed-memory and shift-register primitives
LUT_MEMORY_CELLS = {"RAM32M": 4, "RAM64M": 4, "RAM32M16": 8, "RAM64M8": 8, "RAM32X1D": 2, "RAM64X1D": 2,
                    "RAM128X1D": 4,
                    "RAM32X1S": 1, "RAM64X1S": 1, "RAM128X1S": 2, "RAM256X1S": 4,
                    "SRL16E": 1, "SRLC32E": 1}
FF_CELLS = ("FDRE", "FDSE", "FDCE", "FDPE")
SYNTH = "synth_xilinx -family {family} -noiopad -flatten"
# where the flattened netlist does not fit the WebAssembly Yosys's memory (see synthesize)
SYNTH_HIERARCHICAL = "synth_xilinx -family {family} -noiopad"
# delay-aware mapping first; Yosys 0.23's abc9_ops has been seen to stop with an internal error
# (std::out_of_range) on a whole cnv_w1a1 board top, and then plain abc maps it
MAPPINGS = ("-abc9", "")
# the cell library again, with its specify blocks: the timing arcs `sta` reads
TIMING_MODELS = "read_verilog -lib -specify -overwrite +/xilinx/cells_sim.v"
TIMING_NOTE = ("proxy: xc7 cell delays of Yosys's cell library on the mapped netlist (see mapping), no "
               "routing or placement; not Vivado timing")


class SynthesisError(RuntimeError):
    pass


# what the WebAssembly runtime prints when Yosys stops inside it (its memory exhausted among others)
WASM_TRAP = "wasmtime._trap.Trap"
_PASS = re.compile(r"^[\d.]+\. Executing (.+?)\.?$", re.MULTILINE)


def _last_pass(log: Path) -> str:
    """The last pass a Yosys log names ('OPT pass (performing simple optimizations)')."""
    passes = _PASS.findall(log.read_text(errors="replace")) if log.is_file() else []
    return passes[-1] if passes else "an unknown pass"


def synthesize(rtl_dir: Path, sources: list[Path], top: str, params: dict | None = None,
               timeout: int = 3600, family: str = "xc7") -> dict:
    """Run synth_xilinx -abc9 for `family` (xc7, or xcup: a Zynq UltraScale+) on `top` (plain abc
    where abc9 fails; module by module, without the timing proxy, where the flattened design is past
    the WebAssembly Yosys's memory); returns LUT/FF/BRAM36/URAM/DSP, the raw cell counts, the timing
    proxy (None module by module, and for xcup, whose delays the proxy does not model), the mapping
    used and the Yosys version."""
    try:
        yosys = tools.yosys()
        version = yosys.version
    except tools.ToolError as err:
        raise SynthesisError(str(err)) from err
    # one chparam for all: each call re-elaborates, and a half-set combination may be illegal
    chparam = (f"chparam {' '.join(f'-set {k} {_value(v)}' for k, v in params.items())} {top}; "
               if params else "")
    # paths relative to rtl_dir, where Yosys runs: the WebAssembly Yosys sees the file system
    # through its runtime's mounts, which put a private folder at /tmp
    rtl_dir = Path(rtl_dir).resolve()
    reads = " ".join(os.path.relpath(Path(s).resolve(), rtl_dir) for s in sources)
    started = time.time()
    log = rtl_dir / f"yosys_{top}.log"
    errors = []

    def run(synth: str, mapping: str, timing: bool):
        script = f"read_verilog {reads}; {chparam}{synth} {mapping} -top {top}; stat" + (
            f"; {TIMING_MODELS}; sta" if timing else "")
        return yosys.run(["-q", "-l", log.name, "-p", script], cwd=rtl_dir,
                         capture_output=True, text=True, timeout=timeout)

    def failure(synth: str, mapping: str, proc) -> str:
        if WASM_TRAP in proc.stderr:
            return (f"{synth} {mapping}: the WebAssembly Yosys stopped in '{_last_pass(log)}' (a trap; it "
                    f"has at most 4 GiB of memory)")
        return f"{synth} {mapping}: {proc.stderr.strip()[-2000:]}"

    flat, hierarchical = SYNTH.format(family=family), SYNTH_HIERARCHICAL.format(family=family)
    attempts = [(flat, mapping) for mapping in MAPPINGS]
    while attempts:
        synth, mapping = attempts.pop(0)
        flattened = synth == flat
        proc = run(synth, mapping, timing=flattened and family == "xc7")
        if proc.returncode == 0:
            break
        errors.append(failure(synth, mapping, proc))
        trapped = WASM_TRAP in proc.stderr
        if trapped:
            # the other mapping needs as much memory; past 4 GiB flattened, each module is mapped
            # on its own and the top counted over the hierarchy (no cross-module optimisation, and
            # no `sta`, which wants one netlist)
            attempts = [(hierarchical, m) for m in MAPPINGS] if flattened else []
    else:
        way_out = "; name a native Yosys in QNNFLOW_YOSYS to synthesize it" if trapped else ""
        raise SynthesisError(f"yosys failed on {top} (log: {log}): {' | '.join(errors)}{way_out}")
    text = log.read_text()
    cells = parse_cells(text)
    return {**summarize(cells), "cells": cells,
            "timing_proxy": parse_timing(text) if flattened and family == "xc7" else None,
            "mapping": f"{synth} {mapping}".strip(), "mapping_failures": errors,
            "seconds": round(time.time() - started, 1), "yosys": version}


def _value(v) -> str:
    if isinstance(v, str):
        return f'"{v}"'
    # Yosys 0.23's chparam takes no minus sign: a negative value as 32-bit two's complement
    return str(int(v)) if v >= 0 else f"32'h{int(v) & 0xFFFFFFFF:08x}"


# the cell list of a statistics block: Yosys 0.23 writes "Number of cells: N" then "  NAME  COUNT"
# lines, Yosys 0.5x and later "  N cells" then "  COUNT  NAME" lines
STAT_FORMATS = ((re.compile(r"^\s+Number of cells:"), re.compile(r"^\s+(?P<name>[$\w]+)\s+(?P<n>\d+)\s*$")),
                (re.compile(r"^\s+\d+ cells\s*$"), re.compile(r"^\s+(?P<n>\d+)\s+(?P<name>[$\w]+)\s*$")))


def parse_cells(stat_text: str) -> dict:
    """Cell counts of the last (top-level, flattened) statistics block."""
    lines = stat_text.splitlines()
    starts = [(i, cell) for i, line in enumerate(lines) for head, cell in STAT_FORMATS if head.match(line)]
    if not starts:
        return {}
    first, cell = max(starts, key=lambda start: start[0])
    cells = {}
    for line in lines[first + 1:]:
        m = cell.match(line)
        if not m or m.group("name") == "submodules":   # 0.70 lists the submodules after the cells
            break
        cells[m.group("name")] = int(m.group("n"))
    return cells


def parse_timing(log_text: str) -> dict:
    """The `sta` latest arrival (ps), its path's cells and logic levels, from a Yosys log."""
    arrival = re.search(r"Latest arrival time in '[^']*' is (\d+):\n(.*?)\n\n", log_text, re.DOTALL)
    if arrival is None:
        raise SynthesisError("the Yosys log has no sta arrival time")
    path_cells = re.findall(r"^\s+\d+ \S+ \((\w+)\.\w+->\w+\)", arrival.group(2), re.MULTILINE)
    ps = int(arrival.group(1))
    return {"critical_path_ps": ps, "fmax_mhz": round(1e6 / ps, 1) if ps else None,
            "logic_levels": sum(1 for c in path_cells if re.fullmatch(r"LUT[1-6]|CARRY4|MUXF[78]", c)),
            "path_cells": {c: path_cells.count(c) for c in sorted(set(path_cells))}, "note": TIMING_NOTE}


def yosys_release(version: str) -> str:
    """'Yosys 0.70' from a synthesize() result's "yosys" (Debian's or the PyPI wheel's long text)."""
    found = re.search(r"Yosys [\d.]+\d", version)
    return found.group(0) if found else version


def mapping_used(mapping: str) -> str:
    """Which of MAPPINGS a synthesize() result's "mapping" is: 'abc9', or 'plain abc (abc9 failed)',
    with ', module by module' where the flattened design did not fit the WebAssembly Yosys."""
    used = "abc9" if mapping.endswith("-abc9") else "plain abc (abc9 failed)"
    return used if "-flatten" in mapping else f"{used}, module by module"


def timing_text(proxy: dict | None) -> str:
    """A timing proxy in a table cell: '8,381 ps, 19 levels (proxy)', '-' without one."""
    if not proxy or proxy.get("critical_path_ps") is None:
        return "-"
    return f"{proxy['critical_path_ps']:,} ps, {proxy['logic_levels']} levels (proxy)"


def summarize(cells: dict) -> dict:
    # a LUT6_2 (two outputs of one LUT, instantiated by add_chain.v) is one LUT, as Vivado counts it
    luts = sum(n for c, n in cells.items() if re.fullmatch(r"LUT[1-6]|LUT6_2", c))
    luts += sum(cells.get(c, 0) * k for c, k in LUT_MEMORY_CELLS.items())
    return {
        "LUT": luts,
        "FF": sum(cells.get(c, 0) for c in FF_CELLS),
        "BRAM36": sum(cells.get(f"RAMB36E{v}", 0) + cells.get(f"RAMB18E{v}", 0) / 2 for v in (1, 2)),
        "URAM": cells.get("URAM288", 0),
        "DSP": cells.get("DSP48E1", 0) + cells.get("DSP48E2", 0),
    }
