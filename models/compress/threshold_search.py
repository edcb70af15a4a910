"""The threshold function (Bonsai, Algorithm 2) and its area under the curve (section 3.6).

The threshold function relates the fraction of filters pruned at threshold t to the model's score
(validation accuracy, or loss) after pruning without retraining. It is sampled adaptively: prune at
t_min and t_max, then repeatedly find the neighbouring pair of thresholds (sorted by t) whose scores
differ most and prune at their midpoint, until no gap exceeds the largest desirable gap (or the
evaluation budget is spent). Algorithm 2 as printed has two typos that this follows corrected: the
loop runs while the largest gap is *above* the desirable gap, and the new threshold is the midpoint
(t_j + t_{j+1}) / 2. Thresholds that give the same pruned model share one evaluation (a cache keyed
by the kept filters), and a pair closer than 1e-9 of the threshold range is not split further: the
score jumps there between two neighbouring pruned models.

The area under the curve (score vs fraction pruned, trapezoids) compares criteria on one model: a
criterion whose accuracy plateau lasts longer has a larger area.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise

from torch import nn

from models.compress.bonsai import Bonsai


@dataclass
class Point:
    threshold: float
    fraction_pruned: float
    score: float


@dataclass
class ThresholdFunction:
    criterion: str
    layers: str
    mode: str
    points: list[Point] = field(default_factory=list)
    evaluations: int = 0             # distinct pruned models scored
    higher_is_better: bool = True    # accuracy (True) or loss (False)

    def curve(self) -> list[Point]:
        """Points sorted by fraction pruned (ties by threshold)."""
        return sorted(self.points, key=lambda p: (p.fraction_pruned, p.threshold))

    def auc(self) -> float:
        """Area under score vs fraction pruned (trapezoids over the sampled range)."""
        pts = self.curve()
        return sum((b.fraction_pruned - a.fraction_pruned) * (a.score + b.score) / 2
                   for a, b in pairwise(pts))

    def choose(self, reference: float, tolerance: float) -> Point:
        """The most pruned point whose score is within `tolerance` of `reference` (the unpruned
        model's score): the threshold "near the plateau dropoff". Falls back to the least pruned."""
        ok = [p for p in self.points if (p.score >= reference - tolerance if self.higher_is_better
                                         else p.score <= reference + tolerance)]
        pool = ok or [min(self.points, key=lambda p: p.fraction_pruned)]
        return max(pool, key=lambda p: (p.fraction_pruned, -p.threshold))

    def to_json(self) -> dict:
        return {"criterion": self.criterion, "layers": self.layers, "mode": self.mode,
                "auc": self.auc(), "evaluations": self.evaluations,
                "points": [vars(p) for p in self.curve()]}


def threshold_function(bonsai: Bonsai, score: Callable[[nn.Module], float], max_gap: float = 0.02,
                       max_evals: int = 20, higher_is_better: bool = True,
                       on_point: Callable[[Point], None] | None = None) -> ThresholdFunction:
    """Algorithm 2: sample the threshold function of `bonsai`'s model, criterion, layers and mode.

    `score(pruned_model)` is the validation accuracy (or loss, with higher_is_better=False);
    `max_gap` the largest desirable score gap between neighbouring samples; `max_evals` the budget
    of distinct pruned models to score.
    """
    if max_evals < 2:
        raise ValueError(f"max_evals must be >= 2 (t_min and t_max), got {max_evals}")
    tf = ThresholdFunction(bonsai.criterion, bonsai.layers, bonsai.mode,
                           higher_is_better=higher_is_better)
    cache: dict[tuple, float] = {}
    probes: list[Point] = []  # every threshold tried; tf.points holds one per distinct pruned model

    def sample(t: float) -> None:
        keep = bonsai.plan(t)
        key = tuple((name, tuple(k.tolist())) for name, k in keep.items())
        fraction = bonsai.fraction(keep)
        if key not in cache:
            cache[key] = float(score(bonsai.prune(t).model))
            tf.evaluations += 1
            tf.points.append(Point(t, fraction, cache[key]))
            if on_point is not None:
                on_point(tf.points[-1])
        probes.append(Point(t, fraction, cache[key]))

    t_min, t_max = bonsai.threshold_range()
    sample(t_min)
    sample(t_max)
    resolution = 1e-9 * (t_max - t_min)
    while tf.evaluations < max_evals:
        pts = sorted(probes, key=lambda p: p.threshold)
        pairs = [(abs(a.score - b.score), a, b) for a, b in pairwise(pts)
                 if b.threshold - a.threshold > resolution]
        if not pairs:
            break
        gap, a, b = max(pairs, key=lambda g: g[0])
        if gap <= max_gap:
            break
        sample((a.threshold + b.threshold) / 2)
    return tf
