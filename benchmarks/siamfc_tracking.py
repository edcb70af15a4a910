"""SiamFC tracking on the compiled accelerator: rtlsim boxes against the reference backend, the
hardware preset's accuracy on the semi-synthetic benchmark, and the host's work per frame.

Needs a finished build (python -m flow.build siamfc_binary). Writes
benchmarks/results/siamfc_tracking.{json,md} and precision/success plots:

1. rtlsim vs reference: the first --rtlsim-sequences benchmark sequences, cut to
   --rtlsim-frames frames, tracked with the accelerator in Verilator (RtlsimScores) and with the
   bit-exact reference (reference.onnx + reference_xcorr.onnx, ReferenceScores): the boxes must be
   identical.
2. Accuracy: the whole benchmark (16 sequences of 80 frames, as models/README_siamfc.md) tracked
   with the reference backend (the hardware's scores, integer for integer), precision@20, success
   AUC and mean IoU, beside FP32 from models/README_siamfc.md (the same benchmark and command).
3. Host work per tracker frame (3 crops with resize, upsampling, penalties, window, peak): the
   tracking loop's time minus the time spent in the backend, on this machine's CPU.

    python benchmarks/siamfc_tracking.py [--build build/siamfc_binary]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from flow.siamfc_backend import ReferenceScores, RtlsimScores
from models.data.synthetic_tracking import benchmark
from models.tracking.metrics import average, plot_curves, sequence_metrics
from models.tracking.tracker import SiamFCTracker, TrackerConfig

RESULTS = Path(__file__).resolve().parent / "results"
# models/README_siamfc.md, "Results": fp32 and the torch binary preset on this benchmark, 3 scales
# (percent)
PUBLISHED = {"fp32": {"precision_20": 78.75, "auc": 67.13, "mean_iou": 68.25},
             "binary (torch)": {"precision_20": 78.83, "auc": 65.72, "mean_iou": 66.87}}
METRICS = ("precision_20", "auc", "mean_iou")


class Timed:
    """A backend whose calls are timed, so the host's share of a tracker frame can be told apart."""

    def __init__(self, backend):
        self.backend, self.seconds = backend, 0.0

    def set_exemplar(self, pixels):
        started = time.perf_counter()
        self.backend.set_exemplar(pixels)
        self.seconds += time.perf_counter() - started

    def responses(self, pixels):
        started = time.perf_counter()
        out = self.backend.responses(pixels)
        self.seconds += time.perf_counter() - started
        return out


class Truncated:
    """The first `length` frames of a sequence."""

    def __init__(self, sequence, length):
        self.sequence, self.length = sequence, length
        self.name, self.boxes = sequence.name, sequence.boxes[:length]

    def __len__(self):
        return self.length

    def frame(self, t):
        return self.sequence.frame(t)


