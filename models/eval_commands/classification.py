"""``python -m models.evaluate classification --checkpoint <run>/best.pt``: top-1 of a classifier.

Rebuilds the network from the checkpoint's recipe config (models/recipes/classification.py), runs
it on a split (default "test") and writes <out>/classification.json (top-1, per-class accuracy,
confusion matrix, checkpoint and config), classification.md and confusion.png.
"""

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from models.eval_commands import EVALUATIONS  # noqa: E402
from models.recipes.classification import build_model, load_split, predict  # noqa: E402
from models.training import load_checkpoint, pick_device  # noqa: E402


def add_arguments(parser):
    parser.add_argument("--checkpoint", required=True, help="a checkpoint written by models.train")
    parser.add_argument("--split", choices=["train", "val", "test"], default="test")
    parser.add_argument("--data-dir", default=None, help="dataset directory (default: as trained)")
    parser.add_argument("--limit", type=int, default=None, help="evaluate the first N images only")
    parser.add_argument("--out", default=None,
                        help="output directory (default <checkpoint dir>/eval-<split>)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--device", default=None)
    parser.add_argument("--threads", type=int, default=2)


def confusion_matrix(labels, predictions, num_classes):
    """counts[true, predicted]."""
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (labels, predictions), 1)
    return counts


def plot_confusion(counts, title, path):
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.imshow(counts, cmap="Blues")
    for (i, j), n in np.ndenumerate(counts):
        ax.text(j, i, str(n), ha="center", va="center", fontsize=7,
                color="white" if n > counts.max() / 2 else "black")
    ax.set(xlabel="predicted", ylabel="true", title=title,
           xticks=range(len(counts)), yticks=range(len(counts)))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def markdown(result):
    config = result["config"]
    lines = [
        f"# {config['recipe']} {config['preset']} on {config['dataset']} ({result['split']})", "",
        f"checkpoint: `{result['checkpoint']}` (epoch {result['epoch']})", "",
        f"**top-1: {100 * result['top1']:.2f}%** ({result['correct']}/{result['count']})", "",
        "| class | images | top-1 |", "|---|---|---|",
    ]
    for c, (n, acc) in enumerate(zip(result["class_counts"], result["class_top1"], strict=True)):
        lines.append(f"| {c} | {n} | {'-' if acc is None else f'{100 * acc:.2f}%'} |")
    return "\n".join(lines) + "\n"


@EVALUATIONS.register("classification", "top-1 of a trained classifier", add_arguments)
def run(args):
    torch.set_num_threads(args.threads)
    state = load_checkpoint(args.checkpoint)
    config = dict(state["config"])
    if args.data_dir is not None:
        config["data_dir"] = args.data_dir
    config[f"{args.split}_limit"] = args.limit
    model, to_input = build_model(config)
    model.load_state_dict(state["model"])
    device = pick_device(args.device)
    model.to(device)
    images, labels = load_split(config, args.split)
    predictions = predict(model, to_input, images, args.batch_size, device, args.split).numpy()
    labels = labels.numpy()
    counts = confusion_matrix(labels, predictions, 10)
    class_counts = counts.sum(axis=1)
    result = {
        "checkpoint": str(args.checkpoint), "epoch": state["epoch"], "split": args.split,
        "config": config, "count": int(len(labels)), "correct": int((predictions == labels).sum()),
        "top1": float((predictions == labels).mean()),
        "class_counts": class_counts.tolist(),
        "class_top1": [float(counts[c, c] / n) if n else None for c, n in enumerate(class_counts)],
        "confusion": counts.tolist(),
    }
    out = Path(args.out) if args.out else Path(args.checkpoint).parent / f"eval-{args.split}"
    out.mkdir(parents=True, exist_ok=True)
    (out / "classification.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "classification.md").write_text(markdown(result))
    plot_confusion(counts, f"{config['recipe']} {config['preset']}: top-1 "
                           f"{100 * result['top1']:.2f}%", out / "confusion.png")
    print(f"{config['recipe']} {config['preset']} {config['dataset']} {args.split}: top-1 "
          f"{100 * result['top1']:.2f}% ({result['correct']}/{result['count']}); wrote {out}")
    return result
