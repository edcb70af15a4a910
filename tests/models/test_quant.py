"""models/quant.py: what each bit width means, the input quantizer, presets, and QONNX export."""

import numpy as np
import pytest
import torch
from brevitas.nn import QuantConv2d, QuantLinear
from torch import nn

from models.quant import (
    PRESETS,
    QuantPreset,
    get_preset,
    images_to_input,
    input_quant,
    quant_act,
    quant_conv2d,
    quant_linear,
)
from tests.models.qonnx_check import assert_quantised_equal, export_and_execute, randomise_batchnorm

torch.set_num_threads(1)


def int_weights(layer):
    q = layer.quant_weight()
    ints = q.int().float().detach()
    assert torch.allclose(ints * q.scale, q.value)
    return ints, q.scale.detach()


def test_float_layers_are_plain_torch():
    assert type(quant_conv2d(3, 8, 3)) is nn.Conv2d
    assert type(quant_linear(8, 4)) is nn.Linear
    assert type(quant_act()) is nn.ReLU
    assert quant_conv2d(3, 8, 3).bias is None and quant_linear(8, 4, bias=True).bias is not None


def test_binary_weights_are_plus_minus_one():
    torch.manual_seed(0)
    layer = quant_conv2d(3, 8, 3, weight_bits=1)
    assert isinstance(layer, QuantConv2d)
    values = layer.quant_weight().value.detach()
    assert set(values.unique().tolist()) == {-1.0, 1.0}
    assert torch.equal(values, torch.where(layer.weight >= 0, 1.0, -1.0))


@pytest.mark.parametrize("bits", [2, 4, 8, 16])
def test_integer_weights_are_narrow_range_per_channel(bits):
    torch.manual_seed(0)
    layer = quant_linear(64, 6, weight_bits=bits)
    assert isinstance(layer, QuantLinear)
    ints, scale = int_weights(layer)
    limit = 2 ** (bits - 1) - 1
    assert ints.abs().max() <= limit
    assert scale.shape == (6, 1) and len(scale.unique()) == 6  # one float scale per output channel
    if bits == 2:
        assert set(ints.unique().tolist()) == {-1.0, 0.0, 1.0}
        assert torch.allclose(scale.flatten(), layer.weight.abs().mean(dim=1))
    else:
        assert torch.allclose(scale.flatten(), layer.weight.abs().amax(dim=1) / limit)


def test_activations():
    x = torch.linspace(-3, 3, 101)
    assert set(quant_act(1)(x).unique().tolist()) == {-1.0, 1.0}
    for bits in (2, 4):
        act = quant_act(bits)
        y = act(x)
        scale = 2.0 / (2 ** bits - 1)  # initial range [0, 2]
        assert y.min() == 0 and torch.isclose(y.max(), torch.tensor(2.0))
        assert len(y.unique()) == 2 ** bits
        assert torch.allclose(y / scale, (y / scale).round(), atol=1e-5)
    signed = quant_act(4, signed=True)(x)
    assert signed.min() < 0 and len(signed.unique()) == 16


def test_input_quant_is_exact_on_images():
    images = torch.arange(256, dtype=torch.uint8).reshape(1, 16, 16)
    x = images_to_input(images)
    assert x.shape == (1, 1, 16, 16) and x.min() == -1 and x.max() == 127 / 128
    assert torch.equal(input_quant(8)(x), x)
    assert torch.equal(input_quant(8)(torch.tensor([-2.0, 2.0])), torch.tensor([-1.0, 127 / 128]))
    rgb = images_to_input(torch.zeros(2, 5, 6, 3, dtype=torch.uint8))
    assert rgb.shape == (2, 3, 5, 6)


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "4"])
def test_bad_bit_widths_are_rejected(bad):
    with pytest.raises(ValueError, match="not supported"):
        quant_linear(4, 4, weight_bits=bad)
    with pytest.raises(ValueError, match="not supported"):
        quant_act(bad)


def test_bad_images_are_rejected():
    with pytest.raises(ValueError, match="uint8"):
        images_to_input(torch.zeros(1, 4, 4))
    with pytest.raises(ValueError, match="shape"):
        images_to_input(torch.zeros(4, 4, dtype=torch.uint8))


def test_presets():
    assert list(PRESETS) == ["float", "w1a1", "w2a2", "w4a4", "bwn", "bwn_a8", "xnor", "binact",
                             "binact_w8"]
    assert get_preset("w2a2") == QuantPreset("w2a2", input_bits=8, weight_bits=2, act_bits=2)
    assert not get_preset("float").quantized and get_preset("w1a1").quantized
    # integer all through: what the compiler builds
    assert [p for p in PRESETS if get_preset(p).integer] == ["w1a1", "w2a2", "w4a4", "bwn_a8",
                                                           "xnor", "binact_w8"]
    assert get_preset("xnor").scaled_binary and not get_preset("w1a1").scaled_binary
    with pytest.raises(ValueError, match="unknown preset 'w3a3'; supported: float, w1a1"):
        get_preset("w3a3")


@pytest.mark.parametrize("weight_bits, act_bits, weight_op, act_op", [
    (1, 1, "BipolarQuant", "BipolarQuant"),
    (2, 2, "Quant", "Quant"),
    (4, 4, "Quant", "Quant"),
    (16, 8, "Quant", "Quant"),
])
def test_layers_export_to_qonnx_and_match_torch(tmp_path, weight_bits, act_bits, weight_op, act_op):
    torch.manual_seed(0)
    model = randomise_batchnorm(nn.Sequential(
        input_quant(8), quant_conv2d(3, 4, 3, weight_bits=weight_bits), nn.BatchNorm2d(4),
        quant_act(act_bits), nn.MaxPool2d(2), nn.Flatten(),
        quant_linear(4 * 3 * 3, 5, weight_bits=weight_bits), nn.BatchNorm1d(5),
        quant_act(act_bits, signed=act_bits > 1),
    ))
    x = images_to_input(torch.randint(0, 256, (3, 8, 8, 3), dtype=torch.uint8))
    expected, out, acts, qacts, ops = export_and_execute(model, x, tmp_path / "m.onnx")
    assert ops.count(weight_op) >= 2 and act_op in ops
    assert_quantised_equal(acts, qacts)
    assert np.array_equal(expected, out)
