"""Host CPU time per tracked frame, phase by phase, over the whole benchmark: the numpy tracker as
it stands (deploy/) beside the numpy tracker of commit NUMPY_BEFORE and the torch tracker of
commit TORCH_BEFORE, interleaved frame by frame in one process, so that the machine's load weighs
on all alike.

The earlier trackers are read from git: models/tracking/tracker.py at TORCH_BEFORE (crops with
Pillow, upsamples all 3 maps with torch's F.interpolate, searches the peak in numpy) and
deploy/crop.py, deploy/peak.py at NUMPY_BEFORE (their crop() and PeakFinder in today's tracking
loop, which is theirs otherwise). The benchmark is models/README_siamfc.md's (16 test sequences of
80 frames, 3 scales); the score maps are the reference backend's kept by
benchmarks/siamfc_tracker_equivalence.py in build/tracker_scores/, looked up by the crops' bytes.
Each frame, the current tracker's state is given to the other two; each crops and locates, timed
with process_time (torch on one thread); their crops must be the current tracker's bytes and
their boxes its boxes (both counted). The current tracker cuts its crops with deploy/crop.py's
Cropper (deploy/pillow_crop.c) on one thread (crop_threads=1: one core's work), as a host backend
has it. "Crop engine": the board's configuration, where the accelerator cuts the crops: per scale
the host writes the crop's header (its samples, deploy/crop_header.c) and the frame ("writes")
into an array standing for the DMA buffer; the headers must be those deploy/crop_stream.py's
numpy header() makes of the crops' samples (counted); its peak search is the current tracker's.
"OpenCV crops": the current tracker's crops cut by OpenCV instead (TrackerConfig crops="opencv",
one OpenCV thread) from the same state; their peak search costs what the current tracker's does.
"Pillow's crops in numpy": deploy/crop.py's Cropper at NUMPY_CROPS (numpy, before its
interpolation moved into deploy/pillow_crop.c), from the same state; its bytes are counted with
the others.

    python benchmarks/siamfc_tracker_host.py [--cache build/tracker_scores] [--sequences 16]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import torch

from deploy import crop_stream
from deploy.crop import fill_colour, region
from deploy.siamfc_tracker import SiamFCTracker, TrackerConfig
from flow.targets.siamfc.inputs import BENCHMARK_FRAMES, BENCHMARK_SEQUENCES
from models.data.synthetic_tracking import benchmark

sys.path.insert(0, str(Path(__file__).resolve().parent))
from siamfc_tracker_equivalence import CachedScores  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
TORCH_BEFORE = "ac253e8"   # the last commit with the torch tracker
NUMPY_BEFORE = "11321be"   # the numpy tracker before its host work was cut
NUMPY_CROPS = "deb5c69"    # the last commit whose Pillow crops were numpy's (now deploy/pillow_crop.c)
PHASES = {"torch": ("crop", "upsample", "locate"), "numpy_before": ("crop", "peak"),
          "numpy_crops": ("crop",), "numpy": ("crop", "peak"), "numpy_engine": ("crop", "writes"),
          "numpy_opencv": ("crop",)}


def module_from_git(commit: str, path: str, name: str):
    source = subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module   # dataclasses look their module up
    exec(compile(source, f"{commit}:{path}", "exec"), module.__dict__)
    return module


class NumpyBefore(SiamFCTracker):
    """Today's tracking loop with NUMPY_BEFORE's crop() and PeakFinder."""

    def __init__(self, crop_module, peak_module, map_size: int):
        super().__init__(UNUSED)
        self.old_crop = crop_module.crop
        c = self.config
        self.peak = peak_module.PeakFinder(map_size, c.response_up, self.penalties, c.window_influence)

    def search_crops(self, frame):   # NUMPY_BEFORE's: a crop array per scale, stacked
        sides = self.x_side * self.scale_factors
        crops = np.stack([self.old_crop(frame, self.center, s, self.config.search_size, self.fill) for s in sides])
        return sides, crops.transpose(0, 3, 1, 2)


UNUSED = type("Unused", (), {"set_exemplar": print, "responses": print})()
STATE = ("center", "size", "z_side", "x_side", "x_side_limits")


def track_sequence(sequence, scores, old_module, before_modules, numpy_cropper, seconds, counts):
    now = SiamFCTracker(scores, TrackerConfig(crop_threads=1))
    now.init(sequence.frame(0), sequence.boxes[0])
    torch_tracker = old_module.SiamFCTracker(backbone=None)
    torch_tracker.response_size = None
    torch_tracker.fill = sequence.frame(0).reshape(-1, 3).mean(axis=0)   # its own fill (Pillow rounds it)
    before = None
    opencv = SiamFCTracker(UNUSED, TrackerConfig(crops="opencv"))
    opencv.fill = now.fill
    # the DMA buffer's stand-in: each scale's header and the frame, as the board's driver writes them
    size, h, w = now.config.search_size, *sequence.frame(0).shape[:2]
    headers, head = crop_stream.Headers(size), crop_stream.header_words(size)
    inputs = np.zeros((now.config.scales, crop_stream.stream_words(size, h, w) * crop_stream.WORD_BYTES), np.uint8)
    numpy_crops = np.empty_like(now.crops)
    clock = time.process_time
    for t in range(1, len(sequence)):
        frame = sequence.frame(t)
        state = {k: getattr(now, k) for k in STATE}
        # the torch tracker
        for k, v in state.items():
            setattr(torch_tracker, k, v)
        t0 = clock()
        sides, crops = torch_tracker.search_crops(frame)
        t1 = clock()
        maps = scores.responses(crops)   # not timed: a cache lookup by the crops' bytes
        t2 = clock()
        up = torch_tracker.upsample(torch.from_numpy(maps))
        t3 = clock()
        torch_box = torch_tracker.locate(up, sides, frame.shape)
        t4 = clock()
        for phase, dt in zip(PHASES["torch"], (t1 - t0, t3 - t2, t4 - t3), strict=True):
            seconds["torch"][phase] += dt
        maps = maps.reshape(len(maps), *maps.shape[-2:])
        # the numpy tracker before
        if before is None:
            before = NumpyBefore(*before_modules, maps.shape[-1])
            before.fill = fill_colour(sequence.frame(0))
        for k, v in state.items():
            setattr(before, k, v)
        t0 = clock()
        _, before_crops = before.search_crops(frame)
        t1 = clock()
        before_box = before.locate(maps, sides, frame.shape)
        t2 = clock()
        seconds["numpy_before"]["crop"] += t1 - t0
        seconds["numpy_before"]["peak"] += t2 - t1
        # the numpy tracker as it stands
        # NUMPY_CROPS' crops (numpy), from the same state
        t0 = clock()
        for side, out in zip(now.x_side * now.scale_factors, numpy_crops, strict=True):
            numpy_cropper(out, frame, now.center, side, now.fill)
        seconds["numpy_crops"]["crop"] += clock() - t0
        # the board's configuration: the crops' headers and the frame into the DMA buffer's stand-in
        t0 = clock()
        for k, scale_side in enumerate(sides):
            headers(inputs[k, :8 * head].view(np.uint64), frame.shape, now.center, scale_side, now.fill)
        t1 = clock()
        for k in range(len(sides)):
            inputs[k, 8 * head:8 * head + frame.size] = frame.reshape(-1)
        t2 = clock()
        seconds["numpy_engine"]["crop"] += t1 - t0
        seconds["numpy_engine"]["writes"] += t2 - t1
        counts["same_headers"] += int(all(
            np.array_equal(inputs[k, :8 * head].view(np.uint64),
                           crop_stream.header(region(frame.shape, now.center, s, size), size, frame.shape, now.fill))
            for k, s in enumerate(sides)))
        t0 = clock()
        _, now_crops = now.search_crops(frame)
        t1 = clock()
        box = now.locate(maps, sides, frame.shape)
        t2 = clock()
        for phase, dt in zip(PHASES["numpy"], (t1 - t0, t2 - t1), strict=True):
            seconds["numpy"][phase] += dt
        # the same crops by OpenCV
        for k, v in state.items():
            setattr(opencv, k, v)
        t0 = clock()
        opencv.search_crops(frame)
        seconds["numpy_opencv"]["crop"] += clock() - t0
        counts["frames"] += 1
        counts["same_crops"] += int(np.array_equal(crops, now_crops) and np.array_equal(before_crops, now_crops)
                                    and np.array_equal(numpy_crops, now.crops))
        counts["torch_same_box"] += int(np.array_equal(torch_box, box))
        counts["before_same_box"] += int(np.array_equal(before_box, box))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "tracker_scores")
    ap.add_argument("--sequences", type=int, default=BENCHMARK_SEQUENCES)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    old_module = module_from_git(TORCH_BEFORE, "models/tracking/tracker.py", "torch_tracker")
    before_modules = (module_from_git(NUMPY_BEFORE, "deploy/crop.py", "crop_before"),
                      module_from_git(NUMPY_BEFORE, "deploy/peak.py", "peak_before"))
    numpy_cropper = module_from_git(NUMPY_CROPS, "deploy/crop.py", "crop_numpy").Cropper(TrackerConfig().search_size)
    seconds = {name: dict.fromkeys(phases, 0.0) for name, phases in PHASES.items()}
    counts = dict.fromkeys(("frames", "same_crops", "same_headers", "torch_same_box", "before_same_box"), 0)
    sequences = benchmark(BENCHMARK_SEQUENCES, 0, "test", BENCHMARK_FRAMES)[: args.sequences]
    for sequence in sequences:
        path = args.cache / f"{sequence.name}.npz"
        if not path.exists():
            raise SystemExit(f"{path} missing: run benchmarks/siamfc_tracker_equivalence.py first")
        started = time.time()
        track_sequence(sequence, CachedScores(None, path), old_module, before_modules, numpy_cropper, seconds, counts)
        print(f"{sequence.name}: {time.time() - started:.0f} s", flush=True)
    n = counts["frames"]
    ms = {name: {k: 1000 * v / n for k, v in s.items()} for name, s in seconds.items()}
    for m in ms.values():
        m["host"] = sum(m.values())
    for name in ("numpy_engine", "numpy_opencv"):   # the current tracker's peak search
        ms[name]["peak"] = ms["numpy"]["peak"]
        ms[name]["host"] += ms["numpy"]["peak"]
    result = {"sequences": len(sequences), "frames": n, "torch_before": TORCH_BEFORE,
              "numpy_before": NUMPY_BEFORE, "numpy_crops": NUMPY_CROPS, "counts": counts, "ms_per_frame": ms}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "siamfc_tracker_host.json").write_text(json.dumps(result, indent=1) + "\n")
    (RESULTS / "siamfc_tracker_host.md").write_text(markdown(result))
    print(markdown(result))


def markdown(r) -> str:
    columns = ("crop", "writes", "upsample", "locate", "peak", "host")
    names = {"torch": f"torch tracker ({r['torch_before']})", "numpy_before": f"numpy tracker before ({r['numpy_before']})",
             "numpy_crops": f"Pillow's crops in numpy ({r['numpy_crops']})",
             "numpy": "numpy tracker now (crops by deploy/pillow_crop.c)",
             "numpy_engine": "numpy tracker now, the board's: the crop engine cuts (crop: the headers)",
             "numpy_opencv": "numpy tracker now, OpenCV crops (other boxes)"}
    c = r["counts"]
    lines = ["# Host CPU time per tracked frame over the whole benchmark", "",
             f"`python benchmarks/siamfc_tracker_host.py`: {r['frames']} tracked frames ({r['sequences']} sequences), "
             "the trackers interleaved frame by frame, process time on one core of this machine (shared: "
             "the columns are comparable with each other, not with other runs). With the crop engine the "
             "host writes each scale's header (the crop's samples) and the frame into the DMA buffer; "
             "writes: the frame's copies.", "",
             f"Crops identical to the current tracker's bytes: {c['same_crops']} of {c['frames']} frames; the "
             f"crop engine's headers numpy's: {c['same_headers']}; boxes "
             f"identical: torch tracker {c['torch_same_box']}, numpy tracker before {c['before_same_box']} of {c['frames']}.", "",
             "| tracker | " + " | ".join(f"{k} (ms)" for k in columns) + " |",
             "|---|" + "---|" * len(columns)]
    for name, m in r["ms_per_frame"].items():
        lines.append(f"| {names[name]} | " + " | ".join(f"{m[k]:.2f}" if k in m else "-" for k in columns) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
