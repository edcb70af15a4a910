"""Binarisation (Rastegari et al., "XNOR-Net", as compared by Rassadin and Savchenko): a trained
float model's weights carried into a binary preset of the same architecture, and XNOR-Net's
per-position input scale K.

The presets (models/quant.py) are the methods: `bwn` binary weights x mean |w| per output channel
with float activations, `xnor` the same weights with binary activations, `binact` float weights
with binary activations, and the hardware variants `bwn_a8` (INT8 activations) and `binact_w8`
(INT8 weights). `from_float` copies the float model's conv/dense weights and BatchNorms into the
preset model, layer by layer in call order: the starting point of fine-tuning.

XNOR-Net scales a binary convolution's output by K, the mean of |input| over channels averaged
over each k x k window (one value per output position; for a dense layer, one per sample). It
depends on the input itself, so unlike the per-channel alpha it cannot be folded into the
compiler's thresholds; `add_input_scale` adds it to a model in torch only, to measure what
dropping it costs.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.compress.chain import FLATTEN, PRODUCER, trace_chain
from models.compress.metrics import activation_bits
from models.compress.source import example_input
from models.recipes.classification import build_model


def _parametrised(steps) -> list[nn.Module]:
    return [s.module for s in steps
            if s.kind == PRODUCER or isinstance(s.module, (nn.BatchNorm1d, nn.BatchNorm2d))]


def from_float(float_model: nn.Module, config: dict, preset: str) -> tuple[nn.Module, dict]:
    """(the model of `config` rebuilt with `preset`, its config), carrying `float_model`'s
    conv/dense weights and BatchNorm parameters and statistics over (biases are dropped where the
    preset has none)."""
    cfg = dict(config, preset=preset)
    model, _ = build_model(cfg)
    ex = example_input(cfg)
    src = _parametrised(trace_chain(float_model, ex))
    dst = _parametrised(trace_chain(model, ex))
    for s, d in zip(src, dst, strict=False):
        if type(s).__name__ != type(d).__name__ and s.weight.shape != d.weight.shape:
            raise ValueError(f"layer {type(s).__name__} {tuple(s.weight.shape)} has no "
                             f"counterpart in the {preset} model ({type(d).__name__})")
        with torch.no_grad():
            d.weight.copy_(s.weight)
            if isinstance(d, (nn.BatchNorm1d, nn.BatchNorm2d)):
                d.bias.copy_(s.bias)
                d.running_mean.copy_(s.running_mean)
                d.running_var.copy_(s.running_var)
            elif d.bias is not None and s.bias is not None:
                d.bias.copy_(s.bias)
    return model, cfg


class InputScaled(nn.Module):
    """XNOR-Net's K around a conv/dense layer: binarise the real-valued input with `act`, apply
    `layer`, multiply each output position by the mean |input| over channels (averaged over the
    conv's window; for a dense layer one value per sample)."""

    def __init__(self, act: nn.Module, layer: nn.Module):
        super().__init__()
        self.act, self.layer = act, layer

    def forward(self, x):
        out = self.layer(self.act(x))
        a = x.abs().mean(dim=1, keepdim=True)
        if isinstance(self.layer, nn.Conv2d):
            a = F.avg_pool2d(a, self.layer.kernel_size, self.layer.stride, self.layer.padding)
        return out * a


def _set(model: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, module)


def add_input_scale(model: nn.Module, ex: torch.Tensor) -> list[str]:
    """Give every conv/dense layer fed by a binary activation XNOR-Net's K, in place: the
    activation becomes an identity and the layer an InputScaled that binarises itself. A max pool,
    flatten or dropout may sit between the two (max pooling commutes with the sign). Returns the layers'
    names."""
    steps = trace_chain(model, ex)
    wrapped, act = [], None
    for step in steps:
        if step.kind == PRODUCER:
            if act is not None:
                _set(model, act.name, nn.Identity())
                _set(model, step.name, InputScaled(act.module, step.module))
                wrapped.append(step.name)
            act = None
        elif activation_bits(step) == 1:
            act = step
        elif not (step.kind == FLATTEN or isinstance(step.module, (nn.MaxPool2d, nn.Dropout))):
            act = None
    return wrapped
