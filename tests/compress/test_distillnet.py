"""Distill-Net: heatmaps, bitmap fusion (Eq. 14), complete removal keeps kept-class outputs."""
from __future__ import annotations

import numpy as np
import torch

from models.compress.distillnet import (
    class_heatmaps,
    distill_at,
    fuse,
    kept_accuracy,
    search_theta,
    skipped_flops,
    skipping,
)
from models.compress.metrics import model_metrics
from models.compress.retrain import logits
from tests.compress.nets import inputs, randomize_batchnorm, tiny

DEAD = {"0": [1, 4], "4": [2], "8": [0, 7, 9]}  # neurons forced dormant: BN shift -100 before ReLU


def model_with_dead_neurons():
    model = randomize_batchnorm(tiny(classes=5), seed=2)
    bn_of = {"0": model[1], "4": model[5], "8": model[9]}
    with torch.no_grad():
        for layer, idx in DEAD.items():
            bn_of[layer].bias[idx] = -100.0
        # centre the logits so that the model predicts all classes, not one
        out = logits(model, inputs(200, seed=5))
        mean, std = out.mean(0), out.std(0)
        model[12].weight /= std[:, None]
        model[12].bias.copy_((model[12].bias - mean) / std)
    return model


def data(model, n=60):
    x = inputs(n, seed=5)
    return x, logits(model, x).argmax(1)  # labels: the model's own predictions


def test_fusion_is_a_logical_or_over_classes():
    g = torch.Generator().manual_seed(0)
    b = {"l": torch.rand(4, 3, 5, 5, generator=g) > 0.7}
    expected = np.logical_or.reduce(b["l"].numpy(), axis=0)
    assert np.array_equal(fuse(b)["l"].numpy(), expected)


def test_heatmaps_are_per_class_mean_activity():
    model = model_with_dead_neurons()
    x, y = data(model)
    classes = sorted(set(y.tolist()))
    heat = class_heatmaps(model, x[:1], x, y, classes)
    assert set(heat) == {"0", "4", "8"}   # hidden layers only, not the output layer
    assert heat["0"].shape == (len(classes), 6, 10, 10) and heat["8"].shape == (len(classes), 16)
    c = classes[0]
    relu_out = model[:3](x[y == c]).abs().mean(0)
    torch.testing.assert_close(heat["0"][0], relu_out)
    for layer, idx in DEAD.items():
        assert torch.all(heat[layer][:, idx] == 0)


def test_theta_zero_removes_exactly_the_silent_neurons_and_keeps_outputs():
    model = model_with_dead_neurons()
    x, y = data(model)
    all_classes = list(range(5))
    labels = torch.arange(len(x)) % 5
    heat = class_heatmaps(model, x[:1], x, labels, all_classes)
    kept = [0, 2, 3]
    xk = x[torch.isin(labels, torch.tensor(kept))]   # the samples the kept classes' heatmaps saw
    d = distill_at(model, x[:1], heat, all_classes, kept, theta=0.0)
    for layer, h in heat.items():
        activity = h[kept].reshape(len(kept), h.shape[1], -1).amax(dim=(0, 2))
        assert d.keep[layer] == torch.nonzero(activity > 0).flatten().tolist()
        assert not set(DEAD[layer]) & set(d.keep[layer])
    assert d.keep["12"] == kept and d.classes == kept
    torch.testing.assert_close(logits(d.model, xk), logits(model, xk)[:, kept], rtol=0, atol=1e-5)
    # skipping the locations where a neuron was silent on these samples changes nothing either
    with skipping(d, x[:1]):
        torch.testing.assert_close(logits(d.model, xk), logits(model, xk)[:, kept], rtol=0,
                                   atol=1e-5)
    # partial-removal bitmaps: one per remaining neuron and location
    assert d.partial["0"].shape == (len(d.keep["0"]), 10, 10)
    assert d.partial["8"].shape == (len(d.keep["8"]),)


def test_search_keeps_the_stated_accuracy_bound():
    model = model_with_dead_neurons()
    x, y = data(model, 200)
    counts = torch.bincount(y, minlength=5)
    kept = sorted(c for c in counts.argsort(descending=True)[:3].tolist() if counts[c] > 0)
    sel = torch.isin(y, torch.tensor(kept))
    all_classes = list(range(5))
    heat = class_heatmaps(model, x[:1], x, y, [c for c in all_classes if (y == c).any()])
    present = [c for c in all_classes if (y == c).any()]
    d, base, acc = search_theta(model, x[:1], heat, present, kept, x[sel], y[sel], max_drop=0.05,
                                iterations=8)
    assert base == 1.0                            # labels are the model's own predictions
    assert acc == kept_accuracy(d, x[sel], y[sel]) >= base - 0.05
    # the bound covers partial removal: recompute with the skipped locations zeroed by hand
    with torch.no_grad():
        h = x[sel]
        for i, layer in enumerate(d.model):
            h = layer(h)
            if i in (2, 6, 10):   # the ReLUs after conv 0, conv 4, dense 8: the measured OFMs
                h = h * torch.as_tensor(d.partial[{2: "0", 6: "4", 10: "8"}[i]]).float()
    pred = torch.as_tensor(d.classes)[h.argmax(1)]
    assert (pred == y[sel]).float().mean().item() == acc
    assert d.theta > 0                            # the search went beyond the dormant neurons
    removed = sum(len(heat[k][0].reshape(heat[k].shape[1], -1)) - len(v)
                  for k, v in d.keep.items() if k in heat)
    assert removed > sum(len(v) for v in DEAD.values())
    original = model_metrics(model, x[:1])
    assert skipped_flops(original, d.model, x[:1], d.partial) >= \
        original["total"]["flops"] - model_metrics(d.model, x[:1])["total"]["flops"]
