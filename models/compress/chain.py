"""The layer chain of a feed-forward network, as the compression passes see it.

Pruning and neuron removal need to know, for every conv or dense layer, which layers its outputs
pass through before they reach the next conv or dense layer (Bonsai, Algorithm 1: "while l_{i+k}
is not prunable, collect transformation metadata"). `trace_chain` runs the model once on an example
input with forward hooks and records, in call order, every layer of a recognised kind together with
its input and output shapes. Plain torch layers and their Brevitas counterparts are recognised
alike (QuantConv2d is a Conv2d, TruncAvgPool2d an AvgPool2d, QuantReLU a QuantNonLinearActLayer).

Supported are chains: every layer consumes the previous layer's output tensor itself or a view of
it (checked by storage), as in VGG-style `features` + `classifier`; the one reshape allowed between
layers is a flatten (an nn.Flatten, or `x.flatten(1)` in forward). Anything else (branches,
residuals, functional operations between layers) fails with a message naming the layer.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import torch
from brevitas.nn.quant_layer import QuantNonLinearActLayer
from torch import nn

# What each recognised kind of layer does to a channel:
#   producer     computes new channels (conv, dense): its outputs are what gets pruned
#   channelwise  keeps shape, may hold one value per channel (BatchNorm, activations, dropout)
#   spatial      keeps channels, changes height/width (pooling)
#   flatten      (N, C, H, W) -> (N, C*H*W), channel-major
PRODUCER, CHANNELWISE, SPATIAL, FLATTEN = "producer", "channelwise", "spatial", "flatten"

_KINDS: list[tuple[tuple[type, ...], str]] = [
    ((nn.Conv2d, nn.Linear), PRODUCER),
    ((nn.BatchNorm1d, nn.BatchNorm2d, QuantNonLinearActLayer, nn.ReLU, nn.ReLU6, nn.LeakyReLU,
      nn.PReLU, nn.Hardtanh, nn.Tanh, nn.Sigmoid, nn.ELU, nn.GELU, nn.SiLU, nn.Identity,
      nn.Dropout, nn.Dropout2d), CHANNELWISE),
    ((nn.MaxPool2d, nn.AvgPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d), SPATIAL),
    ((nn.Flatten,), FLATTEN),
]


class ChainError(ValueError):
    """The model is not a chain of layers that the compression passes can edit."""


@dataclass
class Step:
    """One recognised layer, as called in the traced forward pass."""
    name: str
    module: nn.Module
    kind: str
    in_shape: tuple[int, ...]   # without the batch dimension
    out_shape: tuple[int, ...]

    @property
    def is_conv(self) -> bool:
        return isinstance(self.module, nn.Conv2d)


def kind_of(module: nn.Module) -> str | None:
    for types, kind in _KINDS:
        if isinstance(module, types):
            return kind
    return None


def _tensor(t) -> torch.Tensor:
    return getattr(t, "value", t)  # Brevitas QuantTensor


def _shape(t) -> tuple[int, ...]:
    return tuple(_tensor(t).shape[1:])


def _storage(t) -> int:
    return _tensor(t).untyped_storage().data_ptr()


def _numel(shape: tuple[int, ...]) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _layers(model: nn.Module) -> tuple[dict[str, nn.Module], dict[str, nn.Module]]:
    """Recognised layers (outermost only: QuantReLU's inner nn.ReLU is part of the QuantReLU), and
    unrecognised leaf modules outside them (which must not run in the forward pass)."""
    known: dict[str, nn.Module] = {}
    unknown: dict[str, nn.Module] = {}
    for name, m in model.named_modules():
        if any(name.startswith(k + ".") for k in known):
            continue
        if kind_of(m) is not None:
            known[name] = m
        elif not list(m.children()) and name:
            unknown[name] = m
    return known, unknown


def trace_chain(model: nn.Module, example_input: torch.Tensor,
                editable: bool = True) -> list[Step]:
    """Run `model` once (eval mode, no grad) and return its recognised layers in call order.
    `editable=False` (for reading only, e.g. metrics) also accepts grouped convolutions, which the
    channel surgery cannot edit."""
    known, unknown = _layers(model)
    calls: list[tuple[str, tuple, tuple, int, int]] = []
    strays: list[str] = []
    handles = []
    for name, m in known.items():
        handles.append(m.register_forward_hook(
            lambda mod, inp, out, name=name: calls.append(
                (name, _shape(inp[0]), _shape(out), _storage(inp[0]), _storage(out)))))
    for name, m in unknown.items():
        handles.append(m.register_forward_hook(
            lambda mod, inp, out, name=name: strays.append(f"{name} ({type(mod).__name__})")))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(example_input)
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    if strays:
        raise ChainError("layers of unsupported kinds run in the forward pass: "
                         f"{', '.join(strays)}; "
                         "supported are conv2d/linear, batchnorm, activations, dropout, pooling, "
                         "flatten (torch or Brevitas)")
    steps: list[Step] = []
    for i, (name, in_shape, out_shape, in_ptr, _) in enumerate(calls):
        if any(s.name == name for s in steps):
            raise ChainError(f"layer {name} runs more than once in the forward pass; only chains "
                             "where each layer runs once are supported")
        if i > 0 and in_ptr != calls[i - 1][4]:
            raise ChainError(f"layer {name} does not consume the output of {calls[i - 1][0]} "
                             "(or a reshaped view of it): only chains of layers are supported (no "
                             "branches, residuals, concatenations, or functional operations "
                             "between layers; make them modules)")
        steps.append(Step(name, known[name], kind_of(known[name]), in_shape, out_shape))
    _check_chain(steps, editable)
    return steps


def _check_chain(steps: list[Step], editable: bool) -> None:
    if not any(s.kind == PRODUCER for s in steps):
        raise ChainError("the model has no conv2d or linear layer")
    for prev, step in pairwise(steps):
        reshaped = prev.out_shape != step.in_shape
        if reshaped and not (len(prev.out_shape) == 3 and len(step.in_shape) == 1
                             and _numel(prev.out_shape) == _numel(step.in_shape)):
            raise ChainError(f"unsupported reshape {prev.out_shape} -> {step.in_shape} between "
                             f"{prev.name} and {step.name}; only flattening (C, H, W) -> (C*H*W,)")
    for s in steps:
        if editable and isinstance(s.module, nn.Conv2d) and s.module.groups != 1:
            raise ChainError(f"conv layer {s.name} has groups={s.module.groups}; only groups=1 "
                             "is supported")
        if isinstance(s.module, nn.Linear) and len(s.in_shape) != 1:
            raise ChainError(f"linear layer {s.name} gets input of shape {s.in_shape}; only "
                             "(features,) inputs are supported")


def producers(steps: list[Step]) -> list[Step]:
    return [s for s in steps if s.kind == PRODUCER]
