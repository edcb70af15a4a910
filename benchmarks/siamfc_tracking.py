"""SiamFC tracking on the compiled accelerator: rtlsim boxes against the reference backend, the
hardware preset's accuracy on the semi-synthetic benchmark, and the host's work per frame.

Needs a finished build (python -m flow.build siamfc_binary). Writes
benchmarks/results/siamfc_tracking.{json,md} and precision/success plots:

1. rtlsim vs reference (--part rtlsim): the first --rtlsim-sequences benchmark sequences (whole,
   or cut to --rtlsim-frames), tracked with the accelerator in Verilator (RtlsimScores) and with
   the bit-exact reference (reference.onnx + reference_xcorr.onnx, ReferenceScores): the boxes
   must be identical.
2. Accuracy (--part accuracy): the whole benchmark (16 sequences of 80 frames, as
   models/README_siamfc.md) tracked with the reference backend (the hardware's scores, integer
   for integer): precision@20, success AUC, mean IoU and the OTB plots, beside the FP32 and torch
   binary rows and curves of `python -m models.evaluate tracking` (--torch-results).
3. Host work per tracker frame, phase by phase (SiamFCTracker.track_phases): 3 crops with
   resize, the peak search (candidate cells upsampled, penalties, window), on this machine's CPU.

Each part updates its own entry of the JSON, so the two can run apart (rtlsim takes ~2.5 s per
search crop here; --workers N or --address HOST:PORT runs each sequence as a Ray task):

    python benchmarks/siamfc_tracking.py [--build build/siamfc_binary] [--part rtlsim|accuracy]
        [--workers 2 | --address HOST:PORT]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from deploy.siamfc_tracker import PHASES, SiamFCTracker, TrackerConfig, host_ms_per_frame
from flow.targets.siamfc.backend import ReferenceScores, RtlsimScores
from flow.targets.siamfc.inputs import BENCHMARK_FRAMES, BENCHMARK_SEQUENCES
from models.data.synthetic_tracking import benchmark
from models.tracking.metrics import average, plot_curves, sequence_metrics
from models.training import progress

RESULTS = Path(__file__).resolve().parent / "results"
COMPARED = ("fp32", "binary")  # torch rows shown beside the accelerator's
METRICS = ("precision_20", "auc", "mean_iou")


class Truncated:
    """The first `length` frames of a sequence."""

    def __init__(self, sequence, length):
        self.sequence, self.length = sequence, length
        self.name, self.boxes = sequence.name, sequence.boxes[:length]

    def __len__(self):
        return self.length

    def frame(self, t):
        return self.sequence.frame(t)


def track(backend, sequences) -> tuple[dict, dict]:
    """Boxes and metrics per sequence, and ms per tracked frame per phase (host and backend)."""
    tracker = SiamFCTracker(backend, TrackerConfig.for_scales(3))
    results, seconds, frames = {}, dict.fromkeys(PHASES, 0.0), 0
    for sequence in sequences:
        boxes, phases = tracker.track_phases(sequence, clock=time.process_time,
                                             frames=lambda r, name=sequence.name: progress(r, name, leave=False))
        frames += len(sequence) - 1
        seconds = {k: seconds[k] + phases[k] for k in PHASES}
        results[sequence.name] = {**sequence_metrics(boxes, sequence.boxes), "boxes": boxes}
    return results, host_ms_per_frame(seconds, frames)


def rtlsim_sequence(job: dict) -> dict:
    """One sequence tracked with the accelerator in rtlsim and with the reference backend (a Ray
    task with --workers or --address): its boxes compared, and the rtlsim figures."""
    sequence = benchmark(job["sequences"], 0, "test", job["frames"])[job["index"]]
    sequence = Truncated(sequence, min(job["length"], len(sequence)))
    rtlsim = RtlsimScores(Path(job["build"]))
    hw, _ = track(rtlsim, [sequence])
    ref, _ = track(ReferenceScores(Path(job["build"])), [sequence])
    identical = bool(np.array_equal(hw[sequence.name]["boxes"], ref[sequence.name]["boxes"]))
    print(f"{sequence.name}: {len(sequence)} frames, identical boxes: {identical}")
    return {"name": sequence.name, "frames": len(sequence), "identical_boxes": identical,
            "search_frames": rtlsim.search_frames, "seconds": rtlsim.seconds,
            "cycles": list(map(int, rtlsim.cycles_per_tracker_frame))}


def rtlsim_part(build: Path, jobs: list[dict], workers: int | None = None, address: str | None = None) -> dict:
    """Boxes of the accelerator in rtlsim against the bit-exact reference backend's, sequence by
    sequence: one after the other, or one Ray task per sequence (flow/tasks.py)."""
    started = time.time()
    if workers or address:
        from flow.tasks import Pool, TaskError

        with Pool(workers=workers, address=address) as pool:
            runs = dict(pool.run(rtlsim_sequence, jobs, desc="sequences"))
        failed = {i: r.message for i, r in runs.items() if isinstance(r, TaskError)}
        if failed:
            raise RuntimeError(f"rtlsim sequences failed: {failed}")
        runs = [runs[i] for i in range(len(jobs))]
    else:
        runs = [rtlsim_sequence(job) for job in jobs]
    cycles = [c for r in runs for c in r["cycles"]]
    return {
        "sequences": {r["name"]: {"frames": r["frames"], "identical_boxes": r["identical_boxes"]} for r in runs},
        "all_identical": all(r["identical_boxes"] for r in runs),
        "rtlsim_search_frames": sum(r["search_frames"] for r in runs),
        "rtlsim_seconds": round(sum(r["seconds"] for r in runs), 1),
        "wall_seconds": round(time.time() - started, 1), "ray": {"workers": workers, "address": address},
        "fabric_cycles_per_tracker_frame": float(np.mean(cycles)),
    }


def accuracy_part(build: Path, sequences) -> dict:
    """The hardware preset's scores (reference backend) over the benchmark, and host time."""
    ref, ms = track(ReferenceScores(build), sequences)
    summary = average([{k: v for k, v in r.items() if k != "boxes"} for r in ref.values()])
    return {
        "sequences": len(sequences), "frames": len(sequences[0]), "scales": 3,
        "hardware_preset": summary,
        "ms_per_frame": ms,
        "per_sequence": {n: {k: v for k, v in r.items() if k != "boxes"} for n, r in ref.items()},
    }


