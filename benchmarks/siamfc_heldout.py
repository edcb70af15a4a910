"""SiamFC trackers on the held-out benchmarks and the project's, with clustered bootstrap CIs.

    python benchmarks/siamfc_heldout.py --tracker fp32=build/models/siamfc-fp32/best.pt \
        binary=models/checkpoints/siamfc_binary.pt [NAME=CHECKPOINT ...] --reference fp32 \
        [--sets easy hard project] [--project-trackers fp32 binary] \
        [--out benchmarks/results/siamfc_heldout]

Sets: the two frozen held-out sets of models/data/heldout_tracking.py (written once to
build/models/heldout) and the project's benchmark (16 x 80 frames, seed 0, written once to
build/models/benchmark as models/README_siamfc.md's command does). Every tracker runs the 3-scale
numpy tracker (deploy/siamfc_tracker.py) with its torch backbone, as `python -m models.evaluate
tracking` does; per-sequence results are cached in build/models/heldout-eval by checkpoint hash,
so a rerun only tracks what is new. Reported per set and tracker: precision@20, success AUC and
mean IoU with 95 % bootstrap intervals clustered by the target's source image
(models/tracking/bootstrap.py), and each tracker's paired difference to --reference with its
interval. Writes <out>.json, <out>.md and <out>.png.

One training run is one draw: trackers trained by the same recipe with other seeds differ by
several points here. `--recipe NAME=TRACKER,TRACKER,...` averages each sequence's metrics over a
recipe's seeds, and reports the recipe like a tracker, its differences paired against
`--recipe-reference` (the recipes' trackers must all run on the set).
"""

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from deploy.siamfc_tracker import TrackerConfig  # noqa: E402
from models.data import heldout_tracking  # noqa: E402
from models.data.otb import load_benchmark  # noqa: E402
from models.data.synthetic_tracking import benchmark, write_otb  # noqa: E402
from models.siamfc import load_siamfc  # noqa: E402
from models.tracking.backbones import TorchBackbone  # noqa: E402
from models.tracking.bootstrap import clustered_ci  # noqa: E402
from models.tracking.evaluate import evaluate  # noqa: E402

METRICS = ("precision_20", "auc", "mean_iou")
LABELS = {"precision_20": "precision@20", "auc": "success AUC", "mean_iou": "mean IoU"}
# the project's benchmark, as models/README_siamfc.md writes it
PROJECT = {"sequences": 16, "seed": 0, "frames": 80}
SCALES = 3


def sha256(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def project_benchmark(root: Path):
    """(folder, {sequence: target photograph}) of the project's benchmark, written once."""
    seqs = benchmark(PROJECT["sequences"], PROJECT["seed"], "test", PROJECT["frames"])
    folder = root / "benchmark"
    if not all((folder / s.name / "groundtruth_rect.txt").is_file() for s in seqs):
        for s in seqs:
            write_otb(s, folder)
    return folder, {s.name: s.target_photo for s in seqs}


def benchmark_sets(names, root: Path) -> dict:
    """{set: (folder, clusters)}."""
    out = {}
    for name in names:
        if name == "project":
            out[name] = project_benchmark(root)
        else:
            out[name] = (
                heldout_tracking.write(name, root / "heldout"),
                heldout_tracking.sources(name),
            )
    return out


def ground_truth_digest(folder) -> str:
    """A hash of a benchmark's ground truth, so cached results follow the benchmark's content."""
    h = hashlib.sha256()
    for gt in sorted(Path(folder).glob("*/groundtruth_rect.txt")):
        h.update(gt.parent.name.encode() + gt.read_bytes())
    return h.hexdigest()


def track(name, checkpoint, set_name, folder, cache: Path) -> dict:
    """Per-sequence metrics of one tracker on one set, cached by the checkpoint's hash and the
    set's ground truth."""
    digest = sha256(checkpoint)
    path = cache / f"{digest[:16]}-{set_name}-{ground_truth_digest(folder)[:12]}.json"
    if path.is_file():
        return json.loads(path.read_text())
    sequences = load_benchmark(folder)
    result = evaluate(
        [(name, TorchBackbone(load_siamfc(checkpoint)), {})],
        sequences,
        TrackerConfig.for_scales(SCALES),
    )[name]
    record = {
        "checkpoint": str(checkpoint),
        "sha256": digest,
        "fps": result["fps"],
        "sequences": {
            s: {k: r[k] for k in (*METRICS, "frames")} for s, r in result["sequences"].items()
        },
    }
    cache.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record, indent=1) + "\n")
    return record


