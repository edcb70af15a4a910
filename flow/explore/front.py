"""The fps-resources front: the points no other point of the same design beats, that is, none has
at least their frames/s with at most their LUTs and BRAM and is better in one of the three."""

from __future__ import annotations

OBJECTIVES = (("fps", 1), ("LUT", -1), ("BRAM36", -1))   # (figure, +1 more is better / -1 less)


def figures(point: dict) -> tuple[float, ...]:
    est = point["estimate"]
    values = {"fps": est["fps"], **est["resources"]}
    return tuple(sign * values[name] for name, sign in OBJECTIVES)


def dominates(a: tuple, b: tuple) -> bool:
    return all(x >= y for x, y in zip(a, b, strict=True)) and any(x > y for x, y in zip(a, b, strict=True))


def front(points: list[dict]) -> list[dict]:
    """The non-dominated points among those that fit their board, per design, each figure set once
    (points of equal figures are one design point: the first stands for them)."""
    fitting = [p for p in points if p["estimate"].get("fits")]
    chosen, seen = [], set()
    for p in fitting:
        f = figures(p)
        if (p["design"], f) in seen:
            continue
        if not any(q["design"] == p["design"] and dominates(figures(q), f) for q in fitting):
            chosen.append(p)
            seen.add((p["design"], f))
    return sorted(chosen, key=lambda p: (p["design"], p["estimate"]["fps"]))