def torch_results(path: Path) -> dict:
    """fp32 and torch binary averages from `python -m models.evaluate tracking` (tracking.json)."""
    if not path.exists():
        print(f"{path} not found: FP32 is left out (models/README_siamfc.md says how to make it)")
        return {}
    trackers = json.loads(path.read_text())["trackers"]
    return {f"{name} (torch)": trackers[name]["average"] for name in COMPARED if name in trackers}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=Path("build/siamfc_binary"))
    ap.add_argument("--part", choices=("rtlsim", "accuracy", "all"), default="all",
                    help="run one part; each updates its own entry of the results JSON")
    ap.add_argument("--rtlsim-sequences", type=int, default=2)
    ap.add_argument("--rtlsim-frames", type=int, default=BENCHMARK_FRAMES,
                    help="frames of each rtlsim sequence (default: the whole sequence)")
    ap.add_argument("--sequences", type=int, default=BENCHMARK_SEQUENCES)
    ap.add_argument("--frames", type=int, default=BENCHMARK_FRAMES)
    ap.add_argument("--torch-results", type=Path, default=Path("build/models/tracking/tracking.json"),
                    help="tracking.json of python -m models.evaluate tracking (FP32 and torch rows)")
    ap.add_argument("--results", type=Path, default=RESULTS)
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="rtlsim: one Ray task per sequence on this machine")
    where.add_argument("--address", help="rtlsim: one Ray task per sequence on the Ray cluster at HOST:PORT")
    args = ap.parse_args(argv)
    sequences = benchmark(args.sequences, 0, "test", args.frames)
    args.results.mkdir(parents=True, exist_ok=True)
    result = {"build": str(args.build)}
    if args.part in ("rtlsim", "all"):
        jobs = [{"build": str(args.build), "sequences": args.sequences, "frames": args.frames, "index": i,
                 "length": args.rtlsim_frames} for i in range(min(args.rtlsim_sequences, len(sequences)))]
        result["rtlsim_vs_reference"] = rtlsim_part(args.build, jobs, args.workers, args.address)
    if args.part in ("accuracy", "all"):
        result["benchmark"] = accuracy_part(args.build, sequences)
        result["torch"] = torch_results(args.torch_results)
        curves = {**result["torch"], "binary (accelerator)": result["benchmark"]["hardware_preset"]}
        plot_curves(curves, args.results / "siamfc_precision.png", args.results / "siamfc_success.png",
                    "(siamfc_binary)")
    out = args.results / "siamfc_tracking.json"
    # read only now: the other part may have finished meanwhile
    if args.part != "all" and out.exists():
        result = {**json.loads(out.read_text()), **result}
    out.write_text(json.dumps(result, indent=2, default=float) + "\n")
    (args.results / "siamfc_tracking.md").write_text(markdown(result))
    print(markdown(result))


