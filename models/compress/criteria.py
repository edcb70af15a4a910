"""Criterion functions (Bonsai, section 3.2): f: R^(D x H) -> R^H, one value per filter.

A layer's weights are seen as a D x H matrix, one column per filter: D = k1*k2*I for a conv layer
with H filters, D = I for a dense layer with H units. Higher values mean a more valuable filter;
Bonsai removes filters whose value is below the threshold. The four criteria of the paper are
registered here; `register_criterion` adds user criteria, which are then available everywhere a
criterion is named (the prune CLI included, via --criterion-module).

For Brevitas layers the criteria see the latent float weights (what training updates), not the
quantized ones: a binary layer's quantized weights are all +-1 and would make max |w| constant.
"""
from __future__ import annotations

from collections.abc import Callable

import torch

Criterion = Callable[[torch.Tensor], torch.Tensor]

CRITERIA: dict[str, Criterion] = {}


def register_criterion(name: str):
    """Decorator: register `f(W: D x H tensor) -> H tensor` as criterion `name`."""
    def decorate(fn: Criterion) -> Criterion:
        if name in CRITERIA:
            raise ValueError(f"criterion {name!r} is already registered "
                             f"({CRITERIA[name].__module__})")
        CRITERIA[name] = fn
        return fn
    return decorate


def get_criterion(name: str) -> Criterion:
    if name not in CRITERIA:
        raise ValueError(f"unknown criterion {name!r}; registered: {', '.join(CRITERIA)}")
    return CRITERIA[name]


def filter_matrix(weight: torch.Tensor) -> torch.Tensor:
    """The D x H matrix of a conv (H, I, k1, k2) or dense (H, I) weight: column h is filter h."""
    return weight.detach().reshape(weight.shape[0], -1).T


def evaluate(name: str, weight: torch.Tensor) -> torch.Tensor:
    """Criterion `name` on a conv or dense weight tensor; checks the shape of what it returns."""
    values = get_criterion(name)(filter_matrix(weight))
    h = weight.shape[0]
    if not isinstance(values, torch.Tensor) or values.shape != (h,):
        shape = tuple(values.shape) if isinstance(values, torch.Tensor) else type(values).__name__
        raise ValueError(f"criterion {name!r} must return a tensor of shape ({h},) for a layer "
                         f"with {h} filters, got {shape}")
    return values.float()


@register_criterion("sd")
def standard_deviation(w: torch.Tensor) -> torch.Tensor:
    return w.std(dim=0, unbiased=False)


@register_criterion("max")
def max_abs(w: torch.Tensor) -> torch.Tensor:
    return w.abs().amax(dim=0)


@register_criterion("mean")
def mean_abs(w: torch.Tensor) -> torch.Tensor:
    return w.abs().mean(dim=0)


@register_criterion("range")
def value_range(w: torch.Tensor) -> torch.Tensor:
    return w.amax(dim=0) - w.amin(dim=0)
