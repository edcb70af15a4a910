"""Rassadin and Savchenko's Table 2, our version: compression methods side by side on VGG A/B/C
(Bonsai's models, models/vgg.py), on the torch side and through the dataflow compiler.

Per model: the float original (the models.train recipe, trained once into --base-dir), then one row
per method, each started from the original's weights and fine-tuned for --finetune-epochs on the
same training images with the same schedule (retrain.fit: Adam, cosine, best validation epoch):

    baseline    the float original, fine-tuned like the others
    hashed      HashedNets, rate 1/8 (models/compress/hashing.py)
    cp, tucker  CP / Tucker decomposition of the convolutions, half rank (decompose.py)
    bwn         binary weights x per-channel mean |w|, float activations (paper);
    bwn_a8      ... INT8 activations (hardware variant)
    xnor        binary weights x per-channel mean |w|, binary activations (hardware: K dropped)
    xnor_k      xnor with XNOR-Net's per-position input scale K (torch only)
    binact      float weights, binary activations (paper); binact_w8: INT8 weights (hardware)
    prune       Bonsai criterion pruning (range, conv + dense) of half the filters
    kd          the xnor model trained by softmax distillation (T = 4) from the float original
                on the training images, labels unused

Columns: training seconds per 1000 images (one epoch over the first 1000 training images on a copy
of the fine-tuned model) and inference seconds over the test images (torch, CPU, 1 thread), each
the fastest of --rounds passes taken in turns over all rows, so that every row sees the same
background load, and as ratios to the baseline; size in bits at the row's
quantisation, parameters, MACs and bit-ops (models/compress/metrics.py); test top-1. Rows the
compiler takes (integer all through) are built with flow.api.build at --fps frames/s and 100 MHz on
--inputs test images: frames/s, the analytic LUT/FF/BRAM36/DSP estimate, Yosys with --synth, and
the verification ladder, and the energy per inference of the programmable logic (flow/energy.py, an
estimate from Verilator toggle activity on the test inputs). Other rows say why not, naming the
missing op.

    nice -n 10 python benchmarks/compression_table.py --arch vgg_c --synth

Writes benchmarks/results/compression_table.{json,md,png} (--out to change).
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import platform
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402

from flow.api import build  # noqa: E402
from flow.pipeline import StepFailed  # noqa: E402
from models.compress import methods  # noqa: E402
from models.compress.bonsai import Bonsai  # noqa: E402
from models.compress.distill import kd_loss, teacher_targets  # noqa: E402
from models.compress.method_run import compress, finetune_and_measure, metrics_of  # noqa: E402
from models.compress.report import table, write_json  # noqa: E402
from models.compress.retrain import fit, inference_seconds, logits  # noqa: E402
from models.compress.source import example_input, load_data, obtain  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ROWS = ("baseline", "hashed", "cp", "tucker", "bwn", "bwn_a8", "xnor", "xnor_k", "binact",
        "binact_w8", "prune", "kd")
FLOAT = "float weights and activations: the compiler takes integer (Brevitas-quantised) models"
NOT_BUILT = {
    "baseline": FLOAT,
    "hashed": FLOAT + "; a hashed weight memory (bucket table + hash unit) is no MVAU weight mode "
                      "(estimate: benchmarks/hashed_weights.py)",
    "cp": FLOAT + "; needs a depthwise convolution op (kx1 and 1xk, groups = rank): flow/ops has "
                  "no depthwise op (MVAU is dense)",
    "tucker": FLOAT + "; quantised, its 1x1 / kxk / 1x1 convs would need a quantizer between the "
                      "convs (no BatchNorm/activation to fold there)",
    "bwn": "float activations (ReLU): the hardware variant is bwn_a8",
    "binact": "float weights: the hardware variant is binact_w8",
    "xnor_k": "the per-position input scale K (mean abs input over channels, 3x3 average, times "
              "the accumulator) is data dependent: no op, and it cannot fold into thresholds",
    "prune": FLOAT,
}
KD_TEMPERATURE = 4.0
TIMED_TRAINING_IMAGES = 1000
PRUNE_CRITERION, PRUNE_LAYERS, PRUNE_FRACTION = "range", "both", 0.5


def rows_for(arch: str, args, out: Path) -> tuple[list[dict], dict]:
    model, cfg = obtain(arch, "float", args.base_dir, args.train_epochs, 0, args.train_limit,
                        threads=1)
    data = load_data(cfg)
    ex = example_input(cfg)
    E, lr = args.finetune_epochs, args.lr
    rows, models = [], {}
    for name in args.rows:
        print(f"{arch}: {name}", flush=True)
        if name == "baseline":
            m = copy.deepcopy(model)
            r = finetune_and_measure(name, m, cfg, data, E, lr)
            r.update(metrics=metrics_of(name, m, cfg))
        elif name == "prune":
            bonsai = Bonsai(model, ex, PRUNE_CRITERION, PRUNE_LAYERS)
            pruned = bonsai.prune(bonsai.threshold_for_fraction(PRUNE_FRACTION))
            m = pruned.model
            r = finetune_and_measure(name, m, cfg, data, E, lr)
            r.update(metrics=metrics_of(name, m, cfg), info={
                "criterion": PRUNE_CRITERION, "layers": PRUNE_LAYERS,
                "fraction_pruned": pruned.fraction_pruned})
        elif name == "kd":
            m, scfg, _ = methods.transform("xnor", model, cfg)
            targets = teacher_targets(logits(model, data["train"][0]), "softmax", KD_TEMPERATURE)
            r = finetune_and_measure(name, m, scfg, data, E, lr, targets=targets,
                                     loss_fn=kd_loss(KD_TEMPERATURE))
            r.update(metrics=metrics_of("xnor", m, scfg),
                     info={"student": "xnor", "temperature": KD_TEMPERATURE})
        else:
            r, m = compress(name, {}, model, cfg, data, E, lr, out / arch)
        r.pop("config", None)
        r["buildable"] = name == "kd" or methods.buildable(name)
        rows.append(r)
        models[name] = m
    # training and inference time again, in turns over all rows: each row sees the same
    # background load; the fastest turn is the least disturbed
    x_test = data["test"][0]
    x_train, y_train = (t[:TIMED_TRAINING_IMAGES] for t in data["train"])
    for r in rows:
        r["train_seconds_per_1000"] = math.inf
    for _ in range(args.rounds):
        for r in rows:
            t = inference_seconds(models[r["method"]], x_test, repeats=1)
            r["inference_seconds"] = min(r["inference_seconds"], t)
            trainee = copy.deepcopy(models[r["method"]])
            t = fit(trainee, x_train, y_train, 1, lr=lr, desc="timing")[0]["seconds"]
            r["train_seconds_per_1000"] = min(r["train_seconds_per_1000"],
                                              1000 * t / len(y_train))
    base = next(r for r in rows if r["method"] == "baseline")
    for r in rows:
        r["train_ratio"] = r["train_seconds_per_1000"] / base["train_seconds_per_1000"]
        r["inference_ratio"] = r["inference_seconds"] / base["inference_seconds"]
        r["hardware"] = (hardware(models[r["method"]], x_test[:args.inputs], args,
                                  out / arch / f"build_{r['method']}")
                         if r["buildable"] and not args.no_hardware
                         else {"built": False, "reason": NOT_BUILT.get(r["method"],
                                                        "not built here (--no-hardware)")})
    return rows, cfg


def hardware(model, x: torch.Tensor, args, out: Path) -> dict:
    """Build at --fps; a design over the board's budget there is folded for the most frames/s
    that fit instead ("max"). A step that fails makes the row say so."""
    started = time.time()
    fps = args.fps
    try:
        try:
            b = build(model.eval(), input_data=x.numpy(), fps=fps, clock_mhz=100.0, out=out,
                      synth=args.synth, energy=True, verbose=False)
        except StepFailed as err:
            if "exceeds" not in str(err):
                raise
            fps = "max"
            b = build(model.eval(), input_data=x.numpy(), fps=fps, clock_mhz=100.0, out=out,
                      synth=args.synth, energy=True, verbose=False)
    except StepFailed as err:
        return {"built": False, "reason": f"build failed: {err}"}
    rep = b.report
    synth = rep["synthesis"]
    return {"built": True, "directory": str(out), "seconds": round(time.time() - started, 1),
            "folded_for": fps,
            "passed": b.passed, "failures": b.failures,
            "fps": rep["performance"]["measured_fps"] or rep["performance"]["analytic_fps"],
            "estimate": rep["totals"]["estimate"],
            "yosys": {k: synth[k] for k in ("LUT", "FF", "BRAM36", "DSP")} if "LUT" in synth
            else None,
            "ladder": {level: c.get("passed") for level, c in rep["verification"].items()},
            "energy_uj": rep["energy_estimate"]["joules_per_image"] * 1e6
            if rep["energy_estimate"].get("run") else None}


def _res(h: dict, key: str) -> str:
    if not h["built"]:
        return "-"
    e = h["estimate"]
    est = "/".join(f"{e[k]:g}" for k in ("LUT", "FF", "BRAM36", "DSP"))
    if key == "yosys":
        y = h["yosys"]
        return "/".join(f"{y[k]:g}" for k in ("LUT", "FF", "BRAM36", "DSP")) if y else "not run"
    return est


def ladder(h: dict) -> str:
    if not h["built"]:
        return "-"
    return " ".join(f"{k.replace('_', '=')} {'ok' if v else 'FAIL'}" for k, v in h["ladder"].items())


def markdown(result: dict) -> str:
    parts = ["# Compression methods side by side (Rassadin and Savchenko Table 2, our version)",
             f"Machine: {result['machine']}; {result['note']}."]
    for arch, a in result["models"].items():
        header = ["method", "train s / 1000 images (x base)", "inference s (x base)", "size (bits)",
                  "params", "MACs", "bit-ops", "test top-1", "before fine-tuning", "fps @100 MHz",
                  "LUT/FF/BRAM36/DSP (estimate)", "LUT/FF/BRAM36/DSP (Yosys)",
                  "energy / inference", "ladder", "verdict / why not built"]
        rows = []
        for r in a["rows"]:
            t, h = r["metrics"]["total"], r["hardware"]
            verdict = ("passed" if h.get("passed") else "FAILED: " + "; ".join(h["failures"])
                       ) if h["built"] else h["reason"]
            rows.append([r["method"], f"{r['train_seconds_per_1000']:.2f} ({r['train_ratio']:.2f})",
                         f"{r['inference_seconds']:.3f} ({r['inference_ratio']:.2f})",
                         f"{t['memory_bits']:,}", f"{t['params']:,}", f"{t['macs']:,}",
                         f"{t['bitops']:,}", f"{100 * r['test_top1']:.2f}%",
                         f"{100 * r['test_top1_before_finetune']:.2f}%",
                         (f"{h['fps']:,.0f}" + (" (max)" if h["folded_for"] == "max" else ""))
                         if h["built"] else "-", _res(h, "estimate"),
                         _res(h, "yosys"),
                         f"{h['energy_uj']:.3f} uJ (estimate)" if h.get("energy_uj") else "-",
                         ladder(h), verdict])
        images = a["config"]["train_limit"] or "all"
        parts += [f"## {arch} ({a['dataset']}, {images} training images, original "
                  f"({a['config']['epochs']} epochs) test top-1 {100 * a['original_top1']:.2f}%, "
                  f"{a['finetune_epochs']} fine-tuning epochs)", f"`{a['command']}`",
                  table(header, rows)]
    return "\n\n".join(parts) + "\n"


def plot(path: Path, result: dict) -> None:
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for arch, a in result["models"].items():
        for r in a["rows"]:
            x, y = r["metrics"]["total"]["memory_bits"], 100 * r["test_top1"]
            ax.scatter(x, y, marker="s" if r["hardware"]["built"] else "o")
            ax.annotate(f"{arch[-1].upper()} {r['method']}", (x, y), fontsize=7,
                        xytext=(3, 3), textcoords="offset points")
    ax.set_xscale("log")
    ax.set_xlabel("model size (bits at its quantisation)")
    ax.set_ylabel("test top-1 (%)")
    ax.set_title("compression methods (squares: built by the compiler)")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--arch", nargs="+", default=["vgg_c"], choices=["vgg_a", "vgg_b", "vgg_c"])
    p.add_argument("--rows", nargs="+", default=list(ROWS), choices=ROWS)
    p.add_argument("--base-dir", default="build/compress/base")
    p.add_argument("--train-epochs", type=int, default=5, help="epochs of the float original")
    p.add_argument("--train-limit", type=int, default=None, help="first N training images")
    p.add_argument("--finetune-epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--rounds", type=int, default=5, help="inference timing passes per row")
    p.add_argument("--inputs", type=int, default=5, help="test images through the hardware ladder")
    p.add_argument("--fps", type=float, default=10_000, help="folding target (frames/s)")
    p.add_argument("--synth", action="store_true", help="also Yosys synth_xilinx")
    p.add_argument("--no-hardware", action="store_true")
    p.add_argument("--out", default=str(RESULTS), help="where compression_table.* go")
    p.add_argument("--work", default="build/compression_table", help="models and builds")
    args = p.parse_args(argv)
    if "baseline" not in args.rows:
        raise SystemExit("--rows needs baseline (the ratios are to it)")
    torch.set_num_threads(1)
    torch.manual_seed(0)
    out = Path(args.out)
    command = "python benchmarks/compression_table.py " + " ".join(argv or [])
    result = {"machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores",
              "note": "torch on 1 thread; the machine is shared with other jobs (load averages "
                      "per row in the JSON), so times are ratios taken close together",
              "models": {}}
    for arch in args.arch:
        rows, cfg = rows_for(arch, args, Path(args.work))
        base = next(r for r in rows if r["method"] == "baseline")
        result["models"][arch] = {"dataset": cfg["dataset"], "config": cfg,
                                  "original_top1": base["test_top1_before_finetune"],
                                  "finetune_epochs": args.finetune_epochs, "command": command,
                                  "rows": rows}
    if (out / "compression_table.json").exists():  # runs for other models add up
        earlier = json.loads((out / "compression_table.json").read_text())["models"]
        result["models"] = {**earlier, **result["models"]}
    write_json(out / "compression_table.json", result)
    (out / "compression_table.md").write_text(markdown(result))
    plot(out / "compression_table.png", result)
    print(markdown(result))
    return json.loads(json.dumps(result))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
