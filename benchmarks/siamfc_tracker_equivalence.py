"""Boxes of the SiamFC tracker against a recorded baseline, over the whole semi-synthetic benchmark.

The tracker is scored by a siamfc build's reference backend (reference.onnx + reference_xcorr.onnx
in onnxruntime, flow/targets/siamfc/backend.py ReferenceScores), whose integer score maps are the
accelerator's. `--record` tracks the benchmark (16 test sequences of 80 frames, seed 0, 3 scales:
models/README_siamfc.md) with the tracker as the code stands and writes every box, at full
float64 precision, with the sha256 of the checkpoint and of the build's reference graphs, to
benchmarks/results/siamfc_tracker_baseline.json. Without `--record` it tracks the same benchmark
again and compares the boxes with that file, frame by frame, bit for bit: identical count,
largest difference, precision@20 and AUC both ways.

The reference backend takes seconds per frame here: the maps come from IntegerCorrelationScores
(the same reference.onnx, its integer features correlated as one exact matrix product), checked
equal to ReferenceScores on each sequence's first frame, and every score map is kept in
build/tracker_scores/ keyed by the sha256 of the exemplar and of the crops it scored: a run whose
crops are byte-identical to the recorded run's reads the recorded maps, any other crop is scored
by the backend. `--shard i/n` tracks every n-th sequence only (parallel recording).

`--crops engine` tracks as the board does: the tracker hands the backend the frame and the crops'
geometry, and the accelerator's crop engine cuts them (here its numpy model, deploy/crop_stream.py,
whose crops must be the recorded run's bytes: the kept maps are read), and writes
siamfc_tracker_equivalence_engine.*. `--crops opencv` tracks with OpenCV's crops (deploy/crop.py
OpenCVCropper: not Pillow's bytes, so their maps are scored anew, minutes here) and writes
siamfc_tracker_equivalence_opencv.*:
which boxes differ from the baseline, and precision@20 and AUC both ways.

    python benchmarks/siamfc_tracker_equivalence.py [--record] [--build build/siamfc_binary] [--crops engine|opencv]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import onnxruntime as ort

from deploy.siamfc_tracker import SiamFCTracker, TrackerConfig
from flow.targets.siamfc.backend import ReferenceScores, cut
from flow.targets.siamfc.inputs import BENCHMARK_FRAMES, BENCHMARK_SEQUENCES
from models.data.synthetic_tracking import benchmark
from models.siamfc import BINARY_CHECKPOINT
from models.tracking.backbones import pixels_to_input
from models.tracking.metrics import average, sequence_metrics

RESULTS = Path(__file__).resolve().parent / "results"
BASELINE = RESULTS / "siamfc_tracker_baseline.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class IntegerCorrelationScores(ReferenceScores):
    """ReferenceScores with the correlation done as one float64 matrix product instead of
    reference_xcorr.onnx's im2col graph: features are integers of at most 8 bits, so every product
    and every partial sum of the 17 x 17 x C-term dot products is an integer far below 2^53 and
    the maps are the same numbers whatever the summation order (checked against
    ReferenceScores.responses on each sequence's first frame)."""

    def __init__(self, build_dir):
        super().__init__(build_dir)
        options = ort.SessionOptions()   # as flow.reference.session, on one thread
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        self.backbone = ort.InferenceSession(str(Path(build_dir) / "reference.onnx"), options,
                                             providers=["CPUExecutionProvider"])

    def responses(self, pixels) -> np.ndarray:
        x = self.features(pixels_to_input(pixels).numpy()).astype(np.float64)
        z = self.exemplar[0].astype(np.float64)
        k = z.shape[-1]
        windows = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(2, 3))  # N,C,o,o,k,k
        return np.einsum("ncijkl,ckl->nij", windows, z, optimize=True)[:, None]


