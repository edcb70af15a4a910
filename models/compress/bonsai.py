"""Bonsai / Combine criterion-based pruning (Bingham and Helmich, Algorithm 1).

Choose the prunable layers (conv, dense or both; the output layer never), a criterion, static or
progressive application and one threshold t. Walking the layers in order, every filter whose
criterion value is below t is removed; when t would remove all filters of a layer, the filter with
the largest value stays. Static application computes all criterion values once on the original
weights (and memoises them, so many thresholds are cheap); progressive application computes a
layer's values after the layers before it were pruned, i.e. on its weights without the input
columns of removed channels. Removal is structural (models.compress.surgery).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from models.compress.chain import PRODUCER, Step, trace_chain
from models.compress.criteria import evaluate
from models.compress.surgery import consumer_indices, consumer_of, remove_channels

LAYER_SETS = ("conv", "dense", "both")
MODES = ("static", "progressive")


def prunable_indices(steps: list[Step], layers: str | Sequence[str]) -> list[int]:
    """Indices into `steps` of the prunable layers: those of set `layers`, or the layers named in
    `layers` (a hardware bottleneck chooses them: models/compress/siamfc_prune.py); never the last
    producer."""
    producer_idx = [i for i, s in enumerate(steps) if s.kind == PRODUCER][:-1]
    if not isinstance(layers, str):
        by_name = {steps[i].name: i for i in producer_idx}
        unknown = [n for n in layers if n not in by_name]
        if unknown or not layers:
            raise ValueError(f"cannot prune {unknown or 'no layers'}: the prunable layers are "
                             f"{', '.join(by_name)} (the output layer never)")
        return sorted(by_name[n] for n in set(layers))
    if layers not in LAYER_SETS:
        raise ValueError(f"unknown layer set {layers!r}; supported: {', '.join(LAYER_SETS)}")
    wanted = {"conv": lambda s: s.is_conv, "dense": lambda s: not s.is_conv,
              "both": lambda s: True}[layers]
    return [i for i in producer_idx if wanted(steps[i])]


def select(values: torch.Tensor, threshold: float) -> torch.Tensor:
    """Indices of the filters kept: value >= threshold, or the best one if none is."""
    keep = torch.nonzero(values >= threshold).flatten()
    return keep if len(keep) else values.argmax().reshape(1)


@dataclass
class PruneResult:
    model: nn.Module
    keep: dict[str, list[int]]          # prunable layer -> kept filter indices
    filters_before: dict[str, int]
    threshold: float

    @property
    def filters_removed(self) -> int:
        return sum(self.filters_before[n] - len(k) for n, k in self.keep.items())

    @property
    def fraction_pruned(self) -> float:
        """Removed filters / all filters of the prunable layers (Bonsai's "% pruned")."""
        return self.filters_removed / sum(self.filters_before.values())


class Bonsai:
    """Algorithm 1 for one model, criterion, layer set and mode; `prune(t)` for any threshold t."""

    def __init__(self, model: nn.Module, example_input: torch.Tensor, criterion: str,
                 layers: str | Sequence[str] = "both", mode: str = "static"):
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; supported: {', '.join(MODES)}")
        self.model, self.example_input = model, example_input
        self.criterion, self.layers, self.mode = criterion, layers, mode
        self.steps = trace_chain(model, example_input)
        self.indices = prunable_indices(self.steps, layers)
        if not self.indices:
            raise ValueError(f"the model has no prunable {layers} layer before its output layer")
        self.static_values = {i: evaluate(criterion, self.steps[i].module.weight)
                              for i in self.indices}

    def threshold_range(self) -> tuple[float, float]:
        """(t_min, t_max): t_min prunes nothing; t_max (statically) leaves one filter per layer."""
        values = torch.cat(list(self.static_values.values()))
        return values.min().item(), values.max().item() + 1e-6 * max(1.0, abs(values.max().item()))

    def fraction(self, keep: dict[str, torch.Tensor]) -> float:
        """Removed filters / all filters of the prunable layers, for a plan."""
        total = sum(self.steps[i].out_shape[0] for i in self.indices)
        return 1 - sum(len(k) for k in keep.values()) / total

    def threshold_for_fraction(self, fraction: float, iterations: int = 60) -> float:
        """The smallest threshold (to bisection precision) that prunes at least `fraction` of the
        filters; the largest reachable fraction leaves one filter per layer."""
        lo, hi = self.threshold_range()
        if self.fraction(self.plan(hi)) < fraction:
            raise ValueError(f"{self.criterion}/{self.layers}: at most "
                             f"{self.fraction(self.plan(hi)):.3f} of the filters can be pruned, "
                             f"not {fraction}")
        for _ in range(iterations):
            mid = (lo + hi) / 2
            lo, hi = (lo, mid) if self.fraction(self.plan(mid)) >= fraction else (mid, hi)
        return hi

    def plan(self, threshold: float) -> dict[str, torch.Tensor]:
        """Kept filter indices of every prunable layer at `threshold`."""
        keep: dict[str, torch.Tensor] = {}
        kept_inputs: dict[str, torch.Tensor] = {}
        for i in self.indices:
            step = self.steps[i]
            if self.mode == "static":
                values = self.static_values[i]
            else:
                w = step.module.weight
                if step.name in kept_inputs:
                    w = w.index_select(1, kept_inputs[step.name])
                values = evaluate(self.criterion, w)
            keep[step.name] = select(values, threshold)
            consumer = consumer_of(self.steps, i)[1]
            kept_inputs[consumer.name] = consumer_indices(self.steps, i, keep[step.name])
        return keep

    def prune(self, threshold: float) -> PruneResult:
        keep = self.plan(threshold)
        model = remove_channels(self.model, self.example_input, keep)
        before = {self.steps[i].name: self.steps[i].out_shape[0] for i in self.indices}
        return PruneResult(model, {n: k.tolist() for n, k in keep.items()}, before, threshold)


def prune(model: nn.Module, example_input: torch.Tensor, criterion: str, threshold: float,
          layers: str = "both", mode: str = "static") -> PruneResult:
    """Algorithm 1 once: a smaller copy of `model` and what was kept."""
    return Bonsai(model, example_input, criterion, layers, mode).prune(threshold)
