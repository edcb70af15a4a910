"""`python -m models.compress distill`: Rassadin and Savchenko's Table 3 experiment (knowledge distillation).

Two teachers of one architecture: a strong one trained on the training split (the original model
that `prune` uses too), and a weak one trained on only its first --weak-limit images (Rassadin and Savchenko's
weak EmotiW teacher vs its strong RaFD one). The transfer set is the validation split, which no
teacher trained on, used without its labels (Rassadin and Savchenko distils on PubFig83, another dataset). For
each student preset (float and Brevitas-quantised students alike), each teacher and each method
(labels-only, softmax outputs), a student of --student-arch starts from the same initialisation
and learns from the teacher alone. Reported: top-1 on the transfer set against the teacher's
labels (Rassadin and Savchenko's "training accuracy": the transfer set has no labels of its own), against the
true labels, and on the test set. Teacher and student must share an input format.
"""
from __future__ import annotations

from pathlib import Path

import torch

from models.compress.distill import METHODS, distill
from models.compress.export import export_if_quantized
from models.compress.metrics import model_metrics
from models.compress.report import metrics_table, pct, table, write_json
from models.compress.retrain import accuracy, logits
from models.compress.source import example_input, load_data, obtain, recipe_config, save_compressed
from models.recipes.classification import build_model
from models.training import progress


def add_arguments(p) -> None:
    p.add_argument("--teacher-arch", default="vgg_a")
    p.add_argument("--teacher-preset", default="float")
    p.add_argument("--teacher-epochs", type=int, default=2)
    p.add_argument("--teacher-limit", type=int, default=None,
                   help="the strong teacher trains on the first N training images (default all)")
    p.add_argument("--weak-limit", type=int, default=400,
                   help="the weak teacher trains on the first N training images")
    p.add_argument("--transfer-samples", type=int, default=None,
                   help="use the first N validation images as the transfer set (default all)")
    p.add_argument("--student-arch", default="vgg_c")
    p.add_argument("--student-presets", nargs="+", default=["float", "w2a2"])
    p.add_argument("--epochs", type=int, default=20, help="student epochs on the transfer set")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--temperature", type=float, default=4.0)


def run(args) -> dict:
    out = Path(args.out)
    teachers = {}
    for name, limit in (("weak", args.weak_limit), ("strong", args.teacher_limit)):
        model, cfg = obtain(args.teacher_arch, args.teacher_preset, args.base_dir,
                            args.teacher_epochs, args.seed, limit, args.threads)
        teachers[name] = (model, cfg)
    full = recipe_config(args.teacher_arch, args.teacher_preset)
    data = load_data(full, ("val", "test"))
    x_tr, y_tr_true = (t[:args.transfer_samples] for t in data["val"])
    ex = example_input(full)
    runs, named = [], []
    teacher_out = {}
    for name, (teacher, cfg) in teachers.items():
        named.append((f"teacher {name}: {cfg['recipe']} {cfg['preset']}",
                      model_metrics(teacher, ex)))
        teacher_out[name] = logits(teacher, x_tr)
    jobs = [(p, t, m) for p in args.student_presets for t in teachers for m in METHODS]
    for preset, tname, method in progress(jobs, "distill"):
        scfg = recipe_config(args.student_arch, preset, seed=args.seed)
        torch.manual_seed(args.seed)
        student, _ = build_model(scfg)
        history = distill(teacher_out[tname], student, x_tr, method, args.epochs, args.temperature,
                          args.lr, seed=args.seed)
        teacher_labels = teacher_out[tname].argmax(1)
        where = out / f"{args.student_arch}-{preset}-{tname}-{method}"
        where.mkdir(parents=True, exist_ok=True)
        save_compressed(where / "student.pt", scfg, {}, student)
        runs.append({
            "student": args.student_arch, "preset": preset, "teacher": tname, "method": method,
            "transfer_top1_vs_teacher": accuracy(student, x_tr, teacher_labels),
            "transfer_top1_vs_true": accuracy(student, x_tr, y_tr_true),
            "test_top1": accuracy(student, *data["test"]), "history": history,
            "qonnx": export_if_quantized(student, ex, where / "student.onnx", preset,
                                         data["test"][0][:4])})
        if tname == "strong" and method == "softmax":
            named.append((f"student {args.student_arch} {preset}", model_metrics(student, ex)))
    result = {
        "teachers": {n: {"config": c, "test_top1": accuracy(t, *data["test"]),
                         "transfer_top1_vs_true": accuracy(t, x_tr, y_tr_true)}
                     for n, (t, c) in teachers.items()},
        "transfer_samples": len(x_tr), "temperature": args.temperature, "epochs": args.epochs,
        "runs": runs, "metrics": named}
    write_json(out / "result.json", result)
    (out / "tables.md").write_text(tables(result))
    return result


def tables(r: dict) -> str:
    parts = ["# Knowledge distillation",
             f"Transfer set: {r['transfer_samples']} validation images, labels unused; T = "
             f"{r['temperature']}; {r['epochs']} student epochs."]
    t = r["teachers"]
    header = [""] + [f"{n} teacher ({pct(t[n]['test_top1'])} test): {m}"
                     for n in t for m in METHODS]
    for preset in dict.fromkeys(x["preset"] for x in r["runs"]):
        cell = {(x["teacher"], x["method"]): x for x in r["runs"] if x["preset"] == preset}
        student = next(x["student"] for x in r["runs"] if x["preset"] == preset)
        rows = [[f"transfer-set top-1 vs teacher labels ({student} {preset})"]
                + [pct(cell[n, m]["transfer_top1_vs_teacher"]) for n in t for m in METHODS],
                [f"transfer-set top-1 vs true labels ({student} {preset})"]
                + [pct(cell[n, m]["transfer_top1_vs_true"]) for n in t for m in METHODS],
                [f"test top-1 ({student} {preset})"]
                + [pct(cell[n, m]["test_top1"]) for n in t for m in METHODS]]
        parts += [f"Rassadin and Savchenko Table 3 analogue, student {student} {preset}.", table(header, rows)]
    parts += ["Metrics (models/compress/metrics.py).", metrics_table(r["metrics"])]
    return "\n\n".join(parts) + "\n"
