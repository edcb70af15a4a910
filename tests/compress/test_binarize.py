"""Binarisation: the scaled binary weights, float weights carried into a preset, XNOR-Net's K."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from models.compress.binarize import InputScaled, add_input_scale, from_float
from models.compress.methods import buildable, options_for, transform
from models.compress.source import example_input, recipe_config
from models.quant import quant_act, quant_conv2d
from models.recipes.classification import build_model
from tests.compress.nets import IN_SHAPE, tiny


def test_scaled_binary_weights_are_sign_times_mean_abs_per_channel():
    torch.manual_seed(0)
    conv = quant_conv2d(3, 4, 3, weight_bits=1, scaled_binary=True)
    w = conv.weight.detach()
    alpha = w.abs().mean(dim=(1, 2, 3), keepdim=True)
    torch.testing.assert_close(conv.quant_weight().value.detach(), w.sign() * alpha)
    with pytest.raises(ValueError, match="scaled_binary needs weight_bits=1"):
        quant_conv2d(3, 4, 3, weight_bits=4, scaled_binary=True)


def test_from_float_carries_weights_and_batchnorm():
    torch.manual_seed(0)
    cfg = recipe_config("vgg_c", "float")
    model, _ = build_model(cfg)
    model.features[1].running_mean.fill_(0.25)
    binary, bcfg = from_float(model, cfg, "xnor")
    assert bcfg["preset"] == "xnor" and cfg["preset"] == "float"
    # the xnor model starts with the input quantizer, so every layer sits one index later
    torch.testing.assert_close(binary.features[1].weight, model.features[0].weight)
    assert torch.all(binary.features[2].running_mean == 0.25)
    torch.testing.assert_close(binary.classifier[-2].weight, model.classifier[-1].weight)


def test_input_scale_multiplies_by_the_mean_abs_input_over_the_window():
    torch.manual_seed(0)
    act, conv = quant_act(1), quant_conv2d(4, 3, 3, weight_bits=1, scaled_binary=True)
    x = torch.randn(2, 4, 6, 6)
    k = F.avg_pool2d(x.abs().mean(1, keepdim=True), 3, 1)
    torch.testing.assert_close(InputScaled(act, conv)(x), conv(torch.sign(x)) * k)


def test_add_input_scale_wraps_layers_fed_by_binary_activations():
    model = tiny(weight_bits=1, act_bits=1)
    ex = torch.zeros(1, *IN_SHAPE)
    y = model.eval()(torch.randn(2, *IN_SHAPE))
    assert add_input_scale(model, ex) == ["5", "9", "13"]  # past a max pool, a flatten, a dropout
    assert isinstance(model[3], nn.Identity) and isinstance(model[5], InputScaled)
    assert model(torch.randn(2, *IN_SHAPE)).shape == y.shape


def test_methods_registry():
    cfg = recipe_config("vgg_c", "float")
    model, _ = build_model(cfg)
    assert buildable("xnor") and buildable("bwn_a8") and buildable("binact_w8")
    assert not buildable("bwn") and not buildable("binact") and not buildable("hashed")
    m, c, info = transform("xnor_k", model, cfg)
    assert c["preset"] == "xnor" and len(info["input_scaled"]) == 9
    assert m.eval()(example_input(cfg)).shape == (1, 10)
    assert options_for("hashed", rate=0.5, layers=None) == {"rate": 0.5, "layers": "both"}
    with pytest.raises(ValueError, match="unknown compression method 'svd'"):
        options_for("svd")
    with pytest.raises(ValueError, match="start from a float model"):
        transform("cp", model, dict(cfg, preset="w1a1"))
