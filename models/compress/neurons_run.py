"""`python -m models.compress remove-neurons`: Distill-Net's Table 3 experiment.

For each fraction of removed classes (a fixed random order of the classes, --seed), Distill-Net
keeps the other classes: heatmaps from up to --samples-per-class training images of each class
(computed once), theta by binary search on the kept classes' validation images (top-1 drop <=
--max-drop), then test top-1 on the kept classes, parameter removal (achieved vs the ideal
removed-classes fraction), total and skipped FLOPs (complete + partial removal). Each setting
writes its model, its partial-removal bitmaps (.npz) and, for quantised presets, its QONNX file.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from models.compress.distillnet import class_heatmaps, kept_accuracy, search_theta, skipped_flops
from models.compress.export import export_if_quantized
from models.compress.metrics import model_metrics
from models.compress.report import metrics_table, pct, plot_heatmaps, table, write_json
from models.compress.retrain import accuracy
from models.compress.source import example_input, load_data, obtain, save_compressed
from models.training import progress


def add_arguments(p) -> None:
    p.add_argument("--arch", default="vgg_a", help="models.train recipe")
    p.add_argument("--preset", default="float", help="float or an unsigned-activation preset")
    p.add_argument("--checkpoint", default=None, help="a models.train checkpoint instead of --arch")
    p.add_argument("--train-epochs", type=int, default=2, help="epochs for the original model")
    p.add_argument("--train-limit", type=int, default=None)
    p.add_argument("--removed", type=int, nargs="+", default=[10, 20, 30, 40, 50, 60, 70, 80],
                   help="percentages of the classes to remove")
    p.add_argument("--samples-per-class", type=int, default=300,
                   help="training images per class for the heatmaps")
    p.add_argument("--max-drop", type=float, default=0.01,
                   help="largest top-1 drop on the kept classes (validation) for theta")
    p.add_argument("--iterations", type=int, default=10, help="binary-search steps for theta")
    p.add_argument("--partial", action=argparse.BooleanOptionalAction, default=True,
                   help="count and apply partial removal (for hardware that skips computations at "
                        "dormant locations; a streaming dataflow accelerator cannot: --no-partial)")


def run(args) -> dict:
    out = Path(args.out)
    model, cfg = obtain(args.arch, args.preset, args.base_dir, args.train_epochs, args.seed,
                        args.train_limit, args.threads, args.checkpoint)
    ex = example_input(cfg)
    data = load_data(cfg)
    x_tr, y_tr = data["train"]
    n_classes = int(model(ex).shape[1])
    all_classes = list(range(n_classes))
    idx = torch.cat([torch.nonzero(y_tr == c).flatten()[:args.samples_per_class]
                     for c in all_classes])
    heat = class_heatmaps(model, ex, x_tr[idx], y_tr[idx], all_classes)
    convs = [name for name, h in heat.items() if h.dim() == 4]
    for name in convs[:2]:
        plot_heatmaps(out / f"heatmaps_{name}.png", f"{cfg['recipe']} {name}: mean |OFM| per class",
                      heat[name].numpy(), all_classes)
    order = np.random.default_rng(args.seed).permutation(n_classes).tolist()
    m_orig = model_metrics(model, ex)
    rows = []
    for removed_pct in progress(args.removed, "remove-neurons"):
        k = round(removed_pct / 100 * n_classes)
        if not 0 < k < n_classes:
            raise SystemExit(f"--removed {removed_pct}% of {n_classes} classes removes {k}: "
                             "must keep at least one class and remove at least one")
        kept = sorted(order[k:])
        sel = {s: torch.isin(data[s][1], torch.as_tensor(kept)) for s in ("val", "test")}
        x_v, y_v = data["val"][0][sel["val"]], data["val"][1][sel["val"]]
        x_t, y_t = data["test"][0][sel["test"]], data["test"][1][sel["test"]]
        d, base_val, acc_val = search_theta(model, ex, heat, all_classes, kept, x_v, y_v,
                                            args.max_drop, args.iterations, args.partial)
        base_test = accuracy(model, x_t, y_t, classes=kept)
        acc_test = kept_accuracy(d, x_t, y_t, args.partial)
        acc_test_complete = kept_accuracy(d, x_t, y_t, partial=False)
        m_d = model_metrics(d.model, ex)
        where = out / f"removed_{removed_pct}"
        where.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(where / "partial_bitmaps.npz", **d.partial)
        save_compressed(where / "distilled.pt", cfg, d.keep, d.model, {"classes": d.classes})
        onnx = export_if_quantized(d.model, ex, where / "distilled.onnx", cfg["preset"], x_t[:4])
        rows.append({
            "removed_pct": removed_pct, "removed_classes": sorted(order[:k]), "kept_classes": kept,
            "theta": d.theta, "neurons": {n: len(v) for n, v in d.keep.items()},
            "top1_kept_val": {"original": base_val, "distilled": acc_val},
            "top1_kept_test": {"original": base_test, "distilled": acc_test,
                               "complete_removal_only": acc_test_complete},
            "flops_total": m_orig["total"]["flops"],
            "flops_skipped": skipped_flops(m_orig, d.model, ex,
                                           d.partial if args.partial else None),
            "param_removal": 1 - m_d["total"]["params"] / m_orig["total"]["params"],
            "metrics": m_d, "qonnx": onnx})
    result = {"model": cfg["recipe"], "preset": cfg["preset"], "config": cfg,
              "partial": args.partial,
              "samples_per_class": args.samples_per_class, "max_drop": args.max_drop,
              "class_order": order, "metrics_original": m_orig, "settings": rows}
    write_json(out / "result.json", result)
    (out / "tables.md").write_text(tables(result))
    return result


def tables(r: dict) -> str:
    name = f"{r['model']} ({r['preset']})"
    removal = ("complete and partial removal" if r["partial"] else
               "complete removal only (partial-removal bitmaps saved, not applied or counted)")
    steps = ["original", "complete removal"] + (["complete + partial"] if r["partial"] else [])

    def top1(t: dict) -> str:
        values = [t["original"], t["complete_removal_only"]]
        return " -> ".join(pct(v) for v in values + ([t["distilled"]] if r["partial"] else []))
    t3 = table(
        ["CNN", "removed classes (%)", "total KFLOPs", "skipped KFLOPs",
         "parameter removal achieved", "ideal", "accuracy loss (test, kept classes)", "theta",
         "kept-class top-1: " + " -> ".join(steps)],
        [[name, s["removed_pct"], f"{s['flops_total'] / 1e3:,.0f}",
          f"{s['flops_skipped'] / 1e3:,.0f}", pct(s["param_removal"]), f"{s['removed_pct']}%",
          pct(s["top1_kept_test"]["original"] - s["top1_kept_test"]["distilled"]),
          f"{s['theta']:.4f}", top1(s["top1_kept_test"])]
         for s in r["settings"]])
    named = [(name, r["metrics_original"])] + [
        (f"{name}, {s['removed_pct']}% classes removed", s["metrics"]) for s in r["settings"]]
    return "\n\n".join([
        f"# Distill-Net on {name}",
        f"Distill-Net Table 3 analogue (theta: largest value with validation top-1 drop <= "
        f"{pct(r['max_drop'])} on the kept classes with {removal}; accuracy loss measured on "
        "test, with the same removals).", t3,
        "Metrics (models/compress/metrics.py).", metrics_table(named)]) + "\n"
