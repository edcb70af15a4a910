"""Small Brevitas networks that exercise every streamlining and lowering path, and the
compiler front half run on them (export -> integer graph -> reference -> hardware graph)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from flow.frontend import export_brevitas
from flow.lower import lower_to_hardware
from flow.reference import make_reference, run_reference, session
from flow.streamline import integerize
from models.quant import input_quant, quant_act, quant_conv2d, quant_linear


class Net(nn.Module):
    def __init__(self, *layers):
        super().__init__()
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x)


def int4_convnet():
    """INT4 weights, 4/2-bit unsigned activations, padding, a 1x1 conv, max pooling, flatten."""
    return Net(input_quant(8),
               quant_conv2d(3, 8, 3, padding=1, weight_bits=4), nn.BatchNorm2d(8), quant_act(4),
               nn.MaxPool2d(2),
               quant_conv2d(8, 6, 1, weight_bits=4), nn.BatchNorm2d(6), quant_act(2),
               quant_conv2d(6, 4, 3, stride=2, weight_bits=4), nn.BatchNorm2d(4), quant_act(4),
               nn.Flatten(), quant_linear(4, 10, weight_bits=4))


def binary_convnet():
    """Binary (xnor) hidden layers behind an 8-bit input layer with binary weights."""
    return Net(input_quant(8),
               quant_conv2d(3, 16, 3, weight_bits=1), nn.BatchNorm2d(16), quant_act(1),
               quant_conv2d(16, 16, 3, weight_bits=1), nn.BatchNorm2d(16), quant_act(1),
               nn.MaxPool2d(2),
               nn.Flatten(), quant_linear(16 * 3 * 3, 12, weight_bits=1), nn.BatchNorm1d(12), quant_act(1),
               quant_linear(12, 5, weight_bits=1))


def binary_mlp():
    return Net(nn.Flatten(), quant_act(1),  # a sign as the input quantizer: bipolar codes
               quant_linear(36, 24, weight_bits=1), nn.BatchNorm1d(24), quant_act(1),
               quant_linear(24, 8, weight_bits=1))


NETS = {  # name: (constructor, input shape)
    "int4_convnet": (int4_convnet, (1, 3, 8, 8)),
    "binary_convnet": (binary_convnet, (1, 3, 10, 10)),
    "binary_mlp": (binary_mlp, (1, 1, 6, 6)),
}


def randomized(model: nn.Module, seed: int) -> nn.Module:
    """Random weights and BatchNorm statistics with mixed signs (negative scales included)."""
    gen = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.weight.data = torch.randn(n, generator=gen)
            m.bias.data = torch.randn(n, generator=gen)
            m.running_mean.data = torch.randn(n, generator=gen)
            m.running_var.data = torch.rand(n, generator=gen) + 0.2
    return model.eval()


@dataclass
class Compiled:
    torch_model: nn.Module
    qonnx: object
    integer: object
    reference: object
    hardware: object
    inputs: np.ndarray


def compile_net(name: str, workdir: Path, seed: int = 0, inputs: int = 8) -> Compiled:
    make, shape = NETS[name]
    torch.manual_seed(seed)
    model = randomized(make(), seed)
    x = np.random.default_rng(seed).uniform(-1, 1, (inputs, *shape[1:])).astype(np.float32)
    qonnx_model = export_brevitas(model, torch.from_numpy(x[:1]), Path(workdir) / f"{name}.onnx")
    integer = integerize(qonnx_model)
    return Compiled(model, qonnx_model, integer, make_reference(integer), lower_to_hardware(integer), x)


def reference_outputs(compiled: Compiled) -> dict:
    return run_reference(session(compiled.reference), compiled.inputs)
