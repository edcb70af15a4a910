"""Brevitas layer factories and the classification quantisation presets.

Every quantised model in the repository is built from these few functions, so that a bit width means
the same thing everywhere and every model exports to QONNX in a form the compiler folds:

- weights: ``None`` float; ``1`` binary {-1, +1} (constant scale 1, exported as BipolarQuant), or
  with ``scaled_binary`` {-1, +1} x mean(|w|) per output channel (Rastegari et al.'s BWN and
  XNOR-Net alpha; the compiler folds the scale into the next thresholds);
  ``2`` ternary, narrow-range INT2 {-1, 0, +1} x a per-output-channel float scale (the mean of |w|);
  ``k >= 3`` narrow-range INTk with a per-output-channel float scale (the max of |w|).
- activations: ``None`` ReLU; ``1`` binary sign {-1, +1} (exported as BipolarQuant);
  ``k >= 2`` unsigned k-bit QuantReLU (or a signed k-bit QuantIdentity) with a learned float scale,
  its clipping range initialised to [0, 2] (or [-2, 2]): activations follow a BatchNorm, so about
  two standard deviations. A learned parameter from a fixed start, not Brevitas' default of
  statistics collected over the first 300 training steps, so that a checkpoint taken at any step
  resumes exactly.
- the image input: signed ``bits``-bit fixed point with the constant power-of-two scale
  2^-(bits-1), covering [-1, 1); see ``images_to_input`` for the matching image normalisation.

Models put BatchNorm between a conv/linear and its activation quantizer and leave quantised layers
without bias: the compiler folds BatchNorm and the activation into integer thresholds.
"""

from dataclasses import dataclass

import torch
from brevitas.core.function_wrapper import TensorClampSte
from brevitas.core.restrict_val import RestrictValueType
from brevitas.core.scaling import ScalingImplType
from brevitas.core.stats import StatsOp
from brevitas.nn import QuantConv2d, QuantIdentity, QuantLinear, QuantReLU
from brevitas.quant import (
    Int8ActPerTensorFloatMinMaxInit,
    Int8WeightPerChannelFloat,
    SignedBinaryActPerTensorConst,
    SignedBinaryWeightPerTensorConst,
    Uint8ActPerTensorFloatMaxInit,
)
from brevitas.quant.base import IntQuant
from brevitas.quant.solver import ActQuantSolver
from torch import nn


class BinaryWeightQuant(SignedBinaryWeightPerTensorConst):
    """Weights sign(w) in {-1, +1} (scale 1); latent weights clipped to [-1, 1] in place."""

    scaling_const = 1.0


class ScaledBinaryWeightQuant(SignedBinaryWeightPerTensorConst):
    """Weights sign(w) x mean(|w|) per output channel (BWN / XNOR-Net's alpha). The latent weights
    are not clipped in place: clipping to the scale would change the mean it is computed from."""

    scaling_impl_type = ScalingImplType.STATS
    scaling_stats_op = StatsOp.AVE
    scaling_per_output_channel = True
    tensor_clamp_impl = TensorClampSte


class TernaryWeightQuant(Int8WeightPerChannelFloat):
    """Narrow-range INT2 weights {-1, 0, +1} x mean(|w|) per output channel."""

    bit_width = 2
    scaling_stats_op = StatsOp.AVE


class UnsignedActQuant(Uint8ActPerTensorFloatMaxInit):
    """Unsigned k-bit activations, learned per-tensor scale, initial range [0, 2]."""

    max_val = 2.0


class SignedActQuant(Int8ActPerTensorFloatMinMaxInit):
    """Signed k-bit activations, learned per-tensor scale, initial range [-2, 2]."""

    min_val = -2.0
    max_val = 2.0


class InputQuant(IntQuant, ActQuantSolver):
    """Signed fixed point, constant power-of-two scale max_val / 2^(bits-1) = 2^-(bits-1)."""

    scaling_impl_type = ScalingImplType.CONST
    restrict_scaling_type = RestrictValueType.POWER_OF_TWO
    min_val = -1.0
    max_val = 1.0


def _check_bits(bits, what, minimum):
    if bits is not None and (not isinstance(bits, int) or isinstance(bits, bool) or bits < minimum):
        raise ValueError(
            f"{what}={bits!r} is not supported: use None (float) or an int >= {minimum}"
        )


def _weight_quant(weight_bits, scaled_binary=False):
    """Brevitas keyword arguments for a layer with `weight_bits`-bit weights."""
    _check_bits(weight_bits, "weight_bits", 1)
    if scaled_binary and weight_bits != 1:
        raise ValueError(f"scaled_binary needs weight_bits=1, got {weight_bits!r}")
    if weight_bits == 1:
        return {"weight_quant": ScaledBinaryWeightQuant if scaled_binary else BinaryWeightQuant}
    if weight_bits == 2:
        return {"weight_quant": TernaryWeightQuant}
    return {"weight_quant": Int8WeightPerChannelFloat, "weight_bit_width": weight_bits}


