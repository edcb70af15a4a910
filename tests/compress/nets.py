"""Small chain networks for the compression tests: float, and Brevitas from models.quant."""
from __future__ import annotations

import torch
from torch import nn

from models.quant import input_quant, quant_act, quant_conv2d, quant_linear

IN_SHAPE = (1, 12, 12)


def tiny(weight_bits=None, act_bits=None, classes: int = 5) -> nn.Sequential:
    """conv-BN-act-maxpool-conv-BN-act-flatten-dense-BN-act-dropout-dense on 1x12x12 inputs.
    Flatten sees 8 x 3 x 3, so the flatten index mapping is exercised."""
    q = weight_bits is not None
    layers = [input_quant(8)] if q else []
    layers += [quant_conv2d(1, 6, 3, weight_bits=weight_bits), nn.BatchNorm2d(6),
               quant_act(act_bits), nn.MaxPool2d(2),
               quant_conv2d(6, 8, 3, weight_bits=weight_bits), nn.BatchNorm2d(8),
               quant_act(act_bits),
               nn.Flatten(),
               quant_linear(72, 16, weight_bits=weight_bits), nn.BatchNorm1d(16),
               quant_act(act_bits),
               nn.Dropout(0.2),
               quant_linear(16, classes, weight_bits=weight_bits, bias=not q)]
    return nn.Sequential(*layers)


class ImplicitFlatten(nn.Module):
    """Like `tiny` (float), but flattening with x.flatten(1) in forward instead of nn.Flatten."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 6, 3), nn.BatchNorm2d(6), nn.ReLU(),
                                      nn.AvgPool2d(2), nn.Conv2d(6, 8, 3), nn.ReLU())
        self.classifier = nn.Sequential(nn.Linear(72, 16), nn.ReLU(), nn.Linear(16, 5))

    def forward(self, x):
        return self.classifier(self.features(x).flatten(1))


class Residual(nn.Module):
    """Not a chain: the second conv's output is added to its input."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(1, 4, 3, padding=1), nn.Conv2d(4, 4, 3, padding=1)
        self.head = nn.Linear(4 * 12 * 12, 3)

    def forward(self, x):
        y = self.a(x)
        return self.head((y + self.b(y)).flatten(1))


def randomize_batchnorm(model: nn.Module, seed: int = 0) -> nn.Module:
    """Non-trivial BatchNorm statistics and affine parameters, so dropped entries would show."""
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.running_mean.copy_(torch.rand(n, generator=g) - 0.5)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.rand(n, generator=g) - 0.5)
    return model.eval()


def inputs(n: int = 8, seed: int = 0) -> torch.Tensor:
    """Inputs on the 8-bit input quantizer's grid in [-1, 1)."""
    g = torch.Generator().manual_seed(seed)
    return (torch.randint(0, 256, (n, *IN_SHAPE), generator=g).float() - 128) / 128
