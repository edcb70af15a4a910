"""Structural removal equals masking: removed channels vanish from every downstream layer."""
from __future__ import annotations

import copy
from itertools import pairwise

import pytest
import torch
from torch import nn

from models.compress.chain import ChainError, producers, trace_chain
from models.compress.surgery import remove_channels
from tests.compress.nets import ImplicitFlatten, Residual, inputs, randomize_batchnorm, tiny

PRESETS = {"float": (None, None), "w1a1": (1, 1), "w4a4": (4, 4)}


def masked_reference(model: nn.Module, x: torch.Tensor, keep: dict) -> nn.Module:
    """The unpruned model with each removed channel's contribution cut at the next conv/dense layer:
    its input is zeroed (a forward pre-hook) and so are the matching weight columns (so per-channel
    weight scales are computed over the same remaining weights as in the pruned model). The flatten
    mask is built by expanding a channel mask over (C, H, W), independently of the surgery's index
    arithmetic."""
    ref = copy.deepcopy(model).eval()
    steps = trace_chain(ref, x)
    prods = producers(steps)
    for p, nxt in pairwise(prods):
        if p.name not in keep:
            continue
        channel = torch.zeros(p.out_shape[0])
        channel[list(keep[p.name])] = 1.0
        maps = [s.out_shape for s in steps[steps.index(p):steps.index(nxt)]
                if len(s.out_shape) == 3]
        if len(nxt.in_shape) == 1 and maps:
            shape_before = maps[-1]
            mask = channel[:, None, None].expand(shape_before).reshape(1, -1)
        elif isinstance(nxt.module, nn.Conv2d):
            mask = channel.view(1, -1, 1, 1)
        else:
            mask = channel.view(1, -1)
        with torch.no_grad():
            nxt.module.weight.mul_(mask if mask.dim() == 4 else mask.view(1, -1))
        nxt.module.register_forward_pre_hook(lambda m, inp, mask=mask: (inp[0] * mask,))
    return ref


def random_keep(model: nn.Module, x: torch.Tensor, seed: int) -> dict:
    g = torch.Generator().manual_seed(seed)
    keep = {}
    for p in producers(trace_chain(model, x))[:-1]:
        n = p.out_shape[0]
        k = int(torch.randint(1, n, (1,), generator=g))
        keep[p.name] = sorted(torch.randperm(n, generator=g)[:k].tolist())
    return keep


@pytest.mark.parametrize("preset", PRESETS)
def test_keeping_everything_changes_nothing(preset):
    model = randomize_batchnorm(tiny(*PRESETS[preset]))
    x = inputs()
    keep = {p.name: list(range(p.out_shape[0])) for p in producers(trace_chain(model, x))}
    pruned = remove_channels(model, x, keep)
    assert torch.equal(pruned(x), model(x))


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("seed", [0, 1])
def test_removal_equals_masking(preset, seed):
    model = randomize_batchnorm(tiny(*PRESETS[preset]), seed)
    x = inputs(seed=seed)
    keep = random_keep(model, x, seed)
    pruned = remove_channels(model, x, keep).eval()
    torch.testing.assert_close(pruned(x), masked_reference(model, x, keep)(x), rtol=0, atol=1e-5)
    # the layers really shrank, downstream included: BatchNorm and the flattened dense input
    steps = {s.name: s for s in trace_chain(pruned, x)}
    for name, k in keep.items():
        assert steps[name].out_shape[0] == len(k)
    conv2 = next(s for s in producers(list(steps.values())) if s.name in keep and s.is_conv and
                 s.out_shape[1] == 3)
    dense1 = producers(list(steps.values()))[2]
    assert dense1.module.weight.shape[1] == len(keep[conv2.name]) * 9
    bns = [m for m in pruned.modules() if isinstance(m, nn.BatchNorm2d)]
    assert [bn.running_mean.numel() for bn in bns] == [len(k) for k in list(keep.values())[:2]]


def test_implicit_flatten_in_forward():
    model = randomize_batchnorm(ImplicitFlatten())
    x = inputs()
    keep = {"features.0": [1, 4], "features.4": [0, 2, 7], "classifier.0": [3, 5, 6, 15]}
    pruned = remove_channels(model, x, keep)
    assert pruned.classifier[0].in_features == 27
    torch.testing.assert_close(pruned(x), masked_reference(model, x, keep)(x), rtol=0, atol=1e-5)


def test_pruned_model_trains():
    model = randomize_batchnorm(tiny(4, 4))
    x = inputs()
    pruned = remove_channels(model, x, random_keep(model, x, 3)).train()
    opt = torch.optim.SGD(pruned.parameters(), lr=0.1)
    loss = pruned(x).square().mean()
    loss.backward()
    opt.step()
    assert all(p.grad is not None for p in pruned.parameters() if p.requires_grad)


def test_brevitas_per_channel_activation_scale_is_sliced():
    import brevitas.nn as qnn
    from brevitas.quant import Int8WeightPerChannelFloat
    act = qnn.QuantReLU(bit_width=4, per_channel_broadcastable_shape=(1, 4, 1, 1),
                        scaling_per_output_channel=True, scaling_stats_permute_dims=(1, 0, 2, 3))
    model = nn.Sequential(qnn.QuantConv2d(1, 4, 3, weight_bit_width=4,
                                          weight_quant=Int8WeightPerChannelFloat), act,
                          qnn.QuantConv2d(4, 3, 3, weight_bit_width=4,
                                          weight_quant=Int8WeightPerChannelFloat))
    x = inputs()
    model.train()
    for _ in range(3):
        model(x)
    model.eval()
    pruned = remove_channels(model, x, {"0": [0, 2, 3]})
    scale = dict(pruned[1].named_parameters())
    assert [tuple(v.shape) for v in scale.values()] == [(1, 3, 1, 1)]
    torch.testing.assert_close(pruned(x), masked_reference(model, x, {"0": [0, 2, 3]})(x),
                               rtol=0, atol=1e-6)


def test_errors_name_the_problem():
    x = inputs()
    with pytest.raises(ChainError, match="does not consume"):
        trace_chain(Residual(), x)
    model = tiny()
    with pytest.raises(ValueError, match="not a conv or linear layer"):
        remove_channels(model, x, {"1": [0]})
    with pytest.raises(ValueError, match=r"must lie in \[0, 6\)"):
        remove_channels(model, x, {"0": [0, 6]})
    with pytest.raises(ValueError, match="cannot remove all"):
        remove_channels(model, x, {"0": []})
