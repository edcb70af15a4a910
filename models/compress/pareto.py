"""The accuracy-cost front of a search: the candidates no other candidate beats, that is, none has
at least their top-1 with at most their LUTs and is better in one of the two. flow.explore's
dominance test, applied to (top-1, -LUT) instead of (fps, -LUT, -BRAM36): at the search's fixed
frames/s only accuracy and area are traded."""
from __future__ import annotations

from flow.explore.front import dominates


def objectives(candidate: dict, reward: str = "val_top1") -> tuple[float, float]:
    """(top-1, -LUT) of a candidate that met the fixed frames/s: both larger is better."""
    return candidate[reward], -candidate["hardware"]["resources"]["LUT"]


def pareto_front(candidates: list[dict], reward: str = "val_top1") -> list[int]:
    """Indices (into `candidates`) of the non-dominated ones among those the compiler built at the
    fixed frames/s, by increasing LUT; of candidates with equal figures the first stands for all."""
    built = [(i, objectives(c, reward)) for i, c in enumerate(candidates) if c["hardware"]["built"]]
    chosen, seen = [], set()
    for i, f in built:
        if f not in seen and not any(dominates(g, f) for _, g in built):
            chosen.append(i)
            seen.add(f)
    return sorted(chosen, key=lambda i: -objectives(candidates[i], reward)[1])
