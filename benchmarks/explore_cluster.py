"""A sweep on a Ray cluster that loses a worker: flow.explore joins the cluster, and once a point's
build on the second node is in its rtlsim step, the Ray worker running it is killed (SIGKILL, as
a crashed machine would); Ray retries the task and the sweep must still complete with every front
point verified. The kill lands in the point's rtlsim step: Verilator compiling the design or
simulating it, whichever runs then. Writes benchmarks/results/explore_cluster.{json,md}.

Start the two nodes first, each with its own build and cache folders (the second node's workers
build into QNNFLOW_NODE_BUILDS and cache simulators in QNNFLOW_CACHE):

    QNNFLOW_CACHE=build/cluster/head_cache ray start --head --port 6390 --num-cpus 1 \
        --include-dashboard false --temp-dir /tmp/ray_explore
    RAY_AUTH_MODE=token QNNFLOW_CACHE=build/cluster/node2_cache \\
        QNNFLOW_NODE_BUILDS=build/cluster/node2_builds ray start --address 127.0.0.1:6390 --num-cpus 1
    RAY_AUTH_MODE=token python benchmarks/explore_cluster.py --address 127.0.0.1:6390 --node-builds build/cluster/node2_builds \\
        [--target tfc_w1a1 --fps 1000 10000 100000]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
HERE = Path(__file__).resolve().parent


def tasks_on(node_builds: Path) -> list[int]:
    """Pids of Ray task workers whose environment names this node's build folder."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if not (proc / "cmdline").read_bytes().startswith(b"ray::"):
                continue
            env = (proc / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if f"QNNFLOW_NODE_BUILDS={node_builds}".encode() in env:
            pids.append(int(proc.name))
    return pids


def has_children(pid: int) -> bool:
    try:
        return any((t / "children").read_text().strip() for t in Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return False


def in_rtlsim(node_builds: Path) -> Path | None:
    """A point on this node whose codegen is done and whose rtlsim is not: its rtlsim is running."""
    for state in (node_builds / "points").glob("*/build_state.json"):
        try:
            steps = json.loads(state.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if "codegen" in steps and "rtlsim" not in steps:
            return state.parent
    return None


def _killed_text(killed: dict | None) -> str:
    if not killed:
        return "nothing (no rtlsim seen on node 2)"
    return f"worker {killed['pid']} in the rtlsim step of {killed['point']} after {killed['after_seconds']} s"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--address", required=True)
    ap.add_argument("--node-builds", type=Path, required=True, help="the second node's QNNFLOW_NODE_BUILDS")
    ap.add_argument("--target", default="cnv_w1a1")
    ap.add_argument("--fps", nargs="+", default=None)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    node_builds = args.node_builds.resolve()
    out = args.out or Path("build") / f"explore_{args.target}_cluster"
    command = [sys.executable, str(HERE / "explore_sweep.py"), "--address", args.address, "--target", args.target,
               "--out", str(out), "--label", "2-node Ray cluster on this machine, one worker killed in rtlsim",
               *(["--fps", *args.fps] if args.fps else [])]
    started, killed = time.time(), None
    sweep = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    while sweep.poll() is None:
        if killed is None and (point := in_rtlsim(node_builds)) is not None:
            busy = [p for p in tasks_on(node_builds) if has_children(p)]   # Verilator or its simulation
            if busy:
                os.kill(busy[0], signal.SIGKILL)
                killed = {"pid": busy[0], "point": str(point), "after_seconds": round(time.time() - started, 1)}
                print(f"killed Ray worker {busy[0]} running rtlsim of {point}", flush=True)
        time.sleep(1)
    output = sweep.stdout.read()
    print(output[-3000:])
    wall = time.time() - started
    if sweep.returncode != 0:
        print(f"error: the sweep exited with {sweep.returncode}", file=sys.stderr)
        return 1
    row = json.loads((RESULTS / f"explore_{args.target}.json").read_text())[-1]
    result = {"command": "python benchmarks/explore_cluster.py " + " ".join(argv or sys.argv[1:]),
              "sweep_exit": sweep.returncode, "killed": killed, "wall_seconds": round(wall, 1),
              "front": row["front"], "verified": row["verified"],
              "points_built_on_node2": sorted(p.name for p in (node_builds / "points").glob("*"))
              if (node_builds / "points").exists() else []}
    (RESULTS / "explore_cluster.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / "explore_cluster.md").write_text(
        "# flow.explore on a 2-node Ray cluster, a worker killed\n\n"
        f"`{result['command']}` (nodes started as in the script's docstring): killed "
        f"{_killed_text(killed)}; "
        f"sweep exit {sweep.returncode}, {row['verified']} of {row['front']} front points verified, "
        f"{wall:,.0f} s wall; points built on node 2: {len(result['points_built_on_node2'])}.\n")
    print((RESULTS / "explore_cluster.md").read_text())
    return 0 if killed and sweep.returncode == 0 and row["verified"] == row["front"] else 1


if __name__ == "__main__":
    sys.exit(main())
