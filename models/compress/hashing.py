"""HashedNets (Chen et al., "Compressing Neural Networks with the Hashing Trick"): weight sharing
by a hash of the weight's index.

A layer's virtual weight matrix keeps its shape, but its entries are drawn from a small vector of
K = ceil(rate * weights) trainable buckets: w[i] = sign(i) * bucket[h(i)], where i is the weight's
flat index in the torch layout, h a hash onto 0..K-1 and sign a second hash onto {-1, +1} (the
paper's xi, which makes the shared weights' inner products unbiased). Nothing is stored to map a
weight to its bucket: the hash recomputes it, so memory is the buckets alone.

The hash is MurmurHash3's 32-bit finaliser (fmix32) of the index xor a per-layer seed, mapped onto
K buckets by Lemire's multiply-shift (h * K) >> 32: a fixed integer function, the same on every
run and machine, and cheap in hardware (two multipliers, shifts and xors; no modulo).

The transform is a torch parametrisation (`torch.nn.utils.parametrize`) of `weight`: the layer
stays an nn.Conv2d / nn.Linear (so chains, metrics and state dicts work as before), and
`layer.parametrizations.weight.original` holds the buckets.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize

from models.compress.chain import producers, trace_chain

LAYER_SETS = ("both", "conv", "dense")
_M1, _M2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)


def fmix32(x: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finaliser, elementwise on uint32 (wrapping arithmetic)."""
    h = np.asarray(x, dtype=np.uint32).copy()
    with np.errstate(over="ignore"):
        h ^= h >> np.uint32(16)
        h *= _M1
        h ^= h >> np.uint32(13)
        h *= _M2
        h ^= h >> np.uint32(16)
    return h


def bucket_index(n: int, buckets: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(bucket of each index 0..n-1 in 0..buckets-1, its sign in {-1, +1}) for layer `seed`."""
    if not 1 <= buckets <= 2 ** 32:
        raise ValueError(f"buckets must lie in 1..2^32, got {buckets}")
    i = np.arange(n, dtype=np.uint32)
    h = fmix32(i ^ fmix32(np.uint32(2 * seed)))
    s = fmix32(i ^ fmix32(np.uint32(2 * seed + 1)))
    bucket = (h.astype(np.uint64) * np.uint64(buckets)) >> np.uint64(32)
    sign = np.where(s & np.uint32(1), 1.0, -1.0)
    return bucket.astype(np.int64), sign


class HashedWeight(nn.Module):
    """weight = sign * buckets[index]; right_inverse (used when the parametrisation is registered)
    starts each bucket at the mean of the sign-corrected weights hashed into it."""

    def __init__(self, shape: torch.Size, buckets: int, seed: int):
        super().__init__()
        index, sign = bucket_index(math.prod(shape), buckets, seed)
        self.shape, self.buckets, self.seed = tuple(shape), buckets, seed
        self.register_buffer("index", torch.from_numpy(index), persistent=False)
        self.register_buffer("sign", torch.from_numpy(sign).float(), persistent=False)

    def forward(self, buckets: torch.Tensor) -> torch.Tensor:
        return (buckets[self.index] * self.sign).view(self.shape)

    def right_inverse(self, weight: torch.Tensor) -> torch.Tensor:
        flat = weight.detach().reshape(-1) * self.sign
        total = torch.zeros(self.buckets).index_add_(0, self.index, flat)
        count = torch.zeros(self.buckets).index_add_(0, self.index, torch.ones_like(flat))
        return total / count.clamp(min=1)


def is_hashed(layer: nn.Module) -> bool:
    return parametrize.is_parametrized(layer, "weight") and isinstance(
        layer.parametrizations.weight[0], HashedWeight)


def hash_layers(model: nn.Module, example_input: torch.Tensor, rate: float,
                layers: str = "both") -> dict[str, int]:
    """Share the weights of the model's conv and/or dense layers (`layers`: both, conv, dense)
    through hashed buckets, `rate` (0 < rate <= 1) buckets per weight, in place. Plain torch
    layers only (a Brevitas layer quantises its weight itself). Returns {layer: buckets}."""
    if not 0 < rate <= 1:
        raise ValueError(f"compression rate must lie in (0, 1], got {rate}")
    if layers not in LAYER_SETS:
        raise ValueError(f"unknown layer set {layers!r}; supported: {', '.join(LAYER_SETS)}")
    chosen = {}
    for seed, step in enumerate(producers(trace_chain(model, example_input))):
        m = step.module
        if layers != "both" and (layers == "conv") != step.is_conv:
            continue
        if type(m) not in (nn.Conv2d, nn.Linear):
            raise ValueError(f"layer {step.name} is a {type(m).__name__}: HashedNets takes float "
                             "nn.Conv2d / nn.Linear layers (use the float preset)")
        buckets = max(1, math.ceil(rate * m.weight.numel()))
        parametrize.register_parametrization(m, "weight", HashedWeight(m.weight.shape, buckets,
                                                                       seed))
        chosen[step.name] = buckets
    return chosen
