"""models/vgg.py: the Fig. 4 layer lists, the layout pruning walks, QONNX export of every model."""

import numpy as np
import pytest
import torch
from torch import nn

from models.quant import PRESETS, images_to_input
from models.vgg import make_vgg
from tests.models.qonnx_check import assert_quantised_equal, export_and_execute, randomise_batchnorm

torch.set_num_threads(1)

SHAPES = [(1, 28, 28), (3, 32, 32)]


def layers(model, kind):
    return [m for m in model.modules() if isinstance(m, kind)]


@pytest.mark.parametrize("variant, convs, denses", [
    ("A", [64, 64, 128, 128, 256], [64, 32, 10]),
    ("B", [64, 64, 128, 128, 128, 256], [256, 128, 64, 32, 10]),
    ("C", [2, 2, 4, 4, 4], [256, 128, 64, 32, 10]),
])
def test_layers_follow_fig4(variant, convs, denses):
    model = make_vgg(variant)
    assert [c.out_channels for c in layers(model, nn.Conv2d)] == convs
    assert all(c.kernel_size == (3, 3) and c.padding == (0, 0) for c in layers(model, nn.Conv2d))
    assert [f.out_features for f in layers(model, nn.Linear)] == denses
    assert len(layers(model, nn.AvgPool2d)) == 2 and not layers(model, nn.MaxPool2d)


def test_weight_balance_matches_the_paper_description():
    """A is convolution heavy, C dense heavy, B in between (Bonsai section 4), for MNIST inputs."""
    def conv_dense(variant):
        model = make_vgg(variant)
        conv = sum(c.weight.numel() for c in layers(model, nn.Conv2d))
        return conv, sum(f.weight.numel() for f in layers(model, nn.Linear))

    assert conv_dense("A") == (553536, 149824)
    assert conv_dense("B") == (700992, 305472)
    assert conv_dense("C") == (414, 52544)


def test_layout_for_pruning():
    model = make_vgg("vgg_a", preset="w1a1")
    assert isinstance(model.features, nn.Sequential) and isinstance(model.classifier, nn.Sequential)
    assert isinstance(model.classifier[0], nn.Flatten)
    assert len(layers(model, nn.MaxPool2d)) == 2  # quantised presets default to max pooling
    first = next(m for m in model.classifier if isinstance(m, nn.Linear))
    assert first.in_features == 256 * 3 * 3
    x = torch.randn(2, 1, 28, 28)
    assert torch.equal(model.eval()(x), model.classifier(model.features(x)))
    # every conv/linear is followed by its BatchNorm
    modules = list(model.features) + list(model.classifier)
    for i, m in enumerate(modules):
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            assert isinstance(modules[i + 1], (nn.BatchNorm2d, nn.BatchNorm1d))
            assert m.bias is None


def test_float_model_ends_in_a_biased_linear_and_pool_is_selectable():
    model = make_vgg("C", preset="float", pool="max")
    assert isinstance(model.classifier[-1], nn.Linear) and model.classifier[-1].bias is not None
    assert len(layers(model, nn.MaxPool2d)) == 2


def test_bad_arguments():
    with pytest.raises(ValueError, match="unknown VGG variant 'D'"):
        make_vgg("D")
    with pytest.raises(ValueError, match="unknown pool 'sum'"):
        make_vgg("A", pool="sum")
    with pytest.raises(ValueError, match="too small"):
        make_vgg("A", in_shape=(1, 12, 12))
    with pytest.raises(ValueError, match="unknown preset"):
        make_vgg("A", preset="w8a8")


# the binarisation presets of models/compress (BWN, XNOR, binary activations) on the small model
EXPORTS = ([(v, p) for v in "ABC" for p in ("float", "w1a1", "w2a2", "w4a4")]
           + [("C", p) for p in PRESETS if p not in ("float", "w1a1", "w2a2", "w4a4")])


@pytest.mark.parametrize("in_shape", SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize(("variant", "preset"), EXPORTS)
def test_exports_to_qonnx_and_matches_torch(tmp_path, variant, preset, in_shape):
    torch.manual_seed(0)
    model = randomise_batchnorm(make_vgg(variant, in_shape, preset=preset))
    c, h, w = in_shape
    images = torch.randint(0, 256, (2, h, w, c), dtype=torch.uint8)
    x = images_to_input(images[..., 0] if c == 1 else images)
    expected, out, acts, qacts, ops = export_and_execute(model, x, tmp_path / "vgg.onnx")
    assert out.shape == (2, 10)
    if PRESETS[preset].act_bits is None:  # float activations (float, bwn): float outputs
        if not PRESETS[preset].quantized:
            assert "Quant" not in ops and "BipolarQuant" not in ops
        np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    else:
        # every quantised activation is identical; the logits (a float BatchNorm after the last
        # MatMul) agree to float rounding
        assert_quantised_equal(acts, qacts)
        np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