def summarise(per_sequence: dict, clusters: dict, reference: dict | None) -> dict:
    """Means with clustered CIs, and differences to the reference tracker with theirs."""
    names = sorted(per_sequence)
    groups = [clusters[s] for s in names]
    out = {}
    for metric in METRICS:
        values = np.array([per_sequence[s][metric] for s in names])
        out[metric] = clustered_ci(100 * values, groups)
        if reference is not None:
            ref = np.array([reference[s][metric] for s in names])
            out[f"{metric}_minus_reference"] = clustered_ci(100 * (values - ref), groups)
    return out


def recipe_sequences(runs: dict, members) -> dict:
    """Per sequence, each metric averaged over the recipe's trackers (its seeds)."""
    first = runs[members[0]]["sequences"]
    return {
        s: {m: float(np.mean([runs[t]["sequences"][s][m] for t in members])) for m in METRICS}
        for s in first
    }


def parse_recipes(items, trackers) -> dict:
    recipes = {}
    for item in items:
        name, sep, members = item.partition("=")
        members = [m for m in members.split(",") if m]
        unknown = [m for m in members if m not in trackers]
        if not sep or not members or unknown:
            raise SystemExit(
                f"--recipe {item!r}: expected NAME=TRACKER,TRACKER,... of --tracker names"
                + (f" (unknown: {', '.join(unknown)})" if unknown else "")
            )
        recipes[name] = members
    return recipes


def fmt(ci) -> str:
    return f"{ci['mean']:.2f} [{ci['low']:.2f}, {ci['high']:.2f}]"


def metric_header(ref) -> str:
    """The metric columns of a table row: the metrics, then their differences to `ref`."""
    return " | ".join([LABELS[m] for m in METRICS] + [f"{LABELS[m]} - {ref}" for m in METRICS])


def metric_cells(name, summary, ref) -> str:
    diffs = ["-" if name == ref else fmt(summary[f"{m}_minus_reference"]) for m in METRICS]
    return " | ".join([fmt(summary[m]) for m in METRICS] + diffs)


