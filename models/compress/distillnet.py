"""Distill-Net: application-specific neuron removal (Distill-Net paper, sections 6-8).

For an application that needs only some classes of a trained classifier:
  1. neuroactivity (7.3.1): run the training samples of each kept class through the model and
     record every hidden neuron's output map (OFM): the output of a conv/dense layer after the
     shape-preserving layers that follow it (BatchNorm, activation), before pooling or flatten;
  2. heatmaps (Eq. 12): per class, the mean over its samples of |OFM| (the activation value for a
     ReLU network; the magnitude for signed activations);
  3. bitmaps (Eq. 13): heatmap > theta * (largest heatmap value of that layer over all classes):
     one relative threshold theta in [0, 1] serves layers of different scales;
  4. fusion (Eq. 14): B = NOT(Hadamard product over classes of NOT B_c), i.e. a location is needed
     if any kept class needs it;
  5. complete removal (Eq. 15): a neuron whose fused bitmap is all zero is removed structurally
     (models.compress.surgery), and the output layer keeps only the kept classes' units;
  6. partial removal: the fused bitmaps of the remaining neurons are saved (.npz) for hardware
     that can skip a neuron's computation at locations where it stays dormant.
theta is found by binary search as the largest value whose accuracy on the kept classes (on a
search set), with complete and partial removal applied (a skipped location's OFM is zero, see
`skipping`), is at most `max_drop` below the original model's, itself restricted to the kept
classes' outputs. A binary (sign) activation is never zero, so its neurons are never dormant:
use ReLU-type activations (float, or unsigned QuantReLU presets) for Distill-Net.
"""
from __future__ import annotations

from contextlib import contextmanager, nullcontext
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from models.compress.chain import CHANNELWISE, PRODUCER, Step, trace_chain
from models.compress.metrics import model_metrics
from models.compress.retrain import accuracy, logits
from models.compress.surgery import remove_channels


def activity_points(steps: list[Step]) -> dict[str, str]:
    """Hidden producer -> the step whose output is its OFM (last shape-preserving step after it)."""
    producer_idx = [i for i, s in enumerate(steps) if s.kind == PRODUCER][:-1]
    points = {}
    for i in producer_idx:
        j = i
        while j + 1 < len(steps) and steps[j + 1].kind == CHANNELWISE:
            j += 1
        points[steps[i].name] = steps[j].name
    return points


def class_heatmaps(model: nn.Module, example_input: torch.Tensor, x: torch.Tensor, y: torch.Tensor,
                   classes, batch_size: int = 250) -> dict[str, torch.Tensor]:
    """Eq. 12: {hidden layer: (len(classes), *OFM shape) mean |OFM| per class}."""
    steps = trace_chain(model, example_input)
    points = activity_points(steps)
    by_name = {s.name: s for s in steps}
    classes = list(classes)
    sums = {p: torch.zeros((len(classes), *by_name[o].out_shape)) for p, o in points.items()}
    counts = torch.zeros(len(classes))
    current: dict[str, torch.Tensor] = {}
    handles = [by_name[o].module.register_forward_hook(
        lambda m, i, out, p=p: current.__setitem__(p, getattr(out, "value", out).abs()))
        for p, o in points.items()]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for c_i, c in enumerate(classes):
                xc = x[y == c]
                if len(xc) == 0:
                    raise ValueError(f"no samples of class {c} to measure neuron activity on")
                for start in range(0, len(xc), batch_size):
                    model(xc[start:start + batch_size])
                    for p in points:
                        sums[p][c_i] += current[p].sum(0)
                counts[c_i] = len(xc)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return {p: s / counts.view(-1, *([1] * (s.dim() - 1))) for p, s in sums.items()}


def bitmaps(heatmaps: dict[str, torch.Tensor], theta: float) -> dict[str, torch.Tensor]:
    """Eq. 13 with a per-layer relative threshold: heatmap > theta * layer maximum."""
    if not 0.0 <= theta <= 1.0:
        raise ValueError(f"theta must lie in [0, 1], got {theta}")
    return {p: h > theta * h.max() for p, h in heatmaps.items()}


