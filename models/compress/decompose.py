"""Low-rank decomposition of conv and dense layers (filter compression / matrix factorisation).

CP (Lebedev et al., "Speeding-up convolutional neural networks using fine-tuned CP-decomposition",
the CP-decomposition Rassadin and Savchenko compare): a conv weight W (O, I, kh, kw) ~= sum over
r < R of a_r (x) b_r (x) c_r (x) d_r becomes four convolutions:
    1x1 I -> R (b), depthwise kh x 1 (c), depthwise 1 x kw (d), 1x1 R -> O (a, with the bias).
Tucker (Kim et al., "Compression of deep convolutional neural networks for fast and low power
mobile applications"): W ~= core x_0 U_out x_1 U_in becomes
    1x1 I -> R_in (U_in), kh x kw R_in -> R_out (core), 1x1 R_out -> O (U_out, with the bias).
A dense layer (a matrix, for which both are the truncated SVD) becomes two linears I -> R -> O.

The decompositions are tensorly's (`parafac`, `partial_tucker`, SVD initialisation, so the result
is deterministic). The rank is a fraction of the layer's largest useful rank, min(O, I kh kw); a
layer whose decomposition would not store fewer weights is left as it is. Float layers only.
"""
from __future__ import annotations

import math

import numpy as np
import tensorly as tl
import torch
from tensorly.decomposition import parafac, partial_tucker
from torch import nn

from models.compress.chain import producers, trace_chain

METHODS = ("cp", "tucker")
LAYER_SETS = ("both", "conv", "dense")


def _rank(fraction: float, full: int) -> int:
    return max(1, min(full, math.ceil(fraction * full)))


def _conv(in_ch, out_ch, kernel, weight, groups=1, padding=(0, 0), stride=(1, 1), bias=None):
    conv = nn.Conv2d(in_ch, out_ch, kernel, stride=stride, padding=padding, groups=groups,
                     bias=bias is not None)
    conv.weight.data = torch.as_tensor(np.ascontiguousarray(weight), dtype=torch.float32)
    if bias is not None:
        conv.bias.data = bias.detach().clone()
    return conv


def cp_conv(conv: nn.Conv2d, rank: int) -> nn.Sequential:
    """1x1, depthwise kh x 1, depthwise 1 x kw, 1x1 with `rank` channels in between."""
    w = conv.weight.detach().double().numpy()
    out_ch, in_ch, kh, kw = w.shape
    cp = parafac(tl.tensor(w), rank=rank, init="svd", n_iter_max=200, random_state=0)
    a, b, c, d = cp.factors
    a = a * cp.weights  # fold the component weights into the output factor
    (sh, sw), (ph, pw) = conv.stride, conv.padding
    return nn.Sequential(
        _conv(in_ch, rank, 1, b.T[:, :, None, None]),
        _conv(rank, rank, (kh, 1), c.T[:, None, :, None], groups=rank, padding=(ph, 0),
              stride=(sh, 1)),
        _conv(rank, rank, (1, kw), d.T[:, None, None, :], groups=rank, padding=(0, pw),
              stride=(1, sw)),
        _conv(rank, out_ch, 1, a[:, :, None, None], bias=conv.bias))


def tucker_conv(conv: nn.Conv2d, ranks: tuple[int, int]) -> nn.Sequential:
    """1x1 I -> R_in, kh x kw R_in -> R_out, 1x1 R_out -> O; `ranks` = (R_out, R_in)."""
    w = conv.weight.detach().double().numpy()
    out_ch, in_ch, kh, kw = w.shape
    (core, (u_out, u_in)), _ = partial_tucker(tl.tensor(w), rank=list(ranks), modes=[0, 1],
                                              init="svd", random_state=0)
    return nn.Sequential(
        _conv(in_ch, ranks[1], 1, u_in.T[:, :, None, None]),
        _conv(ranks[1], ranks[0], (kh, kw), core, padding=conv.padding, stride=conv.stride),
        _conv(ranks[0], out_ch, 1, u_out[:, :, None, None], bias=conv.bias))


def svd_linear(linear: nn.Linear, rank: int) -> nn.Sequential:
    """Linear I -> rank (V^T) and rank -> O (U S, with the bias): the truncated SVD."""
    u, s, vt = torch.linalg.svd(linear.weight.detach().double(), full_matrices=False)
    first = nn.Linear(linear.in_features, rank, bias=False)
    second = nn.Linear(rank, linear.out_features, bias=linear.bias is not None)
    first.weight.data = vt[:rank].float().contiguous()
    second.weight.data = (u[:, :rank] * s[:rank]).float().contiguous()
    if linear.bias is not None:
        second.bias.data = linear.bias.detach().clone()
    return nn.Sequential(first, second)


def _weights(module: nn.Module) -> int:
    return sum(m.weight.numel() for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))


def _decomposed(module: nn.Module, method: str, fraction: float) -> nn.Module:
    if isinstance(module, nn.Linear):
        return svd_linear(module, _rank(fraction, min(module.weight.shape)))
    out_ch, in_ch, kh, kw = module.weight.shape
    if method == "cp":
        return cp_conv(module, _rank(fraction, min(out_ch, in_ch * kh * kw)))
    return tucker_conv(module, (_rank(fraction, out_ch), _rank(fraction, in_ch)))


def _set(model: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, child = name.rpartition(".")
    setattr(model.get_submodule(parent) if parent else model, child, module)


def decompose(model: nn.Module, example_input: torch.Tensor, method: str, rank_fraction: float,
              layers: str = "conv") -> dict[str, dict]:
    """Replace the model's float conv (CP or Tucker) and/or dense (SVD) layers by their
    decomposition at `rank_fraction` of full rank, in place. Returns {layer: {"weights_before",
    "weights_after"}} for the layers replaced (those whose decomposition stores fewer weights)."""
    if method not in METHODS:
        raise ValueError(f"unknown decomposition {method!r}; supported: {', '.join(METHODS)}")
    if not 0 < rank_fraction <= 1:
        raise ValueError(f"rank fraction must lie in (0, 1], got {rank_fraction}")
    if layers not in LAYER_SETS:
        raise ValueError(f"unknown layer set {layers!r}; supported: {', '.join(LAYER_SETS)}")
    replaced = {}
    for step in producers(trace_chain(model, example_input)):
        m = step.module
        if layers != "both" and (layers == "conv") != step.is_conv:
            continue
        if type(m) not in (nn.Conv2d, nn.Linear):
            raise ValueError(f"layer {step.name} is a {type(m).__name__}: decomposition takes "
                             "float nn.Conv2d / nn.Linear layers (use the float preset)")
        if isinstance(m, nn.Conv2d) and (m.groups != 1 or m.dilation != (1, 1)):
            raise ValueError(f"conv {step.name}: only groups=1, dilation=1 convolutions are "
                             "decomposed")
        new = _decomposed(m, method, rank_fraction)
        if _weights(new) < m.weight.numel():
            _set(model, step.name, new)
            replaced[step.name] = {"weights_before": m.weight.numel(),
                                   "weights_after": _weights(new)}
    return replaced