def markdown(report) -> str:
    ref = report["reference"]
    lines = [
        "# SiamFC trackers on held-out and project benchmarks",
        "",
        f"{SCALES}-scale numpy tracker, torch backbones, OTB one-pass evaluation. Figures in %, "
        "with 95 % percentile bootstrap intervals that resample the target's source image "
        "(clusters), not sequences; differences are paired, per sequence, against "
        f"`{ref}`. With 5-6 clusters the intervals are rough guides (too narrow rather than "
        "too wide). fps: the Python tracking loop on this shared 2-core CPU while other jobs ran, "
        "indicative only.",
        "",
        "Trackers:",
        "",
    ]
    for name, t in report["trackers"].items():
        lines.append(f"- `{name}`: `{t['checkpoint']}` (sha256 {t['sha256'][:16]}...)")
    for set_name, s in report["sets"].items():
        lines += [
            "",
            f"## {set_name}: {s['sequences']} sequences, {s['frames']} frames, "
            f"{s['clusters']} source images",
            "",
            f"| tracker | {metric_header(ref)} | fps |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, r in s["trackers"].items():
            lines.append(f"| {name} | {metric_cells(name, r, ref)} | {r['fps']:.1f} |")
        if s.get("recipes"):
            rref = report["recipe_reference"]
            lines += [
                "",
                f"Recipes, each sequence's metrics averaged over the recipe's seeds; differences "
                f"paired against `{rref}`:",
                "",
                f"| recipe | seeds | {metric_header(rref)} |",
                "|---|---|---|---|---|---|---|---|",
            ]
            for name, r in s["recipes"].items():
                seeds = ", ".join(report["recipes"][name])
                lines.append(f"| {name} | {seeds} | {metric_cells(name, r, rref)} |")
    lines += ["", "Command:", "", "```", report["command"], "```", ""]
    return "\n".join(lines)


def plot(report, path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    sets = list(report["sets"])
    fig, axes = plt.subplots(1, len(sets), figsize=(4.5 * len(sets), 4), dpi=120, squeeze=False)
    for ax, set_name in zip(axes[0], sets, strict=True):
        trackers = report["sets"][set_name]["trackers"]
        x = np.arange(len(trackers))
        for k, metric in enumerate(("precision_20", "auc")):
            cis = [t[metric] for t in trackers.values()]
            means = np.array([c["mean"] for c in cis])
            err = np.array(
                [[c["mean"] - c["low"] for c in cis], [c["high"] - c["mean"] for c in cis]]
            )
            ax.bar(x + (k - 0.5) * 0.38, means, 0.38, yerr=err, capsize=3, label=LABELS[metric])
        ax.set_xticks(x, list(trackers), rotation=30, ha="right", fontsize=7)
        ax.set_ylim(0, 100)
        ax.set_title(set_name)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel("% (95 % CI, clustered by source image)")
    axes[0][0].legend(fontsize=7, loc="lower left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tracker", nargs="+", required=True, metavar="NAME=CHECKPOINT")
    parser.add_argument("--reference", required=True, help="tracker the differences are against")
    parser.add_argument(
        "--sets",
        nargs="+",
        default=["easy", "hard", "project"],
        choices=(*heldout_tracking.HELDOUT_SETS, "project"),
    )
    parser.add_argument(
        "--project-trackers",
        nargs="*",
        default=None,
        help="trackers to run on the project's benchmark (default: all)",
    )
    parser.add_argument(
        "--recipe",
        nargs="*",
        default=[],
        metavar="NAME=TRACKER,TRACKER",
        help="trackers trained by one recipe with different seeds, reported as their mean",
    )
    parser.add_argument("--recipe-reference", help="recipe the recipes' differences are against")
    parser.add_argument("--data", default="build/models", help="where the benchmarks are written")
    parser.add_argument("--out", default="benchmarks/results/siamfc_heldout")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    trackers = {}
    for item in args.tracker:
        name, sep, path = item.partition("=")
        if not sep or not Path(path).is_file():
            raise SystemExit(f"--tracker {item!r}: expected NAME=CHECKPOINT of an existing file")
        trackers[name] = path
    if args.reference not in trackers:
        raise SystemExit(f"--reference {args.reference!r} is not one of {', '.join(trackers)}")
    recipes = parse_recipes(args.recipe, trackers)
    if recipes and args.recipe_reference not in recipes:
        raise SystemExit(
            f"--recipe-reference {args.recipe_reference!r} is not one of {', '.join(recipes)}"
        )
    data = Path(args.data)
    report = {
        "command": "python benchmarks/siamfc_heldout.py " + " ".join(argv or sys.argv[1:]),
        "reference": args.reference,
        "scales": SCALES,
        "trackers": {n: {"checkpoint": p, "sha256": sha256(p)} for n, p in trackers.items()},
        "recipes": recipes,
        "recipe_reference": args.recipe_reference,
        "sets": {},
    }
    for set_name, (folder, clusters) in benchmark_sets(args.sets, data).items():
        names = trackers
        if set_name == "project" and args.project_trackers is not None:
            names = {n: trackers[n] for n in [args.reference, *args.project_trackers]}
        runs = {n: track(n, p, set_name, folder, data / "heldout-eval") for n, p in names.items()}
        ref = runs[args.reference]["sequences"]
        entry = {
            "folder": str(folder),
            "sequences": len(ref),
            "frames": int(sum(r["frames"] for r in ref.values())),
            "clusters": len(set(clusters.values())),
            "sources": clusters,
            "trackers": {},
        }
        for n, run in runs.items():
            summary = summarise(run["sequences"], clusters, None if n == args.reference else ref)
            entry["trackers"][n] = {**summary, "fps": run["fps"], "per_sequence": run["sequences"]}
            print(
                f"{set_name} {n}: " + ", ".join(f"{LABELS[m]} {fmt(summary[m])}" for m in METRICS)
            )
        if recipes and all(t in runs for members in recipes.values() for t in members):
            means = {n: recipe_sequences(runs, members) for n, members in recipes.items()}
            ref_means = means[args.recipe_reference]
            entry["recipes"] = {
                n: summarise(m, clusters, None if n == args.recipe_reference else ref_means)
                for n, m in means.items()
            }
            for n, r in entry["recipes"].items():
                print(f"{set_name} recipe {n}: " + ", ".join(f"{LABELS[m]} {fmt(r[m])}" for m in METRICS))
        report["sets"][set_name] = entry
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    out.with_suffix(".md").write_text(markdown(report))
    plot(report, out.with_suffix(".png"))
    print(f"wrote {out}.json, {out}.md, {out}.png")


if __name__ == "__main__":
    main()