class CachedScores:
    """A backend's score maps, kept by the sha256 of (exemplar, crops): a byte-identical query
    reads the kept maps, any other goes to the backend (backend None: an error)."""

    def __init__(self, backend, path: Path, check=None):
        self.backend, self.path, self.check = backend, path, check
        self.maps = dict(np.load(path)) if path.exists() else {}
        self.hits = self.misses = 0

    def set_exemplar(self, pixels) -> None:
        self.exemplar = hashlib.sha256(np.ascontiguousarray(pixels).tobytes()).hexdigest()
        if self.backend is not None:
            self.backend.set_exemplar(pixels)
        if self.check is not None:
            self.check.set_exemplar(pixels)

    def responses(self, pixels) -> np.ndarray:
        key = hashlib.sha256(self.exemplar.encode() + np.ascontiguousarray(pixels).tobytes()).hexdigest()
        if key in self.maps:
            self.hits += 1
        else:
            self.misses += 1
            if self.backend is None:
                raise KeyError(f"crops {key[:12]} were not scored in {self.path}")
            self.maps[key] = np.asarray(self.backend.responses(pixels))
            if self.check is not None:   # once: the first scored frame against the other backend
                if not np.array_equal(self.maps[key], self.check.responses(pixels)):
                    raise SystemExit(f"{type(self.backend).__name__} differs from "
                                     f"{type(self.check).__name__}")
                self.check = None
        return self.maps[key].copy()

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(self.path, **self.maps)


class CropEngine:
    """The board's configuration on the host: the tracker hands its backend the frame and the
    crops' geometry (cuts_crops), which the accelerator's crop engine cuts; here its numpy model
    (deploy/crop_stream.py) cuts them and `scores` scores them (the kept maps where the crops are
    byte-identical to the recorded run's)."""

    cuts_crops = True

    def __init__(self, scores, side: int):
        self.scores, self.side = scores, side

    def set_exemplar(self, pixels) -> None:
        self.scores.set_exemplar(pixels)

    def responses(self, crops) -> np.ndarray:
        return self.scores.responses(cut(crops, self.side))


def track_sequence(backend, sequence, crops: str = "pillow") -> tuple[np.ndarray, dict, dict]:
    config = TrackerConfig.for_scales(3)
    if crops == "engine":
        backend = CropEngine(backend, config.search_size)
    tracker = SiamFCTracker(backend, replace(config, crops="pillow" if crops == "engine" else crops))
    boxes, seconds = tracker.track_phases(sequence, clock=time.process_time)
    return boxes, seconds, {"full_map_decisions": tracker.peak.full_decisions}


def run_sequences(build: Path, sequences, cache_dir: Path, parts: Path, crops: str = "pillow") -> None:
    """Track each sequence whose part file is missing; write its boxes and phase seconds."""
    fast, reference = IntegerCorrelationScores(build), ReferenceScores(build)
    parts.mkdir(parents=True, exist_ok=True)
    for sequence in sequences:
        part = parts / f"{sequence.name}.json"
        if part.exists():
            continue
        scores = CachedScores(fast, cache_dir / f"{sequence.name}.npz", check=reference)
        started = time.time()
        boxes, seconds, peak = track_sequence(scores, sequence, crops)
        scores.save()
        part.write_text(json.dumps({"boxes": boxes.tolist(), "seconds": seconds, "peak": peak,
                                    "frames": len(sequence) - 1,
                                    "cache": {"hits": scores.hits, "misses": scores.misses}}) + "\n")
        print(f"{sequence.name}: {time.time() - started:.0f} s, cache {scores.hits} hits "
              f"{scores.misses} misses", flush=True)


def provenance(build: Path) -> dict:
    commit = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    return {"commit": commit, "checkpoint": str(BINARY_CHECKPOINT.name),
            "checkpoint_sha256": sha256(BINARY_CHECKPOINT),
            "reference_onnx_sha256": sha256(build / "reference.onnx"),
            "reference_xcorr_sha256": sha256(build / "reference_xcorr.onnx")}


def collect(sequences, parts: Path) -> dict:
    return {s.name: json.loads((parts / f"{s.name}.json").read_text()) for s in sequences}


