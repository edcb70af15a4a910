"""The held-out tracking benchmarks: scenes from images that training never samples.

Two sets, frozen (their definition below is the benchmark; tests/models/test_heldout_tracking.py
pins the ground truth they generate), both from the "heldout" split of
models/data/synthetic_tracking.py, i.e. the images that ship with scikit-learn and matplotlib
(models/data/sample_photos.py), none of which the training data or the project's benchmark use:

- easy: one textured target, mild motion; no distractor, no occluder, no fast motion or blur;
- hard: every sequence has two look-alike distractors, fast motion (a top speed of 6-10 px per
  frame, the training data's fast motion) and an occluder 1.05-1.25x the target's size crossing
  straight over it (full occlusion for some frames).

The hard set's difficulty was tuned, before any new model was trained, with the FP32 tracker of
the default recipe only, until it stopped saturating (precision@20 <= 90 %): with two or three
look-alikes, 8-14 px per frame and 1.3-1.8x occluders FP32 reached 25.8 %, with 6-10 px and
1.05-1.25x occluders 63.2 % (models/README_siamfc.md). Then it was frozen.

Each set has 12 sequences of 50 frames (320x240), tracked with 3 scales. Sequence i cuts its target
from image i mod 6, so each of the six images is the target's source in two sequences: the
bootstrap confidence intervals (models/tracking/bootstrap.py) resample these sources, not
sequences, because sequences cut from one image are not independent.

    python -m models.data.heldout_tracking --out build/models/heldout [--set easy hard]

writes <out>/<set>/<sequence>/ in OTB format (as models/data/synthetic_tracking.py) and
<out>/<set>/sources.json ({sequence: target image}).
"""

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

from models.data.synthetic_tracking import SPLITS, SceneConfig, SyntheticSequence, write_otb
from models.training import progress

SPLIT = "heldout"


@dataclass(frozen=True)
class HeldoutSet:
    name: str
    scene: SceneConfig
    seed: int
    sequences: int = 12
    frames: int = 50
    scales: int = 3
    frame_size: tuple = (320, 240)


HELDOUT_SETS = {
    s.name: s
    for s in (
        HeldoutSet(
            "easy",
            SceneConfig(
                probabilities=(0.3, 0.3, 0.0, 0.3, 0.0, 0.0, 0.0),  # SV IPR OCC IV MB BC FM
                slow_speed=(1.0, 3.0),
            ),
            seed=11,
        ),
        HeldoutSet(
            "hard",
            SceneConfig(
                probabilities=(0.7, 0.5, 1.0, 0.5, 0.35, 1.0, 1.0),
                fast_speed=(6.0, 10.0),
                distractors=(2, 3),
                occluders=(1, 2),
                occluder_size=(1.05, 1.25),
                occluder_speed=(1.5, 3.0),
                occluder_miss=0.0,
            ),
            seed=12,
        ),
    )
}


def get_set(name) -> HeldoutSet:
    if name not in HELDOUT_SETS:
        raise ValueError(f"unknown held-out set {name!r}; known: {', '.join(HELDOUT_SETS)}")
    return HELDOUT_SETS[name]


def sequences(name) -> list[SyntheticSequence]:
    """The set's sequences (frames rendered on demand); sequence i's target comes from image
    i mod 6."""
    spec = get_set(name)
    photos = SPLITS[SPLIT]
    return [
        SyntheticSequence(
            spec.seed * 100000 + i,
            SPLIT,
            spec.frames,
            spec.frame_size,
            name=f"{name}_{i:03d}",
            scene=spec.scene,
            target_photo=photos[i % len(photos)],
        )
        for i in range(spec.sequences)
    ]


def sources(name) -> dict:
    """{sequence name: the image its target is cut from}: the bootstrap's clusters."""
    return {s.name: s.target_photo for s in sequences(name)}


def write(name, root) -> Path:
    """Write the set once to root/<name>/ (OTB format + sources.json); returns that folder."""
    folder = Path(root) / name
    marker = folder / "sources.json"
    if not marker.is_file():
        seqs = sequences(name)
        for sequence in progress(seqs, f"writing held-out set {name} to {folder}", unit="seq"):
            write_otb(sequence, folder)
        marker.write_text(json.dumps({s.name: s.target_photo for s in seqs}, indent=1) + "\n")
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m models.data.heldout_tracking",
        description="Write the held-out tracking benchmarks (OTB format).",
    )
    parser.add_argument("--out", required=True, help="folder to write the sets into")
    parser.add_argument("--set", nargs="+", choices=tuple(HELDOUT_SETS), default=list(HELDOUT_SETS))
    args = parser.parse_args(argv)
    for name in args.set:
        print(f"{name}: {write(name, args.out)}")


if __name__ == "__main__":
    main()
