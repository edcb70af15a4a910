"""One candidate of the hardware-aware search, as one Ray task: a short training gives its reward
(top-1), and the compiler's estimate at the fixed frames/s its cost (LUT, BRAM36).

The hardware side is flow.explore's own code: the design's front end (export, streamline,
reference, lower: `front_end`) and the folding + analytic estimate of one point (`estimate_point`),
what `python -m flow.explore --model file.onnx --fps F --estimate-only` runs. A candidate the
compiler refuses (a step that fails, a folding that cannot reach the frames/s or does not fit the
board) is recorded with the compiler's one-line reason.
"""
from __future__ import annotations

import resource
import time
from pathlib import Path

import torch

from flow.explore.build_point import front_end
from flow.explore.estimate import estimate_point
from flow.explore.space import PointSpec
from flow.pipeline import StepFailed
from models.compress.export import export_if_quantized
from models.compress.metrics import model_metrics
from models.compress.retrain import accuracy, fit
from models.vgg import make_vgg

IN_SHAPE = (1, 28, 28)   # the MNIST subset of models/data/mnist.py
CHECKED_INPUTS = 4       # test images the QONNX file is run on against torch


def build(job: dict) -> torch.nn.Module:
    """The candidate's VGG, initialised from the job's seed."""
    torch.manual_seed(job["seed"])
    return make_vgg(job["arch"], IN_SHAPE, 10, preset=job["presets"][0], widths=job["widths"],
                    layer_presets=job["presets"])


def hardware(onnx: str, job: dict) -> dict:
    """The compiler's estimate of the QONNX file folded for job["fps"]: {"built": True, "fps",
    "resources", "bottleneck", "folding"}, or {"built": False, "reason"}."""
    design = f"candidate_{job['index']:03d}"
    try:
        base = front_end({"design": design, "model": onnx, "checkpoint": None, "inputs": job["inputs"],
                          "board": job["board"], "out": job["out"]})
    except (StepFailed, ValueError) as err:
        return {"built": False, "reason": _one_line(err)}
    spec = PointSpec(onnx, None, float(job["fps"]), float(job["clock_mhz"]), "auto", job["board"])
    est = estimate_point(base["20_hw.onnx"], spec, {})
    if est["error"] is not None:
        return {"built": False, "reason": _one_line(est["error"]), "fps": est.get("fps"),
                "resources": est.get("resources")}
    if est["fps"] < job["fps"]:
        return {"built": False, "fps": est["fps"], "resources": est["resources"],
                "reason": f"reaches {est['fps']:,.0f} frames/s at most (bottleneck {est['bottleneck']}), "
                          f"below the fixed {job['fps']:,.0f}"}
    return {"built": True, "fps": est["fps"], "resources": est["resources"],
            "bottleneck": est["bottleneck"], "folding": est["folding"]}


def evaluate(job: dict, data: dict) -> dict:
    """Train, measure, export and estimate one candidate (job: index, arch, widths, presets, seed,
    epochs, lr, fps, clock_mhz, board, inputs, out); `data` = {split: (inputs, labels)}. The CPU
    seconds are this process's and its children's, user + system, over the whole task."""
    started, cpu = time.time(), cpu_seconds()
    torch.set_num_threads(1)
    model = build(job)
    history = fit(model, *data["train"], job["epochs"], lr=job["lr"], val=data["val"],
                  seed=job["seed"], desc=f"candidate {job['index']}")
    total = model_metrics(model, torch.zeros((1, *IN_SHAPE)))["total"]
    out = Path(job["out"]) / f"candidate_{job['index']:03d}"
    qonnx = export_if_quantized(model, torch.zeros((1, *IN_SHAPE)), out / "model.onnx", job["presets"][0],
                                data["test"][0][:CHECKED_INPUTS])
    result = {"index": job["index"], "widths": list(job["widths"]), "presets": list(job["presets"]),
              "val_top1": max(h["val_top1"] for h in history), "test_top1": accuracy(model, *data["test"]),
              "history": history, "params": total["params"], "memory_bits": total["memory_bits"],
              "qonnx": qonnx, "hardware": hardware(qonnx["path"], job)}
    result.update(cpu_seconds=round(cpu_seconds() - cpu, 2), wall_seconds=round(time.time() - started, 2))
    return result


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _one_line(err) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__
