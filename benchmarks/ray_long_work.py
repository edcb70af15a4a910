"""The long work before and after Ray: the BNN-PYNQ zoo (each network a Ray task) and the
tracker's rtlsim benchmark (each sequence a Ray task), each timed in series and with N Ray
workers on this machine, the machine's load beside each. Writes
benchmarks/results/ray_long_work.{json,md}.

    python benchmarks/ray_long_work.py [--workers 2] [--zoo tfc_1w1a sfc_1w1a ...]
        [--tracker-build build/siamfc_binary] [--sequences 2] [--frames 3]

Every zoo run starts from an empty simulator cache of its own (QNNFLOW_CACHE) and an empty
work folder; the tracker runs share the build's compiled simulator (compiled before the first).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
HERE = Path(__file__).resolve().parent


def timed(label: str, command: list[str], env: dict) -> dict:
    print(f"== {label}: {' '.join(command)}", flush=True)
    before, started = os.getloadavg(), time.time()
    proc = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = time.time() - started
    print(proc.stdout[-1500:], proc.stderr[-1500:], sep="\n", flush=True)
    return {"label": label, "command": " ".join(command), "exit": proc.returncode, "wall_seconds": round(wall, 1),
            "load_before": [round(v, 1) for v in before], "load_after": [round(v, 1) for v in os.getloadavg()]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--zoo", nargs="*", default=["tfc_1w1a", "tfc_1w2a", "sfc_1w1a", "sfc_1w2a"])
    ap.add_argument("--zoo-inputs", type=int, default=4)
    ap.add_argument("--tracker-build", type=Path, default=Path("build/siamfc_binary"))
    ap.add_argument("--sequences", type=int, default=2)
    ap.add_argument("--frames", type=int, default=3)
    ap.add_argument("--work", type=Path, default=Path("build/ray_long_work"))
    args = ap.parse_args(argv)
    shutil.rmtree(args.work, ignore_errors=True)
    python, rows = sys.executable, []
    for mode in ("series", "ray"):
        env = {**os.environ, "QNNFLOW_CACHE": str((args.work / f"cache_zoo_{mode}").resolve())}
        ray = ["--workers", str(args.workers)] if mode == "ray" else []
        if args.zoo:
            rows.append({"work": "zoo", "mode": mode, **timed(
                f"zoo ({', '.join(args.zoo)}), {mode}",
                [python, str(HERE / "bnn_pynq_zoo.py"), "--only", *args.zoo, "--inputs", str(args.zoo_inputs),
                 "--backend", "rtl", "--workdir", str(args.work / f"zoo_{mode}"), "--stem", f"ray_zoo_{mode}", *ray],
                env)})
    if args.tracker_build.is_dir():
        for mode in ("series", "ray"):
            ray = ["--workers", str(args.workers)] if mode == "ray" else []
            rows.append({"work": "tracker rtlsim", "mode": mode, **timed(
                f"tracker rtlsim ({args.sequences} sequences x {args.frames} frames), {mode}",
                [python, str(HERE / "siamfc_tracking.py"), "--build", str(args.tracker_build), "--part", "rtlsim",
                 "--rtlsim-sequences", str(args.sequences), "--rtlsim-frames", str(args.frames),
                 "--results", str(args.work / f"tracker_{mode}"), *ray], dict(os.environ))})
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ray_long_work.json").write_text(json.dumps(rows, indent=2) + "\n")
    lines = ["# The long work in series and on Ray (this machine)", "",
             f"Ray: {args.workers} workers on this machine (`ray.init()`), flow/tasks.py.", "",
             "| work | mode | exit | wall (s) | load before / after (1, 5, 15 min) | command |", "|---|---|---:|---:|---|---|"]
    lines += [f"| {r['work']} | {r['mode']} | {r['exit']} | {r['wall_seconds']:,.0f} | {r['load_before']} / "
              f"{r['load_after']} | `{r['command']}` |" for r in rows]
    for work in ("zoo", "tracker rtlsim"):
        pair = {r["mode"]: r["wall_seconds"] for r in rows if r["work"] == work}
        if len(pair) == 2:
            lines.append(f"\n{work}: series / Ray = {pair['series'] / pair['ray']:.2f}")
    (RESULTS / "ray_long_work.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
