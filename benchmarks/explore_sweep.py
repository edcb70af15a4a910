"""A target (cnv_w1a1 by default) over fps targets with flow.explore, from cold caches: the front,
how many front points were verified, and the wall time, with N Ray workers on this machine or on
a running cluster. Appends a row to benchmarks/results/explore_<target>.{json,md} (the machine's
load beside it) and the last run's Pareto plots (explore_<target>.png).

    python benchmarks/explore_sweep.py --workers 2 [--out build/explore_cnv_w2]
    python benchmarks/explore_sweep.py --address 127.0.0.1:6379 --label "2-node cluster"
    python benchmarks/explore_sweep.py --target tfc_w1a1 --fps 500 1000 ... --workers 1

Cold caches: the sweep folder and QNNFLOW_CACHE (Verilator simulators, ccache) start empty
(the benchmark refuses folders that exist). With --address the cluster's nodes use the caches
they were started with; start them with empty ones.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
FPS = [250, 500, 750, 1000, 1500, 2000, 2500, 3000, 4000, 6000, 8000, 12000, "max"]


def load() -> list[float]:
    return [round(v, 2) for v in os.getloadavg()]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--workers", type=int)
    where.add_argument("--address")
    ap.add_argument("--label", help="how the row is named (default: N worker(s))")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--inputs", type=int, default=2)
    ap.add_argument("--target", default="cnv_w1a1")
    ap.add_argument("--fps", nargs="+", default=FPS, type=lambda t: t if t == "max" else float(t))
    args = ap.parse_args(argv)
    fps = args.fps
    label = args.label or f"{args.workers} Ray worker(s) on this machine"
    where = f"w{args.workers}" if args.workers else "cluster"
    out = args.out or Path("build") / f"explore_{args.target}_{where}"
    cache = out.with_name(out.name + "_cache")
    if args.workers and (out.exists() or cache.exists()):
        print(f"error: {out} or {cache} exists: the benchmark starts from cold caches", file=sys.stderr)
        return 1
    if args.workers:
        os.environ["QNNFLOW_CACHE"] = str(cache.resolve())   # the local Ray workers inherit it
    from flow.explore import Space, explore
    from flow.explore.page import write_plot

    before, started = load(), time.time()
    sweep = explore(Space(models=[args.target], fps=fps, inputs=args.inputs), out,
                    workers=args.workers, address=args.address)
    wall = time.time() - started
    front = sorted(sweep.front, key=lambda p: p.fps)
    row = {"label": label, "workers": args.workers, "address": args.address, "points": len(sweep.points),
           "front": len(front), "verified": sum(p.verified for p in front), "wall_seconds": round(wall, 1),
           "load_before": before, "load_after": load(), "inputs": args.inputs, "fps_asked": fps,
           "sweep": str(out), "command": "python benchmarks/explore_sweep.py " + " ".join(argv or sys.argv[1:]),
           "front_points": [{"fps_asked": p.spec.fps, "fps_estimate": round(p.fps, 1), **p.resources,
                             "measured_fps": p.build and p.build.get("measured_fps"), "verified": p.verified,
                             "build_seconds": p.build and p.build.get("seconds"),
                             "node_directory": p.build and p.build.get("directory")} for p in front]}
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"explore_{args.target}.json"
    rows = json.loads(path.read_text()) if path.exists() else []
    rows.append(row)
    path.write_text(json.dumps(rows, indent=2) + "\n")
    lines = [f"# {args.target} design-space sweep (flow.explore), cold caches", "",
             f"{len(fps)} fps targets {fps}; every front point built through L4 on {args.inputs} inputs.", "",
             "| run | points | front | verified | wall (s) | load (1/5/15 min) before / after | command |",
             "|---|---:|---:|---:|---:|---|---|"]
    lines += [f"| {r['label']} | {r['points']} | {r['front']} | {r['verified']} | {r['wall_seconds']:,.0f} | "
              f"{r['load_before']} / {r['load_after']} | `{r['command']}` |" for r in rows]
    lines += ["", "Front of the last run (estimate; measured fps from rtlsim):", "",
              "| fps asked | fps (est.) | measured fps | LUT | BRAM36 | verified | build s |", "|---|---:|---:|---:|---:|---|---:|"]
    lines += [f"| {p['fps_asked']} | {p['fps_estimate']:,.0f} | {p['measured_fps'] or 0:,.0f} | {p['LUT']:,.0f} | "
              f"{p['BRAM36']} | {p['verified']} | {p['build_seconds']} |" for p in row["front_points"]]
    (RESULTS / f"explore_{args.target}.md").write_text("\n".join(lines) + "\n")
    write_plot(RESULTS / f"explore_{args.target}.png", json.loads((out / "explore.json").read_text()))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
