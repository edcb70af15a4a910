"""A small depthwise-separable network (MobileNet's building block at toy size): a 3x3 stem, two
blocks of a 3x3 depthwise and a 1x1 pointwise convolution, a global average pool and a dense
classifier, all quantized (4-bit weights and activations, 8-bit input). It is a fast test target for
the depthwise and global-pool hardware, not a trained classifier."""

from __future__ import annotations

from torch import nn

from models.quant import input_quant, quant_act, quant_conv2d, quant_linear


def conv_block(in_ch, out_ch, kernel, stride=1, groups=1, bits=4):
    return [quant_conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2, weight_bits=bits,
                         groups=groups),
            nn.BatchNorm2d(out_ch), quant_act(bits)]


class Separable(nn.Module):
    def __init__(self, channels=16, num_classes=10, bits=4):
        super().__init__()
        layers = [input_quant(8), *conv_block(3, channels, 3, bits=bits)]
        for i, stride in enumerate((1, 2)):
            width = channels * 2**i
            layers += conv_block(width, width, 3, stride=stride, groups=width, bits=bits)   # depthwise
            layers += conv_block(width, width * 2 if i == 0 else width, 1, bits=bits)     # pointwise
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = quant_linear(channels * 2, num_classes, weight_bits=bits)
        # class scores on one scale (the weights' scales are per class), so a top-k compares codes
        self.scores = quant_act(8, signed=True)

    def forward(self, x):
        return self.scores(self.classifier(self.pool(self.features(x)).flatten(1)))
