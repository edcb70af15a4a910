"""Size, work and energy of a network (the low-power survey section VI-B; Bonsai section 4.2; Distill-Net 7.2).

Per conv / dense layer (H outputs, I inputs, k1 x k2 kernel, rh x rw output map):
  parameters    stored weights + biases (+ BatchNorm scale and shift of the layers that follow
                it); a weight-sharing parametrisation (HashedNets) stores its buckets only
  memory bits   weights at the layer's weight bit width, biases and BatchNorm at 32 bits
  MACs          k1 k2 rh rw (I / groups) H (conv), I H (dense)
  FLOPs         2 MACs: Bonsai's 2 k1 k2 rh rw I H and 2 I H
  bit-ops       MACs x b_w x b_a (weight bits x input activation bits; float counts as 32)

Energy per inference, a first-order model built on Distill-Net section 7.2's 45 nm figures: a 32-bit
operation costs E_op = 1 pJ, a 32-bit cache access 6 pJ, a 32-bit DRAM access 640 pJ. As in seed
003's Eq. (11), an operand is loaded through a cache with hit rate h (default 0.95), so a 32-bit
load costs E_load = h * 6 + (1 - h) * 640 pJ (37.7 pJ at h = 0.95). Each MAC
  - multiplies a b_w-bit weight by a b_a-bit activation: E_op * b_w * b_a / 32^2 (an array
    multiplier's energy grows with the product of the operand widths; 1 pJ at 32 x 32 bits),
  - adds into a 32-bit accumulator: E_op,
  - loads its two operands: E_load * (b_w + b_a) / 32 (narrow operands share a 32-bit word).
So a float MAC costs 2 + 2 * 37.7 = 77.4 pJ and a binary one 1.001 + 37.7 / 16 = 3.36 pJ at
h = 0.95. Not modelled: output writes, BatchNorm/activation/pooling work, operand reuse in
registers. It is a CPU-style estimate for comparing models, not the FPGA's measured power (for
that, the low-power survey VI-B item 4: a power meter on the board).
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils import parametrize

from models.compress.chain import CHANNELWISE, PRODUCER, Step, trace_chain

E_OP_PJ = 1.0       # 32-bit operation, 45 nm
E_CACHE_PJ = 6.0    # 32-bit cache access
E_DRAM_PJ = 640.0   # 32-bit DRAM access
DEFAULT_HIT_RATE = 0.95
FLOAT_BITS = 32


def _quant_bits(proxy) -> int | None:
    if proxy is not None and getattr(proxy, "is_quant_enabled", False):
        return int(proxy.bit_width().item())
    return None


def weight_bits(layer: nn.Module) -> int:
    return _quant_bits(getattr(layer, "weight_quant", None)) or FLOAT_BITS


def activation_bits(step: Step) -> int | None:
    """Output bit width of an activation quantizer step (None if it does not quantize)."""
    return _quant_bits(getattr(step.module, "act_quant", None))


def load_energy_pj(hit_rate: float = DEFAULT_HIT_RATE) -> float:
    if not 0.0 <= hit_rate <= 1.0:
        raise ValueError(f"cache hit rate must lie in [0, 1], got {hit_rate}")
    return hit_rate * E_CACHE_PJ + (1.0 - hit_rate) * E_DRAM_PJ


def mac_energy_pj(b_w: int, b_a: int, hit_rate: float = DEFAULT_HIT_RATE) -> float:
    return (E_OP_PJ * b_w * b_a / FLOAT_BITS ** 2 + E_OP_PJ
            + load_energy_pj(hit_rate) * (b_w + b_a) / FLOAT_BITS)


def stored_weights(layer: nn.Module) -> int:
    """Weights the layer stores: its weight tensor, or what a parametrisation derives it from."""
    if parametrize.is_parametrized(layer, "weight"):
        return layer.parametrizations.weight.original.numel()
    return layer.weight.numel()


def _own_params(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters(recurse=False))


def layer_metrics(model: nn.Module, example_input: torch.Tensor,
                  hit_rate: float = DEFAULT_HIT_RATE) -> list[dict]:
    """One row per conv / dense layer, in order (BatchNorm parameters go to the layer before)."""
    steps = trace_chain(model, example_input, editable=False)
    rows: list[dict] = []
    act_bits: int = FLOAT_BITS
    for step in steps:
        m = step.module
        if step.kind == PRODUCER:
            b_a = _quant_bits(getattr(m, "input_quant", None)) or act_bits
            b_w = weight_bits(m)
            bias = m.bias.numel() if m.bias is not None else 0
            if isinstance(m, nn.Conv2d):
                k1, k2 = m.kernel_size
                rh, rw = step.out_shape[1:]
                macs = k1 * k2 * rh * rw * m.weight.shape[1] * m.out_channels
            else:
                macs = m.in_features * m.out_features
            kind = "conv" if isinstance(m, nn.Conv2d) else "dense"
            rows.append({"layer": step.name, "type": kind,
                         "in": m.weight.shape[1], "out": m.weight.shape[0],
                         "weight_bits": b_w, "act_bits": b_a,
                         "params": stored_weights(m) + bias,
                         "memory_bits": stored_weights(m) * b_w + bias * FLOAT_BITS,
                         "macs": macs, "flops": 2 * macs, "bitops": macs * b_w * b_a,
                         "energy_pj": macs * mac_energy_pj(b_w, b_a, hit_rate)})
        elif step.kind == CHANNELWISE:
            if not isinstance(m, (nn.Dropout, nn.Dropout2d, nn.Identity)):
                # a quantizer sets the width; BatchNorm or a float activation computes real values
                act_bits = activation_bits(step) or FLOAT_BITS
            extra = _own_params(m)
            if extra and rows:
                rows[-1]["params"] += extra
                rows[-1]["memory_bits"] += extra * FLOAT_BITS
    return rows


TOTALS = ("params", "memory_bits", "macs", "flops", "bitops", "energy_pj")


def model_metrics(model: nn.Module, example_input: torch.Tensor,
                  hit_rate: float = DEFAULT_HIT_RATE) -> dict:
    """{"layers": rows, "total": sums over layers, "hit_rate": h}; see the module docstring."""
    rows = layer_metrics(model, example_input, hit_rate)
    total = {k: sum(r[k] for r in rows) for k in TOTALS}
    return {"layers": rows, "total": total, "hit_rate": hit_rate}


def reduction(before: dict, after: dict) -> dict:
    """Relative reduction (0..1) of every total from `before` to `after` (model_metrics dicts)."""
    return {k: 1.0 - after["total"][k] / before["total"][k] if before["total"][k] else 0.0
            for k in TOTALS}
