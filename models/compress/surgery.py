"""Structural removal of conv filters and dense units (no masks: the result is a smaller model).

Removing output channel j of a producer (conv or dense layer) means:
  - its weight rows and every per-output-channel tensor it holds (bias, a Brevitas per-channel
    weight scale) lose entry j;
  - every layer between it and the next producer loses channel j: BatchNorm statistics and affine
    parameters, PReLU slopes, per-channel Brevitas activation scales (pooling, dropout, per-tensor
    activations have nothing per channel);
  - after a flatten, channel j of a (C, H, W) feature map is the block of inputs
    j*H*W ... (j+1)*H*W - 1 (channel-major, as torch flattens NCHW);
  - the next producer loses the matching input columns.
This is Bonsai's Algorithm 1 bookkeeping ("remove input filters at indices from l_{i+k}
accounting for transformations"), done once for any set of producers.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence

import torch
from brevitas.proxy.quant_proxy import QuantProxyFromInjector
from torch import nn

from models.compress.chain import CHANNELWISE, FLATTEN, PRODUCER, Step, trace_chain


def flat_indices(channels: torch.Tensor, chw: tuple[int, ...]) -> torch.Tensor:
    """Indices into the flattened (C*H*W,) vector of the given channels of a (C, H, W) map."""
    per_channel = chw[1] * chw[2]
    return (channels[:, None] * per_channel + torch.arange(per_channel)[None, :]).reshape(-1)


def consumer_of(steps: list[Step], index: int) -> tuple[list[Step], Step | None]:
    """The layers between producer steps[index] and the next producer, and that producer (None for
    the last one)."""
    between = []
    for s in steps[index + 1:]:
        if s.kind == PRODUCER:
            return between, s
        between.append(s)
    return between, None


def walk_downstream(steps: list[Step], index: int, keep: torch.Tensor):
    """Yield (layer, indices of its inputs that remain) for every layer after producer steps[index]
    up to and including the next producer, when that producer keeps output channels `keep`."""
    between, consumer = consumer_of(steps, index)
    cur, shape = keep, steps[index].out_shape
    for s in between + ([consumer] if consumer is not None else []):
        if s.in_shape != shape:  # flatten in forward (trace_chain allows only that reshape)
            cur = flat_indices(cur, shape)
        yield s, cur
        if s.kind == FLATTEN and len(s.in_shape) == 3:
            cur = flat_indices(cur, s.in_shape)
        shape = s.out_shape


def consumer_indices(steps: list[Step], index: int, keep: torch.Tensor) -> torch.Tensor | None:
    """Which inputs of the next producer remain when producer steps[index] keeps channels `keep`."""
    walked = list(walk_downstream(steps, index, keep))
    if not walked or walked[-1][0].kind != PRODUCER:
        return None
    return walked[-1][1]


def _replace(module: nn.Module, name: str, value: torch.Tensor) -> None:
    owner_name, _, leaf = name.rpartition(".")
    owner = module.get_submodule(owner_name) if owner_name else module
    if leaf in owner._parameters:
        old = owner._parameters[leaf]
        owner._parameters[leaf] = nn.Parameter(value.detach().clone(),
                                               requires_grad=old.requires_grad)
    else:
        owner._buffers[leaf] = value.detach().clone()


def _per_channel(module: nn.Module, n: int, keep: torch.Tensor, skip: Sequence[str] = ()) -> dict:
    """The parameters and buffers of `module` (and its submodules) that hold one value per channel
    (exactly one dimension of size n, all others of size 1), with only entries `keep`. Covers bias,
    BatchNorm statistics, PReLU slopes and Brevitas per-channel scales ((n,1,1,1) or (1,n,1,1))."""
    out = {}
    if n == 1:
        return out
    for name, t in list(module.named_parameters()) + list(module.named_buffers()):
        dims = [d for d, size in enumerate(t.shape) if size == n]
        if name not in skip and t.numel() == n and len(dims) == 1:
            out[name] = t.index_select(dims[0], keep.to(t.device))
    return out


def _apply(module: nn.Module, tensors: dict, attrs: dict,
           channels: tuple[int, int] | None = None) -> None:
    """Put the resized `tensors` and shape attributes into `module`. Brevitas quantizers derive
    shapes (per-channel scales, statistics views) from their layer when built, or, in activations,
    from per_channel_broadcastable_shape, which `channels` = (n, new_n) resizes; so they are
    rebuilt for the new shapes and then given back their state (learned scales, sliced)."""
    for name, t in tensors.items():
        _replace(module, name, t)
    for attr, value in attrs.items():
        setattr(module, attr, value)
    proxies = [m for m in module.modules() if isinstance(m, QuantProxyFromInjector)]
    if proxies and tensors:
        state = module.state_dict()
        for proxy in proxies:
            injector = proxy.quant_injector
            shape = injector.per_channel_broadcastable_shape \
                if "per_channel_broadcastable_shape" in injector else None
            if channels is not None and shape is not None and channels[0] in shape:
                shape = tuple(channels[1] if d == channels[0] else d for d in shape)
                proxy.quant_injector = injector.let(per_channel_broadcastable_shape=shape)
            proxy.update_tracked_modules()
            proxy.init_tensor_quant()
        module.load_state_dict(state)


def _check_keep(step: Step, idx: Sequence[int]) -> torch.Tensor:
    n = step.out_shape[0]
    keep = torch.as_tensor(sorted(set(int(i) for i in idx)), dtype=torch.long)
    if len(keep) == 0:
        raise ValueError(f"layer {step.name}: cannot remove all {n} output channels")
    if len(keep) != len(idx):
        raise ValueError(f"layer {step.name}: kept indices contain duplicates")
    if keep[0] < 0 or keep[-1] >= n:
        raise ValueError(f"layer {step.name}: kept indices must lie in [0, {n}), got {list(idx)}")
    return keep


def remove_channels(model: nn.Module, example_input: torch.Tensor,
                    keep: Mapping[str, Sequence[int]]) -> nn.Module:
    """A copy of `model` in which each producer named in `keep` has only the listed output channels
    (conv filters or dense units), with every downstream layer edited to match."""
    pruned = copy.deepcopy(model)
    steps = trace_chain(pruned, example_input)
    by_name = {s.name: i for i, s in enumerate(steps)}
    for name in keep:
        if name not in by_name or steps[by_name[name]].kind != PRODUCER:
            names = [s.name for s in steps if s.kind == PRODUCER]
            raise ValueError(f"{name!r} is not a conv or linear layer of the model; "
                             f"those are {names}")
    for i, step in enumerate(steps):
        if step.kind != PRODUCER or step.name not in keep:
            continue
        k = _check_keep(step, keep[step.name])
        if len(k) == step.out_shape[0]:
            continue
        m = step.module
        tensors = _per_channel(m, step.out_shape[0], k, skip=("weight",))
        tensors["weight"] = m.weight.index_select(0, k)
        _apply(m, tensors, {"out_channels" if isinstance(m, nn.Conv2d) else "out_features": len(k)})
        for s, cur in walk_downstream(steps, i, k):
            n = s.in_shape[0]
            if s.kind == CHANNELWISE:
                attrs = {a: len(cur) for a in ("num_features", "num_parameters")
                         if getattr(s.module, a, None) == n}
                _apply(s.module, _per_channel(s.module, n, cur), attrs, (n, len(cur)))
            elif s.kind == PRODUCER:
                c = s.module
                _apply(c, {"weight": c.weight.index_select(1, cur)},
                       {"in_channels" if isinstance(c, nn.Conv2d) else "in_features": len(cur)})
    return pruned
