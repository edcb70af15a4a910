"""brevitas_examples' quant_mobilenet_v1 (MobileNet v1 for ImageNet, 4-bit weights and activations
in its depthwise-separable blocks, 8-bit first and last layers) between an 8-bit image input
quantizer and an 8-bit quantizer of its class scores: the first convolution of the example takes
a float image, which a stream of integers cannot carry, and its scores have a scale per class,
which a top-k over codes cannot compare. The network itself is the example's, unchanged."""

from __future__ import annotations

from torch import nn

from models.quant import input_quant, quant_act


class QuantMobileNetV1(nn.Module):
    def __init__(self):
        super().__init__()
        from brevitas_examples.imagenet_classification.models import model_with_cfg

        self.input = input_quant(8)
        self.net, _ = model_with_cfg("quant_mobilenet_v1_4b", None)
        self.scores = quant_act(8, signed=True)

    def forward(self, x):
        return self.scores(self.net(self.input(x)))