def quant_conv2d(in_ch, out_ch, kernel_size, stride=1, padding=0, weight_bits=None, bias=False,
                 scaled_binary=False, groups=1):
    """A Conv2d; float (nn.Conv2d) when `weight_bits` is None, else a Brevitas QuantConv2d;
    groups = in_ch = out_ch makes it depthwise."""
    if weight_bits is None:
        return nn.Conv2d(in_ch, out_ch, kernel_size, stride=stride, padding=padding, bias=bias, groups=groups)
    return QuantConv2d(
        in_ch, out_ch, kernel_size, stride=stride, padding=padding, bias=bias, groups=groups,
        **_weight_quant(weight_bits, scaled_binary),
    )


def quant_linear(in_f, out_f, weight_bits=None, bias=False, scaled_binary=False):
    """A Linear; float (nn.Linear) when `weight_bits` is None, else a Brevitas QuantLinear."""
    if weight_bits is None:
        return nn.Linear(in_f, out_f, bias=bias)
    return QuantLinear(in_f, out_f, bias=bias, **_weight_quant(weight_bits, scaled_binary))


def quant_act(bits=None, signed=False):
    """An activation: ReLU (None), binary sign (1), k-bit QuantReLU or signed QuantIdentity."""
    _check_bits(bits, "activation bits", 1)
    if bits is None:
        if signed:
            raise ValueError("a float activation is a ReLU (unsigned); signed=True needs bits")
        return nn.ReLU()
    if bits == 1:
        return QuantIdentity(act_quant=SignedBinaryActPerTensorConst)
    if signed:
        return QuantIdentity(act_quant=SignedActQuant, bit_width=bits)
    return QuantReLU(act_quant=UnsignedActQuant, bit_width=bits)


def input_quant(bits=8):
    """The image-input quantizer: signed `bits`-bit, scale 2^-(bits-1), over [-1, 1)."""
    _check_bits(bits, "input bits", 2)
    return QuantIdentity(
        act_quant=InputQuant, bit_width=bits, max_val=1.0 - 2.0 ** (1 - bits), narrow_range=False
    )


def images_to_input(images):
    """uint8 images (N x H x W or N x H x W x C) -> float NCHW tensor (p - 128) / 128 in [-1, 1).

    Every value is a multiple of 2^-7, so ``input_quant(8)`` represents it exactly and the
    hardware's input is simply the int8 p - 128.
    """
    x = torch.as_tensor(images)
    if x.dtype != torch.uint8:
        raise ValueError(f"images must be uint8, got {x.dtype}")
    if x.dim() == 3:
        x = x.unsqueeze(1)
    elif x.dim() == 4:
        x = x.permute(0, 3, 1, 2)
    else:
        raise ValueError(f"images must be N x H x W or N x H x W x C, got shape {tuple(x.shape)}")
    return (x.float() - 128.0) / 128.0


@dataclass(frozen=True)
class QuantPreset:
    """Bit widths of a classification network: None means float. `scaled_binary`: binary
    weights times mean(|w|) per output channel."""

    name: str
    input_bits: int | None
    weight_bits: int | None
    act_bits: int | None
    scaled_binary: bool = False

    @property
    def quantized(self):
        return self.weight_bits is not None

    @property
    def integer(self):
        """Input, weights and activations all quantised: what the dataflow compiler builds."""
        return None not in (self.input_bits, self.weight_bits, self.act_bits)


PRESETS = {
    p.name: p
    for p in (
        QuantPreset("float", input_bits=None, weight_bits=None, act_bits=None),
        QuantPreset("w1a1", input_bits=8, weight_bits=1, act_bits=1),
        QuantPreset("w2a2", input_bits=8, weight_bits=2, act_bits=2),
        QuantPreset("w4a4", input_bits=8, weight_bits=4, act_bits=4),
        # the binarisation methods Rassadin and Savchenko compare (Rastegari et al.), each as in
        # the paper (float parts) and as a hardware variant the compiler builds
        QuantPreset("bwn", input_bits=None, weight_bits=1, act_bits=None, scaled_binary=True),
        QuantPreset("bwn_a8", input_bits=8, weight_bits=1, act_bits=8, scaled_binary=True),
        QuantPreset("xnor", input_bits=8, weight_bits=1, act_bits=1, scaled_binary=True),
        QuantPreset("binact", input_bits=None, weight_bits=None, act_bits=1),
        QuantPreset("binact_w8", input_bits=8, weight_bits=8, act_bits=1),
    )
}


def get_preset(name):
    """The QuantPreset called `name` (a QuantPreset is returned unchanged)."""
    if isinstance(name, QuantPreset):
        return name
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; supported: {', '.join(PRESETS)}")
    return PRESETS[name]
