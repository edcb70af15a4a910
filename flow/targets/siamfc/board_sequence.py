"""A benchmark sequence for the tracker notebook on the board, which has no models/ (no scipy, no
scikit-image to render it): its frames and ground truth in one .npz, with the boxes the build's
reference backend gives the same tracker (reference.onnx + reference_xcorr.onnx), which the
board's boxes must equal.

    python -m flow.targets.siamfc.board_sequence BUILD [--frames 6] [--out BUILD/tracker/deploy/sequence.npz]
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import numpy as np

from deploy.siamfc_tracker import SiamFCTracker, TrackerConfig
from flow.targets.siamfc.backend import ReferenceScores
from models.data.synthetic_tracking import benchmark


def write_sequence(build_dir: Path, frames: int, out: Path) -> dict:
    """syn_test_0_000's first `frames` frames, its truth and the reference backend's boxes."""
    sequence = benchmark(1, 0, "test", frames)[0]
    reference = ReferenceScores(build_dir)
    config = dataclasses.replace(TrackerConfig.for_scales(3), search_size=reference.side)
    boxes, _ = SiamFCTracker(reference, config).track(sequence)
    arrays = {"name": np.array(sequence.name), "frames": np.stack([sequence.frame(t) for t in range(frames)]),
              "truth": np.asarray(sequence.boxes, np.float64), "reference_boxes": boxes,
              "search_size": np.array(reference.side)}
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, **arrays)
    return arrays


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build", type=Path)
    ap.add_argument("--frames", type=int, default=6)
    ap.add_argument("--out", type=Path, help="default: BUILD/tracker/deploy/sequence.npz")
    args = ap.parse_args(argv)
    if not (args.build / "reference.onnx").exists():
        raise SystemExit(f"{args.build} holds no reference.onnx: give a finished siamfc build")
    if args.frames < 2:
        raise SystemExit(f"--frames {args.frames}: a tracked sequence needs at least 2 frames")
    out = args.out or args.build / "tracker" / "deploy" / "sequence.npz"
    write_sequence(args.build, args.frames, out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
