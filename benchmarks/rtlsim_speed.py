# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the qnnflow authors
"""Simulated cycles per second of the stitched Verilator model, per process, under each
simulator configuration, on finished builds (today's folding.json: cnv_w1a1, siamfc_binary).

Each configuration generates the build's rtl/ from its folded graph with its own RTL, harness and
top template ("before", on Debian's Verilator, and "before_sources", on the pinned one: those of
the commit before the simulator's changes, from git; "after": this checkout's) and compiles it
afresh (its own cache folder, ccache off, so the compile time is a cold build's), then streams
the build's test inputs the way the build's L4 step does: random input gaps and output
back-pressure (flow/backends/rtl/steps.py's SIM_GAP, SIM_STALL), the per-op stream taps on in
the first run, and a second run under the other X seed. cycles/s = simulated cycles / CPU
seconds of the simulator process (user + sys, so that other jobs on a shared machine do not
count); wall seconds are saved beside them.

"mvau_free" is a bound, not a simulator: this checkout's RTL with every MVAU's dot products,
accumulators and what only they read (terms, weight reads) cut out, the tags still delayed as
the dot stage delays them, so the design runs the same cycles (checked against "after": the row
says) with wrong outputs. Its cycles/s is the most any faster model of the MVAU datapath could
give; what it leaves is the streaming logic (windows, FIFOs, width converters, thresholds,
control) and the harness.

    ./dev python benchmarks/rtlsim_speed.py build/cnv_w1a1 build/siamfc_binary [--config before before_sources after mvau_free]

writes benchmarks/results/rtlsim_speed.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper

from flow import verify
from flow.backends.rtl import codegen, sources, verilator
from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.steps import SIM_GAP, SIM_STALL
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.backends.rtl.x_seeds import X_SEEDS
from flow.reference import CORE_IN

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DEBIAN_VERILATOR = "/usr/bin/verilator"
# the build's settings before this benchmark's changes: Debian's Verilator 5.006, these flags, and
# the RTL, harness and top template (hw/, flow/backends/rtl/templates/) of that commit, from git
BEFORE = {"verilator": DEBIAN_VERILATOR,
          "flags": ["-O3", "--x-assign", "unique", "--x-initial", "unique", "--assert", "-Wall"],
          "make": "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2",
          "tree": "4231bed"}
# mvau.v's dot stage (from its first line to its endgenerate), which mvau_free replaces by a delay
# of the tags: TREE_LATENCY is the dot stage's latency in each datapath (the cycles check it)
DOT_STAGE_START = "generate\nif (DOT_DSP != 0) begin : g_dot_dsp"
NO_DOT_STAGE = """reg [TAG_BITS-1:0] tag_delay [0:TREE_LATENCY];
integer d;
always @(posedge clk) begin
    for (d = 1; d <= TREE_LATENCY; d = d + 1) tag_delay[d] <= rst ? {TAG_BITS{1'b0}} : tag_delay[d-1];
end
always @* tag_delay[0] = tag2;
assign tag3 = tag_delay[TREE_LATENCY];
assign acc4 = {PE*ACC_W{1'b0}};
"""
CONFIGS = {
    "before": BEFORE,
    # the pinned Verilator and flags on before's RTL, harness and template: what the sources' changes gave
    "before_sources": {"tree": BEFORE["tree"]},
    "after": {},   # this checkout as it is: the pinned Verilator, flow/backends/rtl/verilator.py's flags
    # the bound (module docstring): the lint rules that the cut leaves broken are off
    "mvau_free": {"no_dot_stage": True,
                  "flags": [*verilator.VERILATOR_FLAGS, "-Wno-UNUSEDSIGNAL", "-Wno-UNUSEDPARAM", "-Wno-UNDRIVEN"]},
}


@contextmanager
def configured(config: dict, cache: Path):
    """verilator.py's settings as config says (and its sources from config["tree"], a commit),
    a fresh simulator cache, ccache off."""
    saved = (verilator.VERILATOR_FLAGS, verilator.MAKE_FLAGS, verilator.LINT_WAIVERS, verilator.HARNESS,
             verilator.HARNESS_OPTIONS, sources.RTL_DIR, codegen.TEMPLATES)
    env = {k: os.environ.get(k) for k in ("QNNFLOW_VERILATOR", "QNNFLOW_CACHE", "CCACHE_DISABLE")}
    try:
        os.environ["QNNFLOW_CACHE"], os.environ["CCACHE_DISABLE"] = str(cache), "1"
        if config.get("tree"):
            tree = _tree_at(config["tree"], cache / "tree")
            verilator.HARNESS = tree / "hw" / "sim" / verilator.HARNESS.name
            verilator.HARNESS_OPTIONS = tree / "hw" / "sim" / verilator.HARNESS_OPTIONS.name
            verilator.LINT_WAIVERS = tree / "hw" / "rtl" / verilator.LINT_WAIVERS.name
            sources.RTL_DIR = tree / "hw" / "rtl"
            codegen.TEMPLATES = tree / "flow" / "backends" / "rtl" / "templates"
        if config.get("no_dot_stage"):
            sources.RTL_DIR = _without_dot_stage(sources.RTL_DIR, cache / "rtl_mvau_free")
        if config.get("verilator"):
            os.environ["QNNFLOW_VERILATOR"] = config["verilator"]
            verilator.LINT_WAIVERS = _known_waivers(cache)
        else:
            os.environ.pop("QNNFLOW_VERILATOR", None)
        verilator.VERILATOR_FLAGS = config.get("flags", verilator.VERILATOR_FLAGS)
        verilator.MAKE_FLAGS = config.get("make", verilator.MAKE_FLAGS)
        yield
    finally:
        (verilator.VERILATOR_FLAGS, verilator.MAKE_FLAGS, verilator.LINT_WAIVERS, verilator.HARNESS,
         verilator.HARNESS_OPTIONS, sources.RTL_DIR, codegen.TEMPLATES) = saved
        for k, v in env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _tree_at(commit: str, into: Path) -> Path:
    """hw/ and the top's template as they stood at `commit`, extracted into `into`."""
    into.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", commit, "hw", "flow/backends/rtl/templates"], cwd=ROOT,
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _without_dot_stage(rtl: Path, into: Path) -> Path:
    """A copy of the RTL folder whose mvau.v has NO_DOT_STAGE in place of its dot stage."""
    shutil.copytree(rtl, into)
    text = (into / "mvau.v").read_text()
    start = text.find(DOT_STAGE_START)
    if start < 0:
        raise SystemExit(f"rtlsim_speed: mvau.v has no line '{DOT_STAGE_START.splitlines()[1]}' to cut from")
    end = text.index("endgenerate", start) + len("endgenerate")
    (into / "mvau.v").write_text(text[:start] + NO_DOT_STAGE + text[end:])
    return into


def _known_waivers(folder: Path) -> Path:
    """The waiver file less the rules an older Verilator does not know (it stops on them):
    Debian's 5.006 knows no PROCASSINIT."""
    lines = verilator.LINT_WAIVERS.read_text().splitlines()
    kept = [line for i, line in enumerate(lines)
            if "PROCASSINIT" not in line and not (i + 1 < len(lines) and "PROCASSINIT" in lines[i + 1])]
    path = folder / "lint_waivers.vlt"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(kept) + "\n")
    return path


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def measure(build_dir: Path, config: dict, frames: int) -> dict:
    model = ModelWrapper(str(build_dir / "30_folded.onnx"))
    ref = np.load(build_dir / "reference_outputs.npz")
    x = verify.to_channels_last(ref[CORE_IN])[:frames]
    capture = ref["capture"][:frames] if "capture" in ref else None
    with tempfile.TemporaryDirectory() as cache, configured(config, Path(cache)):
        # the configuration's RTL and top template (the stream taps included) for the build's folded graph
        design = generate_rtl(model, Path(cache) / "rtl", build_dir.name)
        design.save()
        started, cpu0 = time.time(), children_cpu()
        sim = build_design(design)
        compile_s, compile_cpu = time.time() - started, children_cpu() - cpu0
        version = verilator.verilator_version()
        cycles = cpu = wall = 0.0
        outputs = []
        with tempfile.TemporaryDirectory() as taps:
            for x_seed in X_SEEDS:
                cpu0, wall0 = children_cpu(), time.time()
                y, stats = simulate_design(sim, design, model, x, seed=2, in_gap=SIM_GAP, out_stall=SIM_STALL,
                                           capture=capture, x_seed=x_seed,
                                           taps=Path(taps) if x_seed == X_SEEDS[0] else None)
                cpu += children_cpu() - cpu0
                wall += time.time() - wall0
                cycles += stats["cycles"] + stats["idle_cycles"]   # the taps' drain counts too
                outputs.append(y)
        flags, make = verilator.VERILATOR_FLAGS, verilator.MAKE_FLAGS
    return {"verilator": version, "flags": flags, "make": make, "frames": len(x),
            "compile_seconds": round(compile_s, 1), "compile_cpu_seconds": round(compile_cpu, 1), "cycles": int(cycles), "cpu_seconds": round(cpu, 2),
            "wall_seconds": round(wall, 2), "cycles_per_second": cycles / cpu,
            "x_seeds_agree": bool(np.array_equal(outputs[0], outputs[1]))}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("builds", nargs="+", type=Path, help="finished build folders")
    parser.add_argument("--config", nargs="+", default=list(CONFIGS), choices=sorted(CONFIGS))
    parser.add_argument("--frames", type=int, nargs="+", default=[20, 2],
                        help="frames per build (in the order of the builds; the last one repeats)")
    parser.add_argument("--name", default="rtlsim_speed", help="results file name")
    args = parser.parse_args(argv)
    rows = []
    for i, build_dir in enumerate(args.builds):
        frames = args.frames[min(i, len(args.frames) - 1)]
        for name in args.config:
            try:
                row = {"build": build_dir.name, "config": name, **measure(build_dir, CONFIGS[name], frames)}
            except verilator.SimulationError as err:   # no such Verilator, or old RTL without a parameter of today's ops
                first = next((line for line in str(err).splitlines() if "%Error" in line), str(err).splitlines()[0])
                raise SystemExit(f"rtlsim_speed: config '{name}' cannot simulate {build_dir}: {first.strip()} "
                                 f"(--config picks the others)") from None
            if name == "mvau_free":
                after = [r["cycles"] for r in rows if r["build"] == row["build"] and r["config"] == "after"]
                if after:
                    row["cycles_as_after"] = row["cycles"] == after[0]
            rows.append(row)
            print(f"{row['build']:>14} {name:>12} {row['verilator'][:24]:<24} compile {row['compile_cpu_seconds']:6.1f} cpu-s  "
                  f"{row['cycles']:>9} cycles  {row['cycles_per_second']:>10,.0f} cycles/s "
                  f"(cpu {row['cpu_seconds']} s, wall {row['wall_seconds']} s)", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    lines = ["| build | config | Verilator | compile CPU s | compile wall s | cycles | cycles/s (per CPU s) | "
             "run wall s | X seeds agree |", "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['build']} | {r['config']} | {r['verilator']} | {r['compile_cpu_seconds']} | "
                     f"{r['compile_seconds']} | {r['cycles']} | "
                     f"{r['cycles_per_second']:,.0f} | {r['wall_seconds']} | {r['x_seeds_agree']} |")
    for b in dict.fromkeys(r["build"] for r in rows):
        by = {r["config"]: r for r in rows if r["build"] == b}
        for name in ("before_sources", "after"):
            if "before" in by and name in by:
                lines.append(f"\n{b}: {name} / before = "
                             f"{by[name]['cycles_per_second'] / by['before']['cycles_per_second']:.2f}x cycles/s")
        if "after" in by and "mvau_free" in by:
            lines.append(f"\n{b}: mvau_free / after = "
                         f"{by['mvau_free']['cycles_per_second'] / by['after']['cycles_per_second']:.2f}x cycles/s "
                         f"(the bound; the same cycles as after: {by['mvau_free'].get('cycles_as_after')})")
    (RESULTS / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines[2:]))


if __name__ == "__main__":
    main()