def markdown(r) -> str:
    lines = ["# SiamFC tracking on the compiled accelerator", "", f"Build: `{r['build']}`.", ""]
    if "benchmark" in r:
        b = r["benchmark"]
        rows = {**r["torch"], "binary, accelerator scores (reference backend = rtlsim)": b["hardware_preset"]}
        lines += [f"Benchmark: {b['sequences']} semi-synthetic test sequences of {b['frames']} frames, "
                  f"{b['scales']} scales (the FP32 and torch rows: `python -m models.evaluate tracking`, "
                  "same benchmark).", "",
                  "| tracker | precision@20 (%) | success AUC (%) | mean IoU (%) |", "|---|---|---|---|"]
        lines += [f"| {name} | " + " | ".join(f"{100 * v[k]:.2f}" for k in METRICS) + " |"
                  for name, v in rows.items()]
        fp32 = r["torch"].get("fp32 (torch)")
        if fp32 and (b["sequences"], b["frames"]) == (BENCHMARK_SEQUENCES, BENCHMARK_FRAMES):
            lines.append("| accelerator minus FP32 (points) | " + " | ".join(
                f"{100 * (b['hardware_preset'][k] - fp32[k]):+.2f}" for k in METRICS) + " |")
        lines += ["", "Plots: siamfc_precision.png, siamfc_success.png.", "",
                  "CPU time per tracker frame on this machine (ms; backend = the reference's onnxruntime): "
                  + ", ".join(f"{k} {v:.1f}" for k, v in b["ms_per_frame"].items()) + ".", ""]
    if "rtlsim_vs_reference" in r:
        rv = r["rtlsim_vs_reference"]
        seqs = ", ".join(f"{n}: {s['frames']} frames, {'identical' if s['identical_boxes'] else 'DIFFERENT'}"
                         for n, s in rv["sequences"].items())
        lines += [f"rtlsim vs reference backend, boxes: {seqs}; "
                  f"{rv['rtlsim_search_frames']} search frames in {rv['rtlsim_seconds']} s of rtlsim"
                  + (f" ({rv['wall_seconds']} s wall{_ray_text(rv['ray'])})" if "wall_seconds" in rv else "")
                  + "; "
                  f"{rv['fabric_cycles_per_tracker_frame']:,.0f} fabric cycles per tracker frame "
                  "(3 crops, first crop in to last score out).", ""]
    return "\n".join(lines)


def _ray_text(ray: dict) -> str:
    if ray.get("address"):
        return f", a Ray task per sequence on the cluster at {ray['address']}"
    return f", a Ray task per sequence on {ray['workers']} worker(s)" if ray.get("workers") else ", in series"


if __name__ == "__main__":
    main()