def summary(sequences, boxes: dict) -> dict:
    per = [sequence_metrics(np.array(boxes[s.name]), s.boxes) for s in sequences]
    a = average(per)
    return {"precision_20": a["precision_20"], "auc": a["auc"], "mean_iou": a["mean_iou"]}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", type=Path, default=Path("build/siamfc_binary"))
    ap.add_argument("--record", action="store_true", help="record the baseline from the code as it stands")
    ap.add_argument("--shard", default="0/1", help="i/n: track every n-th sequence from the i-th")
    ap.add_argument("--cache", type=Path, default=Path("build/tracker_scores"))
    ap.add_argument("--results", type=Path, default=RESULTS)
    ap.add_argument("--crops", choices=("pillow", "opencv", "engine"), default="pillow",
                    help="the tracker's crops (TrackerConfig.crops), or the board's: cut by the crop "
                         "engine's model; the baseline's are Pillow's")
    ap.add_argument("--partial", action="store_true",
                    help="with --record: write the baseline of the sequences recorded so far")
    args = ap.parse_args(argv)
    i, n = (int(v) for v in args.shard.split("/"))
    sequences = benchmark(BENCHMARK_SEQUENCES, 0, "test", BENCHMARK_FRAMES)
    if args.crops == "opencv":
        import cv2
        cv2.setNumThreads(1)   # one core, as the host's work is timed
    if args.record and args.crops != "pillow":
        raise SystemExit("the baseline is the recorded tracker's, whose crops are Pillow's: --record takes no --crops")
    parts = args.cache / ("baseline" if args.record else "current" if args.crops == "pillow" else f"current_{args.crops}")
    if args.record and args.partial:
        sequences = [s for s in sequences if (parts / f"{s.name}.json").exists()]
    elif not args.record:   # the sequences the baseline holds
        recorded = json.loads(BASELINE.read_text())["boxes"]
        sequences = [s for s in sequences if s.name in recorded]
    run_sequences(args.build, sequences[i::n], args.cache, parts, args.crops)
    if any(not (parts / f"{s.name}.json").exists() for s in sequences):
        print("other shards still running: results are written by the run that finishes last")
        return
    runs = collect(sequences, parts)
    boxes = {name: r["boxes"] for name, r in runs.items()}
    frames = sum(r["frames"] for r in runs.values())
    ms = {phase: 1000 * sum(r["seconds"][phase] for r in runs.values()) / frames
          for phase in next(iter(runs.values()))["seconds"]}
    if args.record:
        out = {"benchmark": {"sequences": BENCHMARK_SEQUENCES, "frames": BENCHMARK_FRAMES, "seed": 0,
                             "split": "test", "scales": 3},
               **provenance(args.build), "summary": summary(sequences, boxes),
               "ms_per_frame": ms, "boxes": boxes}
        BASELINE.write_text(json.dumps(out) + "\n")
        print(f"wrote {BASELINE}: {out['summary']}, ms per frame {ms}")
        return
    baseline = json.loads(BASELINE.read_text())
    now = provenance(args.build)
    for key in ("checkpoint_sha256", "reference_onnx_sha256", "reference_xcorr_sha256"):
        if now[key] != baseline[key]:
            raise SystemExit(f"{key}: {now[key]} differs from the baseline's {baseline[key]}: "
                             "compare with the build and checkpoint the baseline was recorded with")
    result = {**compare(sequences, baseline, runs, ms, now), "crops": args.crops}
    name = "siamfc_tracker_equivalence" + ("" if args.crops == "pillow" else f"_{args.crops}")
    (args.results / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    (args.results / f"{name}.md").write_text(markdown(result))
    print(markdown(result))


def compare(sequences, baseline, runs, ms, now) -> dict:
    per = {}
    for s in sequences:
        old, new = np.array(baseline["boxes"][s.name]), np.array(runs[s.name]["boxes"])
        same = (old == new).all(axis=1)
        per[s.name] = {"frames": len(same), "identical": int(same.sum()),
                       "first_different_frame": None if same.all() else int(np.argmin(same)),
                       "max_abs_difference": float(np.abs(old - new).max()),
                       # the box the tracker starts from, generated on this machine, against the recorded one's
                       "first_box_difference": float(np.abs(np.asarray(s.boxes[0], np.float64) - old[0]).max()),
                       "full_map_decisions": runs[s.name]["peak"]["full_map_decisions"],
                       "score_cache": runs[s.name]["cache"]}
    after = summary(sequences, {n: r["boxes"] for n, r in runs.items()})
    return {"baseline": {k: baseline[k] for k in ("commit", "checkpoint", "checkpoint_sha256",
                                                  "reference_onnx_sha256", "reference_xcorr_sha256")},
            "current": now, "boxes": sum(p["frames"] for p in per.values()),
            "identical_boxes": sum(p["identical"] for p in per.values()),
            "summary": {"baseline": baseline["summary"], "current": after},
            "ms_per_frame": {"baseline": baseline["ms_per_frame"], "current": ms},
            "sequences": per}


def markdown(r) -> str:
    b, c = r["summary"]["baseline"], r["summary"]["current"]
    crops = r.get("crops", "pillow")
    option = "" if crops == "pillow" else f" --crops {crops}"
    lines = ["# The numpy SiamFC tracker against the recorded tracker" + ("" if crops == "pillow" else f", {crops} crops"), "",
             f"`python benchmarks/siamfc_tracker_equivalence.py{option}` (reference scores of build/siamfc_binary; "
             f"checkpoint {r['baseline']['checkpoint']} sha256 {r['baseline']['checkpoint_sha256'][:16]}..., "
             f"reference.onnx {r['baseline']['reference_onnx_sha256'][:16]}...; baseline recorded by commit "
             f"{r['baseline']['commit'][:10]}, compared at {r['current']['commit'][:10]}).", "",
             f"Boxes identical (every float64 coordinate): **{r['identical_boxes']} of {r['boxes']}** "
             f"({len(r['sequences'])} sequences x 80 frames, first boxes included).", "",
             "| | precision@20 (%) | success AUC (%) | mean IoU (%) |", "|---|---|---|---|"]
    for name, v in (("recorded tracker", b), ("numpy tracker", c)):
        lines.append(f"| {name} | {100 * v['precision_20']:.2f} | {100 * v['auc']:.2f} | {100 * v['mean_iou']:.2f} |")
    mb, mc = r["ms_per_frame"]["baseline"], r["ms_per_frame"]["current"]
    lines += ["", "Host CPU time per tracked frame over the whole benchmark (ms, process time, this machine, "
              "loaded by other jobs: see the host benchmark for the per-phase figures):", "",
              *(f"- {name}: " + ", ".join(f"{k} {v:.2f}" for k, v in m.items() if k != "backend")
                + f", host {sum(v for k, v in m.items() if k != 'backend'):.2f}"
                for name, m in (("recorded tracker", mb), ("numpy tracker", mc))), "",
              "| sequence | identical | first different frame | largest difference (px) | full-map decisions |",
              "|---|---|---|---|---|"]
    for n, p in r["sequences"].items():
        first = "-" if p["first_different_frame"] is None else p["first_different_frame"]
        lines.append(f"| {n} | {p['identical']}/{p['frames']} | {first} | "
                     f"{p['max_abs_difference']:.3g} | {p['full_map_decisions']} |")
    moved = {n: p for n, p in r["sequences"].items() if p.get("first_box_difference")}
    if moved:
        lines += ["", f"Frame 0 is the sequence's given first box, which the benchmark's generator computes on the "
                  f"machine that runs it: on {', '.join(moved)} it differs from the recorded run's by up to "
                  f"{max(p['first_box_difference'] for p in moved.values()):.3g} px, and their boxes by at most "
                  f"{max(p['max_abs_difference'] for p in moved.values()):.3g} px."]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
