"""Quantized ResNets of the MLPerf Tiny image-classification topology (ResNet-8 for CIFAR-10: a
3x3 stem, stacks of two-convolution residual blocks, the first of a stack after the first with
stride 2 and a 1x1 strided convolution on its skip, a global average pool and a dense classifier),
and smaller ones as fast test targets.

Each join adds two tensors of one scale, as an exact integer sum needs (and as brevitas_examples'
ResNets and FINN require): the block's last activation quantizer is the module that made its input
(an identity skip), or the one shared with its skip convolution (a downsampling block). The sum
then passes a quantizer of its own. Weights and activations are 4-bit, the image input 8-bit."""

from __future__ import annotations

from torch import nn

from models.quant import input_quant, quant_act, quant_conv2d, quant_linear


def conv_bn(in_ch, out_ch, kernel, stride, bits):
    return nn.Sequential(quant_conv2d(in_ch, out_ch, kernel, stride=stride, padding=kernel // 2, weight_bits=bits),
                         nn.BatchNorm2d(out_ch))


class ResidualBlock(nn.Module):
    """relu1(bn(conv(x))) -> shared(bn(conv(.))) + skip -> relu_out; skip = x (whose quantizer is
    `shared`), or shared(bn(conv1x1 strided(x)))."""

    def __init__(self, in_ch, out_ch, stride, in_act: nn.Module, bits):
        super().__init__()
        self.conv1 = conv_bn(in_ch, out_ch, 3, stride, bits)
        self.relu1 = quant_act(bits)
        self.conv2 = conv_bn(out_ch, out_ch, 3, 1, bits)
        self.downsample = conv_bn(in_ch, out_ch, 1, stride, bits) if stride != 1 or in_ch != out_ch else None
        # one quantizer for both addends: the input's own for an identity skip
        self.shared = quant_act(bits) if self.downsample is not None else in_act
        self.relu_out = quant_act(bits)

    def forward(self, x):
        out = self.shared(self.conv2(self.relu1(self.conv1(x))))
        skip = x if self.downsample is None else self.shared(self.downsample(x))
        return self.relu_out(out + skip)


class ResNet(nn.Module):
    """widths: the stacks' channels (ResNet-8: 16, 32, 64); one block per stack."""

    def __init__(self, widths=(16, 32, 64), num_classes=10, bits=4):
        super().__init__()
        self.input = input_quant(8)
        self.stem = conv_bn(3, widths[0], 3, 1, bits)
        act = quant_act(bits)
        self.stem_act = act
        blocks, in_ch = [], widths[0]
        for i, width in enumerate(widths):
            block = ResidualBlock(in_ch, width, 1 if i == 0 else 2, act, bits)
            blocks.append(block)
            act, in_ch = block.relu_out, width
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = quant_linear(widths[-1], num_classes, weight_bits=bits)
        # class scores on one scale (the weights' scales are per class), so a top-k compares codes
        self.scores = quant_act(8, signed=True)

    def forward(self, x):
        x = self.stem_act(self.stem(self.input(x)))
        return self.scores(self.classifier(self.pool(self.blocks(x)).flatten(1)))