def track(backend, sequences):
    timed = Timed(backend)
    tracker = SiamFCTracker(timed, TrackerConfig.for_scales(3))
    results, loop_seconds, frames = {}, 0.0, 0
    for sequence in sequences:
        started = time.perf_counter()
        boxes, _ = tracker.track(sequence)
        loop_seconds += time.perf_counter() - started
        frames += len(sequence) - 1
        results[sequence.name] = {**sequence_metrics(boxes, sequence.boxes), "boxes": boxes}
    host_ms = 1000 * (loop_seconds - timed.seconds) / frames  # frame reading is excluded below
    return results, host_ms


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=Path("build/siamfc_binary"))
    ap.add_argument("--rtlsim-sequences", type=int, default=2)
    ap.add_argument("--rtlsim-frames", type=int, default=10)
    ap.add_argument("--sequences", type=int, default=16)
    ap.add_argument("--frames", type=int, default=80)
    args = ap.parse_args(argv)
    sequences = benchmark(args.sequences, 0, "test", args.frames)
    short = [Truncated(s, args.rtlsim_frames) for s in sequences[: args.rtlsim_sequences]]

    rtlsim = RtlsimScores(args.build)
    hw, _ = track(rtlsim, short)
    ref_short, _ = track(ReferenceScores(args.build), short)
    identical = {name: bool(np.array_equal(hw[name]["boxes"], ref_short[name]["boxes"])) for name in hw}

    # frame rendering is not host work of the tracker: time it apart and take it out
    started = time.perf_counter()
    for s in sequences:
        for t in range(len(s)):
            s.frame(t)
    render_ms = 1000 * (time.perf_counter() - started) / sum(len(s) - 1 for s in sequences)
    ref, host_ms = track(ReferenceScores(args.build), sequences)
    summary = average([{k: v for k, v in r.items() if k != "boxes"} for r in ref.values()])
    result = {
        "build": str(args.build),
        "rtlsim_vs_reference": {
            "sequences": {n: {"frames": len(s), "identical_boxes": identical[n]} for n, s in
                          zip(hw, short, strict=True)},
            "all_identical": all(identical.values()),
            "rtlsim_search_frames": rtlsim.search_frames, "rtlsim_seconds": round(rtlsim.seconds, 1),
            "fabric_cycles_per_tracker_frame": float(np.mean(rtlsim.cycles_per_tracker_frame)),
        },
        "benchmark": {"sequences": len(sequences), "frames": args.frames, "scales": 3},
        "hardware_preset_percent": {k: 100 * summary[k] for k in METRICS},
        "published": PUBLISHED,
        "host_ms_per_frame": max(0.0, host_ms - render_ms),
        "per_sequence": {n: {k: v for k, v in r.items() if k != "boxes"} for n, r in ref.items()},
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "siamfc_tracking.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
    plot_curves({"binary (accelerator)": summary}, RESULTS / "siamfc_precision.png",
                RESULTS / "siamfc_success.png", "siamfc_binary on the semi-synthetic benchmark")
    (RESULTS / "siamfc_tracking.md").write_text(markdown(result))
    print(markdown(result))


def rewrite_markdown():
    """Regenerate the markdown from the saved JSON."""
    result = json.loads((RESULTS / "siamfc_tracking.json").read_text())
    (RESULTS / "siamfc_tracking.md").write_text(markdown(result))


def markdown(r) -> str:
    h, f, rv = r["hardware_preset_percent"], r["published"]["fp32"], r["rtlsim_vs_reference"]
    seqs = ", ".join(f"{n}: {s['frames']} frames" for n, s in rv["sequences"].items())
    # the published rows are the whole benchmark: 16 sequences of 80 frames
    full = (r["benchmark"]["sequences"], r["benchmark"]["frames"]) == (16, 80)
    lines = ["# SiamFC tracking on the compiled accelerator", "",
             f"Benchmark: {r['benchmark']['sequences']} semi-synthetic test sequences of "
             f"{r['benchmark']['frames']} frames, 3 scales.", "",
             "| tracker | precision@20 (%) | success AUC (%) | mean IoU (%) |", "|---|---|---|---|"]
    for name, v in r["published"].items():
        lines.append(f"| {name} (models/README_siamfc.md) | "
                     + " | ".join(f"{v[k]:.2f}" for k in METRICS) + " |")
    lines += ["| binary, accelerator scores (reference backend, = rtlsim) | "
              + " | ".join(f"{h[k]:.2f}" for k in METRICS) + " |",
              "| difference to FP32 (points) | " + (" | ".join(f"{h[k] - f[k]:+.2f}" for k in METRICS)
                                                   if full else "not comparable: a subset | | ") + " |",
              "",
              f"rtlsim vs reference backend: identical boxes on "
              f"{sum(s['identical_boxes'] for s in rv['sequences'].values())} of {len(rv['sequences'])} "
              f"sequences ({seqs}); "
              f"{rv['rtlsim_search_frames']} search frames in {rv['rtlsim_seconds']} s of rtlsim; "
              f"{rv['fabric_cycles_per_tracker_frame']:,.0f} fabric cycles per tracker frame "
              "(3 crops, first crop in to last score out).", "",
              f"Host work per tracker frame on this CPU: {r['host_ms_per_frame']:.1f} ms.", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
