"""What the `hash`, `decompose` and `binarize` commands share: take the float original, apply one
method of methods.py, fine-tune, measure, save.

Per run (into --out): `<method>.pt` (reload with methods.load), `<method>.onnx` for the hardware
presets (QONNX that `python -m flow.build --model` builds, checked in qonnx), `result.json`,
`tables.md` and `finetune.png` (validation top-1 per fine-tuning epoch). Measured: test top-1
before and after fine-tuning, seconds per fine-tuning epoch, inference seconds over the test set
(torch, CPU, fastest of 3), and models/compress/metrics.py's figures.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)

from models.compress import methods  # noqa: E402
from models.compress.export import export_if_quantized  # noqa: E402
from models.compress.metrics import model_metrics  # noqa: E402
from models.compress.report import metrics_table, pct, table, write_json  # noqa: E402
from models.compress.retrain import accuracy, fit, inference_seconds  # noqa: E402
from models.compress.source import example_input, load_data, obtain  # noqa: E402
from models.recipes.classification import build_model  # noqa: E402


def add_common(p) -> None:
    p.add_argument("--arch", default="vgg_c", help="models.train recipe (vgg_a, vgg_b, vgg_c)")
    p.add_argument("--checkpoint", default=None,
                   help="a float models.train checkpoint instead of training --arch here")
    p.add_argument("--train-epochs", type=int, default=5, help="epochs for the original model")
    p.add_argument("--train-limit", type=int, default=None, help="use the first N training images")
    p.add_argument("--finetune-epochs", type=int, default=2)
    p.add_argument("--lr", type=float, default=1e-3, help="fine-tuning learning rate")


def metrics_of(method: str, model, config: dict) -> dict:
    """metrics.py's figures; xnor_k's K layers are counted as the xnor model they wrap (K itself,
    a mean and a 3x3 average per position, is not counted)."""
    if method == "xnor_k":
        model, _ = build_model(config)
    return model_metrics(model, example_input(config))


def finetune_and_measure(name: str, model, config: dict, data: dict, epochs: int, lr: float,
                         seed: int = 0, targets=None, loss_fn=None) -> dict:
    """Fine-tune `model` in place (on the training labels, or on `targets` with `loss_fn`) and
    measure it: test top-1 before and after, seconds per epoch, inference seconds, metrics."""
    before = accuracy(model, *data["test"])
    x_train, y_train = data["train"]
    history = fit(model, x_train, y_train if targets is None else targets, epochs, lr=lr,
                  loss_fn=loss_fn, val=data["val"], seed=seed, desc=name)
    seconds = [h["seconds"] for h in history]
    return {"method": name, "config": config, "test_top1_before_finetune": before,
            "test_top1": accuracy(model, *data["test"]), "history": history,
            "seconds_per_epoch": sum(seconds) / len(seconds),
            "seconds_per_epoch_min": min(seconds), "load_average": os.getloadavg()[0],
            "inference_seconds": inference_seconds(model, data["test"][0]),
            "inference_images": len(data["test"][0])}


def compress(method: str, options: dict, model, config: dict, data: dict, epochs: int, lr: float,
             out: Path, seed: int = 0) -> tuple[dict, object]:
    """(measurements, fine-tuned model) of one method; writes <out>/<method>.pt (and .onnx)."""
    compressed, cfg, info = methods.transform(method, model, config, options)
    r = finetune_and_measure(method, compressed, cfg, data, epochs, lr, seed)
    options = methods.options_for(method, **options)
    out.mkdir(parents=True, exist_ok=True)
    methods.save(out / f"{method}.pt", config, method, options, compressed, info)
    onnx = (export_if_quantized(compressed, example_input(cfg), out / f"{method}.onnx",
                                cfg["preset"], data["test"][0][:4])
            if methods.buildable(method) else None)
    r.update(options=options, info=info, metrics=metrics_of(method, compressed, cfg), qonnx=onnx)
    return r, compressed


def plot_history(path: Path, runs: list[dict]) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for r in runs:
        ax.plot([h["epoch"] for h in r["history"]], [100 * h["val_top1"] for h in r["history"]],
                marker="o", label=r["method"])
    ax.set_xlabel("fine-tuning epoch")
    ax.set_ylabel("validation top-1 (%)")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def run_method(args, method: str, options: dict) -> dict:
    """The command: original (trained or loaded), then `compress`, then result files."""
    model, cfg = obtain(args.arch, "float", args.base_dir, args.train_epochs, args.seed,
                        args.train_limit, args.threads, args.checkpoint)
    data = load_data(cfg)
    out = Path(args.out)
    r, _ = compress(method, options, model, cfg, data, args.finetune_epochs, args.lr, out, args.seed)
    original = {"test_top1": accuracy(model, *data["test"]),
                "inference_seconds": inference_seconds(model, data["test"][0]),
                "metrics": model_metrics(model, example_input(cfg))}
    result = {"arch": cfg["recipe"], "original": original, "run": r}
    write_json(out / "result.json", result)
    plot_history(out / "finetune.png", [r])
    (out / "tables.md").write_text(tables(result))
    return json.loads(json.dumps(result))


def tables(result: dict) -> str:
    r, o = result["run"], result["original"]
    rows = [[f"{result['arch']} float", pct(o["test_top1"]), "-", "-",
             f"{o['inference_seconds']:.3f}"],
            [f"{result['arch']} {r['method']}", pct(r["test_top1"]),
             pct(r["test_top1_before_finetune"]), f"{r['seconds_per_epoch']:.1f}",
             f"{r['inference_seconds']:.3f}"]]
    return "\n\n".join([
        f"# {r['method']} ({json.dumps(r['options'])})",
        table(["model", "test top-1", "before fine-tuning", "s / fine-tuning epoch",
               f"inference s ({r['inference_images']} images)"], rows),
        "Metrics (models/compress/metrics.py).",
        metrics_table([(f"{result['arch']} float", o["metrics"]),
                       (f"{result['arch']} {r['method']}", r["metrics"])])]) + "\n"
