"""The space the hardware-aware search draws from: a VGG's hidden-layer channel counts and each
layer's quantisation preset (mixed precision), and a seeded random sample of it.

A candidate scales every hidden conv and dense layer of the VGG variant by its own multiplier
(rounded, at least one channel) and gives every conv and dense layer, the last included, one of
the presets the compiler builds: the layer's weights get the preset's weight bits and the
activation after it the preset's activation bits. The image input is 8-bit in every preset.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from models.quant import PRESETS
from models.vgg import hidden_widths

VARIANTS = ("vgg_a", "vgg_b", "vgg_c")
# integer all through (what the compiler builds), with the scale the folding absorbs
BUILDABLE_PRESETS = ("w1a1", "w2a2", "w4a4", "xnor", "bwn_a8", "binact_w8")


@dataclass(frozen=True)
class Candidate:
    """One point of the space: hidden-layer channel counts and one preset per conv/dense layer."""
    widths: tuple[int, ...]
    presets: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{'-'.join(map(str, self.widths))} | {' '.join(self.presets)}"


@dataclass(frozen=True)
class SearchSpace:
    arch: str = "vgg_c"
    multipliers: tuple[float, ...] = (0.5, 1.0, 2.0)
    presets: tuple[str, ...] = ("w1a1", "w2a2", "w4a4")

    def check(self) -> SearchSpace:
        """Raise ValueError (one line, naming the value) for a space that cannot be searched."""
        if self.arch not in VARIANTS:
            raise ValueError(f"arch {self.arch!r}: supported {', '.join(VARIANTS)}")
        if not self.multipliers or any(not m > 0 for m in self.multipliers):
            raise ValueError(f"width multipliers {list(self.multipliers)}: need positive numbers")
        if not self.presets:
            raise ValueError("presets: none given")
        for p in self.presets:
            if p not in BUILDABLE_PRESETS:
                known = "a float preset the compiler does not build" if p in PRESETS else "unknown"
                raise ValueError(f"preset {p!r}: {known}; supported: {', '.join(BUILDABLE_PRESETS)}")
        return self

    @property
    def base_widths(self) -> list[int]:
        return hidden_widths(self.arch)

    def size(self) -> int:
        """The number of distinct candidates (multipliers that round to one width count once)."""
        size = len(set(self.presets)) ** (len(self.base_widths) + 1)
        for w in self.base_widths:
            size *= len({_scaled(w, m) for m in self.multipliers})
        return size

    def sample(self, rng: np.random.Generator) -> Candidate:
        base = self.base_widths
        scale = rng.choice(np.asarray(self.multipliers, dtype=float), size=len(base))
        presets = rng.choice(np.asarray(self.presets), size=len(base) + 1)
        return Candidate(tuple(_scaled(w, s) for w, s in zip(base, scale, strict=True)),
                         tuple(str(p) for p in presets))


def _scaled(width: int, multiplier: float) -> int:
    return max(1, round(width * multiplier))


def sample_candidates(space: SearchSpace, budget: int, seed: int) -> list[Candidate]:
    """`budget` distinct candidates drawn uniformly at random with numpy's generator seeded by
    `seed`: the same list for the same space and seed on every machine."""
    space.check()
    if budget < 1:
        raise ValueError(f"budget {budget}: must be at least 1")
    if budget > space.size():
        raise ValueError(f"budget {budget}: the space holds only {space.size()} candidates")
    rng = np.random.default_rng(seed)
    chosen: dict[Candidate, None] = {}
    while len(chosen) < budget:
        chosen.setdefault(space.sample(rng))
    return list(chosen)
