"""Host CPU time per tracked frame, phase by phase: the numpy tracker (deploy/siamfc_tracker.py)
beside the torch tracker it replaced, side by side in one process on the same frames, so that the
machine's load weighs on both alike.

The replaced tracker is models/tracking/tracker.py as it stood at commit BEFORE, read from git
(it crops with Pillow, upsamples all 3 maps with torch's F.interpolate, searches the peak in
numpy). Both run on the recorded frames, tracker states and reference score maps of
benchmarks/siamfc_tracker_fps.py (build/tracker_scores/host_work.npz), each phase timed with
process_time over --repeats rounds, interleaved. torch runs on one thread. The whole benchmark's
per-phase figures, from the runs that record and compare the boxes, are in
siamfc_tracker_equivalence.md.

    python benchmarks/siamfc_tracker_host.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

from deploy.siamfc_tracker import SiamFCTracker

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BEFORE = "ac253e8"   # the last commit with the torch tracker


def torch_tracker_module():
    source = subprocess.run(["git", "show", f"{BEFORE}:models/tracking/tracker.py"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("torch_tracker", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module   # dataclasses look their module up
    exec(compile(source, f"{BEFORE}:models/tracking/tracker.py", "exec"), module.__dict__)
    return module


def place(tracker, state, fill):
    tracker.center, tracker.x_side = np.array(state[:2]), float(state[2])
    tracker.size, tracker.z_side, tracker.x_side_limits = np.ones(2), 1.0, (0.0, np.inf)
    tracker.fill = fill


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=Path, default=ROOT / "build" / "tracker_scores" / "host_work.npz")
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    if not args.inputs.exists():
        raise SystemExit(f"{args.inputs} missing: run benchmarks/siamfc_tracker_fps.py first")
    torch.set_num_threads(1)
    data = np.load(args.inputs)
    frames, states, maps = data["frames"], data["states"], data["maps"]
    old = torch_tracker_module().SiamFCTracker(backbone=None)
    old.response_size = None
    new = SiamFCTracker(type("Unused", (), {"set_exemplar": print, "responses": print})())
    old_fill = frames[0].reshape(-1, 3).mean(axis=0)
    seconds = {"torch": dict.fromkeys(("crop", "upsample", "locate"), 0.0),
               "numpy": dict.fromkeys(("crop", "peak"), 0.0)}
    clock = time.process_time
    for _ in range(args.repeats):
        for frame, state, m in zip(frames, states, maps, strict=True):
            place(old, state, old_fill)
            t0 = clock()
            sides, _ = old.search_crops(frame)
            t1 = clock()
            up = old.upsample(torch.from_numpy(m[:, None]))
            t2 = clock()
            old.locate(up, sides, frame.shape)
            t3 = clock()
            place(new, state, data["fill"])
            new.search_crops(frame)
            t4 = clock()
            new.locate(m, sides, frame.shape)
            t5 = clock()
            for phase, dt in (("crop", t1 - t0), ("upsample", t2 - t1), ("locate", t3 - t2)):
                seconds["torch"][phase] += dt
            seconds["numpy"]["crop"] += t4 - t3
            seconds["numpy"]["peak"] += t5 - t4
    n = args.repeats * len(frames)
    ms = {name: {k: 1000 * v / n for k, v in s.items()} for name, s in seconds.items()}
    for m in ms.values():
        m["host"] = sum(m.values())
    result = {"frames": len(frames), "repeats": args.repeats, "before_commit": BEFORE, "ms_per_frame": ms}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "siamfc_tracker_host.json").write_text(json.dumps(result, indent=1) + "\n")
    text = ("# Host CPU time per tracked frame, torch tracker vs numpy tracker\n\n"
            f"`python benchmarks/siamfc_tracker_host.py --repeats {args.repeats}`: {len(frames)} recorded frames "
            "of syn_test_0_000, interleaved, process time on this machine's CPU (shared and loaded: the two "
            "columns are comparable with each other, not with other runs).\n\n"
            "| tracker | " + " | ".join(f"{k} (ms)" for k in ("crop", "upsample", "locate", "peak", "host")) + " |\n"
            "|---|---|---|---|---|---|\n")
    for name, m in ms.items():
        text += f"| {name} | " + " | ".join(f"{m[k]:.2f}" if k in m else "-"
                                            for k in ("crop", "upsample", "locate", "peak", "host")) + " |\n"
    (RESULTS / "siamfc_tracker_host.md").write_text(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
