"""CP / Tucker decomposition of convolutions and SVD of dense layers."""
from __future__ import annotations

import pytest
import torch
from torch import nn

from models.compress.decompose import cp_conv, decompose, svd_linear, tucker_conv
from models.compress.metrics import model_metrics
from tests.compress.nets import IN_SHAPE, tiny


def test_cp_conv_is_pointwise_depthwise_depthwise_pointwise():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=True)
    cp = cp_conv(conv, rank=5)
    kinds = [(c.in_channels, c.out_channels, c.kernel_size, c.groups) for c in cp]
    assert kinds == [(3, 5, (1, 1), 1), (5, 5, (3, 1), 5), (5, 5, (1, 3), 5), (5, 4, (1, 1), 1)]
    x = torch.randn(2, 3, 7, 7)
    assert cp(x).shape == conv(x).shape
    # a rank-1 kernel is represented exactly at rank 1
    rank1 = nn.Conv2d(3, 4, 3, bias=False)
    a, b, c, d = torch.randn(4), torch.randn(3), torch.randn(3), torch.randn(3)
    rank1.weight.data = torch.einsum("o,i,h,w->oihw", a, b, c, d)
    torch.testing.assert_close(cp_conv(rank1, 1)(x), rank1(x), atol=1e-4, rtol=1e-4)


def test_tucker_at_full_rank_and_svd_are_exact():
    torch.manual_seed(0)
    conv = nn.Conv2d(3, 4, 3, bias=True)
    x = torch.randn(2, 3, 6, 6)
    torch.testing.assert_close(tucker_conv(conv, (4, 3))(x), conv(x), atol=1e-5, rtol=1e-5)
    linear = nn.Linear(10, 6)
    v = torch.randn(5, 10)
    torch.testing.assert_close(svd_linear(linear, 6)(v), linear(v), atol=1e-5, rtol=1e-5)
    # rank r keeps the r largest singular values: the error is the tail's
    low = svd_linear(linear, 2)
    w = low[1].weight @ low[0].weight
    s = torch.linalg.svdvals(linear.weight.detach())
    torch.testing.assert_close(torch.linalg.matrix_norm(linear.weight.detach() - w),
                               s[2:].norm(), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("method", ["cp", "tucker"])
def test_decompose_replaces_layers_that_shrink(method):
    torch.manual_seed(0)
    model = tiny()
    ex = torch.zeros(1, *IN_SHAPE)
    before = model_metrics(model, ex)["total"]
    replaced = decompose(model, ex, method, 0.25, layers="both")
    assert set(replaced) == {"0", "4", "8", "12"} and isinstance(model[4], nn.Sequential)
    assert all(r["weights_after"] < r["weights_before"] for r in replaced.values())
    after = model_metrics(model, ex)["total"]
    assert before["params"] - after["params"] == sum(
        r["weights_before"] - r["weights_after"] for r in replaced.values())
    if method == "cp":  # conv 6->8 at rank 2 on a 5x5 input: 1x1, 3x1 dw (3x5 out), 1x3 dw, 1x1
        conv_macs = 25 * 6 * 2 + 3 * 15 * 2 + 3 * 9 * 2 + 9 * 2 * 8
        rows = model_metrics(model, ex)["layers"]
        assert sum(r["macs"] for r in rows if r["layer"].startswith("4.")) == conv_macs
    assert model(torch.randn(3, *IN_SHAPE)).shape == (3, 5)


def test_bad_arguments():
    ex = torch.zeros(1, *IN_SHAPE)
    with pytest.raises(ValueError, match="unknown decomposition 'svd'"):
        decompose(tiny(), ex, "svd", 0.5)
    with pytest.raises(ValueError, match="rank fraction must lie in"):
        decompose(tiny(), ex, "cp", 1.5)
    with pytest.raises(ValueError, match="takes float"):
        decompose(tiny(weight_bits=2, act_bits=2), ex, "cp", 0.5)
