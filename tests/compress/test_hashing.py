"""HashedNets: the fixed integer hash, the hashed weight parametrisation and the transform."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from models.compress.hashing import bucket_index, fmix32, hash_layers, is_hashed
from models.compress.metrics import model_metrics
from tests.compress.nets import IN_SHAPE, tiny


def test_fmix32_is_murmur3s_finaliser():
    # reference values of MurmurHash3's fmix32
    assert fmix32(np.array([0, 1], dtype=np.uint32)).tolist() == [0, 0x514E28B7]


def test_buckets_are_spread_and_signs_balanced_and_fixed():
    bucket, sign = bucket_index(64_000, 1000, seed=3)
    counts = np.bincount(bucket, minlength=1000)
    assert counts.min() > 30 and counts.max() < 100       # 64 per bucket on average
    assert abs(sign.mean()) < 0.02
    again, _ = bucket_index(64_000, 1000, seed=3)
    other, _ = bucket_index(64_000, 1000, seed=4)
    assert np.array_equal(bucket, again) and not np.array_equal(bucket, other)
    with pytest.raises(ValueError, match="buckets"):
        bucket_index(10, 0, 0)


def test_hashed_layer_shares_trainable_buckets():
    torch.manual_seed(0)
    model = tiny()
    ex = torch.zeros(1, *IN_SHAPE)
    dense_weight = model[8].weight.detach().clone()
    chosen = hash_layers(model, ex, rate=0.25, layers="dense")
    layer = model[8]
    assert set(chosen) == {"8", "12"} and is_hashed(layer) and not is_hashed(model[0])
    buckets = layer.parametrizations.weight.original
    assert buckets.numel() == chosen["8"] == 16 * 72 // 4
    index, sign = bucket_index(16 * 72, chosen["8"], seed=2)  # third producer of the chain
    expected = (buckets.detach()[torch.from_numpy(index)] * torch.from_numpy(sign).float())
    torch.testing.assert_close(layer.weight.detach(), expected.view(16, 72))
    # each bucket starts at the mean of the sign-corrected weights hashed into it
    flat = dense_weight.reshape(-1) * torch.from_numpy(sign).float()
    hit = torch.from_numpy(index) == 5
    torch.testing.assert_close(buckets[5].detach(), flat[hit].mean())
    model(torch.randn(4, *IN_SHAPE)).sum().backward()
    assert buckets.grad is not None and buckets.grad.abs().sum() > 0


def test_metrics_count_the_buckets():
    model = tiny()
    ex = torch.zeros(1, *IN_SHAPE)
    before = model_metrics(model, ex)["total"]
    chosen = hash_layers(model, ex, rate=0.125)
    after = model_metrics(model, ex)["total"]
    weights = sum(m.parametrizations.weight.original.numel() for m in model.modules()
                  if is_hashed(m))
    assert weights == sum(chosen.values())
    assert before["params"] - after["params"] == 6 * 9 + 8 * 54 + 72 * 16 + 16 * 5 - weights
    assert after["macs"] == before["macs"]


def test_bad_arguments():
    ex = torch.zeros(1, *IN_SHAPE)
    with pytest.raises(ValueError, match="compression rate must lie in"):
        hash_layers(tiny(), ex, rate=0)
    with pytest.raises(ValueError, match="unknown layer set 'all'"):
        hash_layers(tiny(), ex, 0.5, layers="all")
    with pytest.raises(ValueError, match="QuantConv2d: HashedNets takes float"):
        hash_layers(tiny(weight_bits=1, act_bits=1), ex, 0.5)
