"""Algorithm 1: threshold semantics, keep-the-best rule, layer sets, static vs progressive."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from models.compress.bonsai import Bonsai, prune
from models.compress.criteria import evaluate
from tests.compress.nets import inputs, randomize_batchnorm, tiny


def three_dense() -> nn.Sequential:
    """12*12 -> 3 -> 2 -> 2 with hand-set weights whose criteria are known."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(144, 3, bias=False), nn.ReLU(),
                          nn.Linear(3, 2, bias=False), nn.ReLU(), nn.Linear(2, 2))
    with torch.no_grad():
        model[1].weight.copy_(torch.stack([torch.full((144,), v) for v in (0.1, 0.5, 0.3)]))
        model[1].weight[:, ::2] *= -1  # mean |w| = 0.1, 0.5, 0.3
        model[3].weight.copy_(torch.tensor([[0.1, 2.0, 0.0], [0.4, 0.4, 0.4]]))
    return model


def test_filters_below_threshold_are_removed():
    result = prune(three_dense(), inputs(), "mean", 0.25, layers="dense")
    assert result.keep["1"] == [1, 2]
    assert result.model[1].out_features == 2 and result.model[3].in_features == 2
    assert result.fraction_pruned == pytest.approx(1 / 5)


def test_a_layer_keeps_its_best_filter():
    result = prune(three_dense(), inputs(), "mean", 10.0, layers="dense")
    assert result.keep == {"1": [1], "3": [0]}


def test_the_output_layer_and_other_layer_sets_are_left_alone():
    model = randomize_batchnorm(tiny())
    x = inputs()
    for layers, expected in (("conv", {"0", "4"}), ("dense", {"8"}), ("both", {"0", "4", "8"})):
        result = prune(model, x, "sd", 1e9, layers=layers)
        assert set(result.keep) == expected
        assert result.model[12].out_features == 5


def test_named_layers_alone_are_pruned_and_never_the_output_layer():
    model = randomize_batchnorm(tiny())
    x = inputs()
    result = prune(model, x, "sd", 1e9, layers=["4"])
    assert result.keep == {"4": [int(evaluate("sd", model[4].weight).argmax())]}
    assert result.model[0].out_channels == model[0].out_channels
    for names in (["12"], ["4", "nope"], []):
        with pytest.raises(ValueError, match=r"the prunable layers are 0, 4, 8 \(the output layer never\)"):
            Bonsai(model, x, "sd", names)


def test_static_and_progressive_differ_as_described():
    model = three_dense()
    with torch.no_grad():
        model[3].weight.copy_(torch.tensor([[2.0, 0.1, 2.0], [0.4, 0.5, 0.4]]))
    static = prune(model, inputs(), "max", 0.45, layers="dense", mode="static")
    progressive = prune(model, inputs(), "max", 0.45, layers="dense", mode="progressive")
    # layer 1: max |w| = 0.1, 0.5, 0.3 -> only unit 1 reaches 0.45, in both modes
    assert static.keep["1"] == progressive.keep["1"] == [1]
    # static judges layer 3 on its original weights: max 2.0 and 0.5, both kept; progressive on
    # the column of the one remaining input: 0.1 and 0.5, so unit 0 goes
    assert static.keep["3"] == [0, 1]
    assert progressive.keep["3"] == [1]


@pytest.mark.parametrize("mode", ["static", "progressive"])
def test_threshold_minimum_prunes_nothing(mode):
    model = randomize_batchnorm(tiny(1, 1))
    x = inputs()
    bonsai = Bonsai(model, x, "sd", "both", mode)
    result = bonsai.prune(bonsai.threshold_range()[0])
    assert result.fraction_pruned == 0
    assert torch.equal(result.model(x), model(x))


def test_threshold_for_a_target_fraction():
    model = randomize_batchnorm(tiny())
    bonsai = Bonsai(model, inputs(), "range", "both")
    total = 6 + 8 + 16
    t = bonsai.threshold_for_fraction(0.5)
    assert bonsai.prune(t).filters_removed == 15          # exactly half: distinct values
    assert bonsai.prune(t * (1 - 1e-6)).filters_removed == 14
    with pytest.raises(ValueError, match=f"at most {1 - 3 / total:.3f}"):
        bonsai.threshold_for_fraction(0.95)
