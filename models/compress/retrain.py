"""Training loops for compressed models: retraining after pruning, and students in distillation.

Works on any nn.Module and on input tensors already in the model's input format (for the VGG
models, `models.quant.images_to_input`). Adam with a cosine learning-rate decay; with a validation
set, the weights of the epoch with the best validation top-1 are the result.
"""
from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable

import torch
from torch import nn

from models.training import progress

EVAL_BATCH = 500


def logits(model: nn.Module, x: torch.Tensor, batch_size: int = EVAL_BATCH) -> torch.Tensor:
    """The model's outputs on `x`, in eval mode, batched."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        out = torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
    model.train(was_training)
    return out


def inference_seconds(model: nn.Module, x: torch.Tensor, batch_size: int = 100,
                      repeats: int = 3) -> float:
    """Wall-clock seconds of one eval-mode pass over `x`, the fastest of `repeats` (the least
    disturbed by other work on a shared machine)."""
    logits(model, x[:batch_size], batch_size)  # warm-up
    best = math.inf
    for _ in range(repeats):
        started = time.perf_counter()
        logits(model, x, batch_size)
        best = min(best, time.perf_counter() - started)
    return best


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, classes=None) -> float:
    """Top-1 accuracy on (x, y); with `classes`, the prediction is the best of those outputs only
    (y then holds original class numbers, all in `classes`)."""
    out = logits(model, x)
    if classes is None:
        return (out.argmax(1) == y).float().mean().item()
    classes = torch.as_tensor(classes)
    return (classes[out[:, classes].argmax(1)] == y).float().mean().item()


def fit(model: nn.Module, x: torch.Tensor, targets: torch.Tensor, epochs: int, lr: float = 1e-3,
        batch_size: int = 64, loss_fn: Callable | None = None, val: tuple | None = None,
        seed: int = 0, desc: str = "train") -> list[dict]:
    """Train `model` in place on (x, targets) with `loss_fn(outputs, targets)` (default cross
    entropy on labels). Returns one {"epoch", "loss", "seconds" (training only), "val_top1"} per
    epoch; with `val` = (x, y) the best-validation weights are restored at the end."""
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    if len(x) != len(targets):
        raise ValueError(f"{len(x)} inputs but {len(targets)} targets")
    loss_fn = loss_fn or nn.CrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda e: 0.5 * (1.0 + math.cos(math.pi * min(e, epochs) / epochs)))
    generator = torch.Generator().manual_seed(seed)
    history, best, best_state = [], -1.0, None
    for epoch in range(epochs):
        started = time.perf_counter()
        model.train()
        order = torch.randperm(len(x), generator=generator)
        total, seen = 0.0, 0
        bar = progress(range(0, len(order), batch_size), f"{desc} {epoch + 1}/{epochs}",
                       leave=False)
        for start in bar:
            idx = order[start:start + batch_size]
            loss = loss_fn(model(x[idx]), targets[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total, seen = total + loss.item() * len(idx), seen + len(idx)
            bar.set_postfix(loss=f"{total / seen:.4f}")
        schedule.step()
        row = {"epoch": epoch + 1, "loss": total / seen,
               "seconds": round(time.perf_counter() - started, 3)}
        if val is not None:
            row["val_top1"] = accuracy(model, *val)
            if row["val_top1"] > best:
                best, best_state = row["val_top1"], copy.deepcopy(model.state_dict())
        history.append(row)
    if best_state is not None:
        model.load_state_dict(best_state)
    return history
