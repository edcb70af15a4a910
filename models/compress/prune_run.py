"""`python -m models.compress prune`: Bonsai's experiment for one or more models.

Per model: threshold functions (Algorithm 2) for every criterion and layer set, their AUC
(Table 2), the best (criterion, layer set) by AUC, the most pruned threshold within `tolerance` of
the original validation top-1, Algorithm 1 at that threshold, retraining, then test top-1 original
vs pruned + retrained and % filters pruned (Table 4), FLOPs before/after (Table 6) and all metrics.
Each model's results go to <out>/<model>/; tables.md is rebuilt from every <out>/*/result.json, so
separate runs into one folder add up to one set of tables.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from models.compress.bonsai import Bonsai
from models.compress.export import export_if_quantized
from models.compress.metrics import model_metrics, reduction
from models.compress.report import metrics_table, pct, plot_threshold_functions, table, write_json
from models.compress.retrain import accuracy, fit
from models.compress.source import RUN_ONLY, example_input, load_data, obtain, save_compressed
from models.compress.threshold_search import Point, ThresholdFunction, threshold_function
from models.training import progress


def add_arguments(p) -> None:
    p.add_argument("--arch", nargs="+", default=["vgg_a"],
                   help="models.train recipes to prune (vgg_a vgg_b vgg_c ...)")
    p.add_argument("--preset", default="float", help="quantisation preset (float, w1a1, ...)")
    p.add_argument("--checkpoint", default=None,
                   help="a models.train checkpoint to prune instead of training --arch here")
    p.add_argument("--train-epochs", type=int, default=2, help="epochs for the original model")
    p.add_argument("--train-limit", type=int, default=None, help="use the first N training images")
    p.add_argument("--criteria", nargs="+", default=["sd", "max", "mean", "range"])
    p.add_argument("--criterion-module", default=None,
                   help="python module to import first; its register_criterion calls add criteria")
    p.add_argument("--layers", nargs="+", default=["both", "conv", "dense"],
                   choices=["both", "conv", "dense"])
    p.add_argument("--mode", default="static", choices=["static", "progressive"])
    p.add_argument("--search-samples", type=int, default=500,
                   help="validation images scoring each pruned model in Algorithm 2")
    p.add_argument("--max-gap", type=float, default=0.02,
                   help="largest desirable top-1 gap between neighbouring threshold samples")
    p.add_argument("--max-evals", type=int, default=16, help="pruned models per threshold function")
    p.add_argument("--tolerance", type=float, default=0.02,
                   help="validation top-1 drop allowed (before retraining) when choosing the "
                        "threshold: the most pruned sample within it, near the plateau dropoff")
    p.add_argument("--min-pruned", type=float, default=None,
                   help="instead of --tolerance, prune at least this fraction of the filters with "
                        "the best criterion and layer set (retraining recovers the accuracy)")
    p.add_argument("--retrain-epochs", type=int, default=2)
    p.add_argument("--retrain-lr", type=float, default=1e-3)


def prune_one(cfg: dict, model, args, out: Path) -> dict:
    data = load_data(cfg)
    ex = example_input(cfg)
    x_val, y_val = data["val"]
    x_s, y_s = x_val[:args.search_samples], y_val[:args.search_samples]
    base_search = accuracy(model, x_s, y_s)
    curves = []
    combos = [(layers, c) for layers in args.layers for c in args.criteria]
    # threshold functions of an earlier run with the same model and search settings are reused
    cache_path = out / "threshold_functions.json"
    cached = json.loads(cache_path.read_text()) if cache_path.exists() else []
    settings = json.loads(json.dumps({
        "config": {k: v for k, v in cfg.items() if k not in RUN_ONLY}, "mode": args.mode,
        "search_samples": len(y_s), "max_gap": args.max_gap, "max_evals": args.max_evals}))
    for layers, criterion in progress(combos, f"{cfg['recipe']}: threshold functions"):
        hit = [c for c in cached if c["criterion"] == criterion and c["layers"] == layers
               and c["settings"] == settings]
        if hit:
            tf = ThresholdFunction(criterion, layers, args.mode,
                                   [Point(**p) for p in hit[0]["points"]], hit[0]["evaluations"])
            seconds = hit[0]["seconds"]
        else:
            t0 = time.time()
            bonsai = Bonsai(model, ex, criterion, layers, args.mode)
            tf = threshold_function(bonsai, lambda m: accuracy(m, x_s, y_s), args.max_gap,
                                    args.max_evals)
            seconds = round(time.time() - t0, 1)
            cached.append(dict(tf.to_json(), seconds=seconds, settings=settings))
            write_json(cache_path, cached)
        curves.append(dict(tf.to_json(), seconds=seconds))
        curves[-1]["chosen"] = vars(tf.choose(base_search, args.tolerance))
    for layers in args.layers:
        plot_threshold_functions(out / f"threshold_functions_{layers}.png",
                                 f"{cfg['recipe']} ({cfg['preset']}), prunable: {layers}",
                                 [c for c in curves if c["layers"] == layers],
                                 f"top-1 on {len(y_s)} validation images")
    best = max(curves, key=lambda c: c["auc"])
    bonsai = Bonsai(model, ex, best["criterion"], best["layers"], args.mode)
    if args.min_pruned is not None:
        t = bonsai.threshold_for_fraction(args.min_pruned)
        best["chosen"] = {"threshold": t, "fraction_pruned": bonsai.fraction(bonsai.plan(t)),
                          "score": accuracy(bonsai.prune(t).model, x_s, y_s)}
    result = bonsai.prune(best["chosen"]["threshold"])
    pruned = result.model
    before = {"val": accuracy(model, x_val, y_val), "test": accuracy(model, *data["test"])}
    pruned_no_retrain = accuracy(pruned, *data["test"])
    t0 = time.time()
    history = fit(pruned, *data["train"], args.retrain_epochs, lr=args.retrain_lr,
                  val=(x_val, y_val), desc="retrain")
    retrain_s = time.time() - t0
    after = {"val": accuracy(pruned, x_val, y_val), "test": accuracy(pruned, *data["test"])}
    m_before, m_after = model_metrics(model, ex), model_metrics(pruned, ex)
    save_compressed(out / "pruned.pt", cfg, result.keep, pruned)
    onnx = export_if_quantized(pruned, ex, out / "pruned.onnx", cfg["preset"], data["test"][0][:4])
    return {
        "model": cfg["recipe"], "preset": cfg["preset"], "config": cfg, "mode": args.mode,
        "search_samples": len(y_s), "search_top1_original": base_search,
        "threshold_functions": curves,
        "best": {"criterion": best["criterion"], "layers": best["layers"], "auc": best["auc"],
                 "selection": "tolerance" if args.min_pruned is None else "min_pruned",
                 "tolerance": args.tolerance, "min_pruned": args.min_pruned, **best["chosen"]},
        "filters": {"before": result.filters_before,
                    "kept": {k: len(v) for k, v in result.keep.items()},
                    "fraction_pruned": result.fraction_pruned},
        "top1": {"original": before, "pruned_before_retrain_test": pruned_no_retrain,
                 "pruned_retrained": after},
        "retrain": {"epochs": args.retrain_epochs, "lr": args.retrain_lr, "history": history,
                    "seconds": round(retrain_s, 1)},
        "metrics": {"original": m_before, "pruned": m_after,
                    "reduction": reduction(m_before, m_after)},
        "qonnx": onnx,
    }


def all_filters_pruned(r: dict) -> float:
    """Removed / all conv filters and hidden units (every layer but the output layer)."""
    hidden = [sum(row["out"] for row in r["metrics"][m]["layers"][:-1])
              for m in ("original", "pruned")]
    return 1 - hidden[1] / hidden[0]


def tables(results: list[dict]) -> str:
    crits = list(dict.fromkeys(c["criterion"] for r in results for c in r["threshold_functions"]))
    sets = list(dict.fromkeys(c["layers"] for r in results for c in r["threshold_functions"]))
    rows = []
    for layers in sets:
        for r in results:
            aucs = {c["criterion"]: c["auc"] for c in r["threshold_functions"]
                    if c["layers"] == layers}
            if not aucs:
                continue
            best = max(aucs, key=aucs.get)
            cells = []
            for c in crits:
                if c not in aucs:
                    cells.append("-")
                    continue
                mark = "*" if c == best else ""
                bold = r["best"]["criterion"] == c and r["best"]["layers"] == layers
                cells.append(f"**{aucs[c]:.3f}{mark}**" if bold else f"{aucs[c]:.3f}{mark}")
            rows.append([layers, r["model"]] + cells)
    t2 = table(["layers", "model"] + crits, rows)
    t4 = table(["model", "original", "post-prune/retrain", "% pruned (all filters)",
                "% pruned (prunable set)", "criterion, layers", "before retraining"],
               [[r["model"], pct(r["top1"]["original"]["test"]),
                 pct(r["top1"]["pruned_retrained"]["test"]),
                 pct(all_filters_pruned(r)), pct(r["filters"]["fraction_pruned"]),
                 f"{r['best']['criterion']}, {r['best']['layers']}",
                 pct(r["top1"]["pruned_before_retrain_test"])] for r in results])
    t6 = table(["model", "original FLOPs", "post-prune FLOPs", "% reduction"],
               [[r["model"], f"{r['metrics']['original']['total']['flops']:,}",
                 f"{r['metrics']['pruned']['total']['flops']:,}",
                 pct(r["metrics"]["reduction"]["flops"])] for r in results])
    named = []
    for r in results:
        named += [(f"{r['model']} {r['preset']}", r["metrics"]["original"]),
                  (f"{r['model']} {r['preset']} pruned", r["metrics"]["pruned"])]
    presets = ", ".join(sorted({r["preset"] for r in results}))
    return "\n\n".join([
        f"# Bonsai pruning ({presets})",
        "Table 2 analogue: AUC of the threshold function per criterion and prunable layer set "
        "(* best criterion for the model and layer set, **bold** best overall for the model).", t2,
        "Table 4 analogue: test top-1, original vs pruned + retrained.", t4,
        "Table 6 analogue: FLOPs per inference (2IH dense, 2 k1 k2 rh rw I H conv).", t6,
        "Metrics (models/compress/metrics.py).", metrics_table(named)]) + "\n"


def run(args) -> dict:
    out = Path(args.out)
    if args.checkpoint and len(args.arch) > 1:
        raise SystemExit("--checkpoint prunes one model: give a single --arch or none")
    all_results = {}
    for arch in args.arch:
        model, cfg = obtain(arch, args.preset, args.base_dir, args.train_epochs, args.seed,
                            args.train_limit, args.threads, args.checkpoint)
        model_out = out / cfg["recipe"]
        result = prune_one(cfg, model, args, model_out)
        write_json(model_out / "result.json", result)
        all_results[cfg["recipe"]] = result
    results = [json.loads(p.read_text()) for p in sorted(out.glob("*/result.json"))]
    (out / "tables.md").write_text(tables(results))
    return all_results
