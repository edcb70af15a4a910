"""Top-1 accuracy at each level of the ladder, for builds whose test inputs have labels.

The ladder proves L2..L6 bit-exact and L0/L1 equal up to shown rounding-boundary cases; this
counts, from each level's own saved outputs, how many test inputs it classifies correctly, so a
trained network's accuracy is shown at the torch model (L0) and on the board (L6) alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flow.reference import CORE_OUT

LABELS_FILE = "labels.npy"       # the test inputs' true classes, when the target knows them
L0_OUTPUTS = "l0_outputs.npy"    # the torch model's outputs on the test inputs (top-k for classifiers)

# level -> (the step that writes its outputs, the file, relative to the build directory)
LEVEL_OUTPUTS = {
    "L0": ("verify", L0_OUTPUTS),
    "L2": ("reference", "reference_outputs.npz"),
    "L4": ("rtlsim", "sim/l4_outputs.npy"),
    "L6": ("board", "board/l6_outputs.npy"),
}


def top1(outputs: np.ndarray, labels: np.ndarray) -> int:
    """Correct classifications: the first output value of each input is its predicted class."""
    predicted = np.asarray(outputs).reshape(len(labels), -1)[:, 0]
    return int((predicted.astype(np.int64) == labels).sum())


def accuracy_by_level(out: Path, steps: set[str], labels_file: str = LABELS_FILE) -> dict | None:
    """{"images", "levels": {level: {"correct", "top1"}}, "agree"} over the levels whose steps
    are in this invocation, or None when the build has no labels."""
    out = Path(out)
    if not (out / labels_file).exists():
        return None
    labels = np.load(out / labels_file)
    levels = {}
    for level, (step, name) in LEVEL_OUTPUTS.items():
        path = out / name
        if step not in steps or not path.exists():
            continue
        outputs = np.load(path)
        outputs = outputs[CORE_OUT] if path.suffix == ".npz" else outputs
        correct = top1(outputs, labels)
        levels[level] = {"correct": correct, "top1": correct / len(labels)}
    return {"images": int(len(labels)), "levels": levels,
            "agree": len({v["correct"] for v in levels.values()}) <= 1}


def accuracy_markdown(accuracy: dict | None) -> list[str]:
    if not accuracy:
        return []
    lines = ["", f"## Accuracy (top-1 on the {accuracy['images']} labelled test inputs)", "",
             "| level | correct | top-1 |", "|---|---|---|"]
    lines += [f"| {level} | {v['correct']} | {100 * v['top1']:.1f} % |" for level, v in accuracy["levels"].items()]
    lines += ["", "Every level gives the same top-1." if accuracy["agree"] else
              "**The levels' top-1 differ.**"]
    return lines