def fuse(class_bitmaps: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Eq. 14: NOT(prod_c NOT B_c) over the class dimension (dimension 0)."""
    return {p: ~torch.prod(~b, dim=0).bool() for p, b in class_bitmaps.items()}


def kept_neurons(fused: dict[str, torch.Tensor], heatmaps: dict[str, torch.Tensor]) -> dict:
    """Eq. 15: neurons with any nonzero fused bitmap entry; a layer keeps at least its most active
    neuron."""
    keep = {}
    for p, b in fused.items():
        k = torch.nonzero(b.reshape(b.shape[0], -1).any(1)).flatten()
        if len(k) == 0:
            k = heatmaps[p].amax(0).reshape(b.shape[0], -1).amax(1).argmax().reshape(1)
        keep[p] = k
    return keep


@dataclass
class Distilled:
    model: nn.Module
    keep: dict[str, list[int]]           # every edited layer (the output layer included)
    classes: list[int]                   # kept classes: output j of `model` is classes[j]
    theta: float
    partial: dict[str, np.ndarray]       # fused bitmaps of the remaining neurons (layer -> C'xHxW)


def distill_at(model: nn.Module, example_input: torch.Tensor, heatmaps: dict[str, torch.Tensor],
               all_classes, classes, theta: float) -> Distilled:
    """Neuron removal for kept `classes` at threshold theta (`heatmaps` from class_heatmaps over
    `all_classes`, of which only `classes` are fused)."""
    rows = [list(all_classes).index(c) for c in classes]
    chosen = {p: h[rows] for p, h in heatmaps.items()}
    fused = fuse(bitmaps(chosen, theta))
    keep = kept_neurons(fused, chosen)
    last = [s for s in trace_chain(model, example_input) if s.kind == PRODUCER][-1]
    keep[last.name] = torch.as_tensor(sorted(classes))
    small = remove_channels(model, example_input, keep)
    partial = {p: fused[p][keep[p]].numpy() for p in fused}
    return Distilled(small, {k: v.tolist() for k, v in keep.items()}, sorted(classes), theta,
                     partial)


@contextmanager
def skipping(d: Distilled, example_input: torch.Tensor):
    """While active, the distilled model behaves like hardware that skips partially removed
    neurons: every remaining neuron's OFM is zero where its fused bitmap is zero."""
    steps = trace_chain(d.model, example_input)
    by_name = {s.name: s for s in steps}
    points = activity_points(steps)
    handles = [by_name[points[p]].module.register_forward_hook(
        # the default argument binds this bitmap's mask to this hook
        lambda m, i, out, mask=torch.as_tensor(bitmap, dtype=torch.float32): out * mask)  # noqa: B008
        for p, bitmap in d.partial.items()]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


def kept_accuracy(d: Distilled, x: torch.Tensor, y: torch.Tensor, partial: bool = True) -> float:
    """Top-1 of the distilled model on samples (x, y) of the kept classes (original class numbers),
    with the partial removals applied (`skipping`) unless partial=False."""
    with skipping(d, x[:1]) if partial else nullcontext():
        out = logits(d.model, x)
    pred = torch.as_tensor(d.classes)[out.argmax(1)]
    return (pred == y).float().mean().item()


def skipped_flops(original: dict, distilled_model: nn.Module, example_input: torch.Tensor,
                  partial: dict[str, np.ndarray] | None) -> int:
    """FLOPs saved per inference: complete removal (original - distilled FLOPs) plus, given the
    bitmaps, the locations where a remaining neuron's fused bitmap is zero (Distill-Net Eq. 16's
    partial removals), each worth that neuron's FLOPs per output location in the distilled model."""
    rows = {r["layer"]: r for r in model_metrics(distilled_model, example_input)["layers"]}
    skipped = original["total"]["flops"] - sum(r["flops"] for r in rows.values())
    for p, bitmap in (partial or {}).items():
        per_location = rows[p]["flops"] / bitmap.size
        skipped += int(round((bitmap.size - bitmap.sum()) * per_location))
    return int(skipped)


def search_theta(model: nn.Module, example_input: torch.Tensor, heatmaps, all_classes, classes,
                 x: torch.Tensor, y: torch.Tensor, max_drop: float = 0.01, iterations: int = 10,
                 partial: bool = True) -> tuple[Distilled, float, float]:
    """Binary search for the largest theta whose top-1 on (x, y) (samples of the kept classes), with
    complete removal and (if `partial`) partial removal applied, is at most `max_drop` below the
    original model's top-1 over the kept outputs. Returns (result, original accuracy, distilled
    accuracy) on (x, y)."""
    if not set(y.unique().tolist()) <= set(classes):
        raise ValueError("the search set holds samples of classes that are not kept")
    base = accuracy(model, x, y, classes=sorted(classes))
    best = distill_at(model, example_input, heatmaps, all_classes, classes, 0.0)
    best_acc = kept_accuracy(best, x, y, partial)
    lo, hi = 0.0, 1.0
    for _ in range(iterations):
        mid = (lo + hi) / 2
        cand = distill_at(model, example_input, heatmaps, all_classes, classes, mid)
        acc = kept_accuracy(cand, x, y, partial)
        if base - acc <= max_drop:
            lo, best, best_acc = mid, cand, acc
        else:
            hi = mid
    return best, base, best_acc
