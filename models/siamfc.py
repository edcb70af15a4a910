"""SiamFC: a fully-convolutional Siamese network for tracking (Przewlocka et al., section 3.2).

One backbone with shared weights embeds the exemplar z (127x127x3 -> 17x17xC) and the search
region x (255x255x3 -> 49x49xC); their cross-correlation is the 33x33 score map.

The backbone is unpadded with total stride 4 and a 63-pixel receptive field, which is what those
sizes demand: an unpadded network maps n -> (n - R) / S + 1, and 127 -> 17, 255 -> 49 give
128 / S = 32 (S = 4) and R = 127 - 16 * 4 = 63. Every strided layer divides its input exactly
(for 127 and for 255), so no pixel is dropped at the right or bottom edge:

    layer   kernel stride  127 -> .   255 -> .   receptive field
    conv1   5      2       62         126        5
    pool1   2      2       31         63         7
    conv2   5      1       27         59         23
    conv3-6 3      1       25..19     57..51     31, 39, 47, 55
    conv7   3      1       17         49         63

Because nothing is padded, output (i, j) sees exactly input rows 4i..4i+62 and columns
4j..4j+62, so the top-left 17x17 outputs of a 255x255 canvas holding the exemplar at its top-left
are the exemplar's own features: the hardware embeds exemplars with the search-image datapath.

Each convolution is followed by BatchNorm and then its activation (quantizer): ReLU or QuantReLU or
binary sign after conv1..conv6, a signed output quantizer after conv7. Convolutions have no bias.
The compiler folds each BatchNorm and the quantizer after it into integer thresholds. The
cross-correlation is not part of the backbone: the hardware computes it as its own op.
"""

import math
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

import torch
from brevitas.export import export_qonnx
from torch import nn
from torch.nn import functional as F

from models.quant import input_quant, quant_act, quant_conv2d
from models.siamfc_presets import SiamFCPreset, get_preset
from models.training import load_checkpoint

EXEMPLAR_SIZE = 127
SEARCH_SIZE = 255
TOTAL_STRIDE = 4
RECEPTIVE_FIELD = 63
# the trained `binary` preset at the hardware width (models/README_siamfc.md says how it was made)
BINARY_CHECKPOINT = Path(__file__).resolve().parent / "checkpoints" / "siamfc_binary.pt"
# the `binary` preset trained on varied scenes and distilled from the FP32 tracker, closer to FP32
# on the held-out benchmarks (models/README_siamfc.md); not the build's default checkpoint
BINARY_KD_VARIED_CHECKPOINT = BINARY_CHECKPOINT.with_name("siamfc_binary_kd_varied.pt")
# the same, distilled from an FP32 tracker trained on the varied scenes too: the recipe whose five
# seeds meet the held-out goal (models/README_siamfc.md); not the build's default checkpoint either
BINARY_KD_FP32VARIED_CHECKPOINT = BINARY_CHECKPOINT.with_name("siamfc_binary_kd_fp32varied.pt")


@dataclass(frozen=True)
class Conv:
    kernel: int
    stride: int
    channels: int  # output channels at width 1.0


@dataclass(frozen=True)
class Pool:
    kernel: int
    stride: int


# Width 1.0 is the width the hardware builds: 193.5 M MACs per 255x255 search image (see
# layer_table); width 2.0 (4x the MACs) is the most an xc7z020 could hold with XNOR hidden layers.
ARCHITECTURE = (
    Conv(5, 2, 16),
    Pool(2, 2),
    Conv(5, 1, 32),
    Conv(3, 1, 32),
    Conv(3, 1, 32),
    Conv(3, 1, 32),
    Conv(3, 1, 32),
    Conv(3, 1, 32),
)


def scaled_channels(base: int, width: float) -> int:
    """Channels of a layer at a width multiplier: a multiple of 4, at least 4."""
    if width <= 0:
        raise ValueError(f"width must be positive, got {width}")
    return max(4, int(round(base * width / 4)) * 4)


def feature_size(input_size: int) -> int:
    """Side of the backbone's output for a square input of side `input_size`."""
    size = input_size
    for layer in ARCHITECTURE:
        if size < layer.kernel:
            raise ValueError(
                f"input {input_size} is smaller than the receptive field {RECEPTIVE_FIELD}"
            )
        size = (size - layer.kernel) // layer.stride + 1
    return size


def score_size(search_size: int = SEARCH_SIZE, exemplar_size: int = EXEMPLAR_SIZE) -> int:
    """Side of the score map for a search and an exemplar crop."""
    return feature_size(search_size) - feature_size(exemplar_size) + 1


def layer_table(width: float = 1.0, input_size: int = SEARCH_SIZE) -> list[dict]:
    """Per layer: name, kernel, stride, channels, output side and MACs for one square input."""
    rows, size, channels, convs = [], input_size, 3, 0
    for layer in ARCHITECTURE:
        size = (size - layer.kernel) // layer.stride + 1
        is_conv = isinstance(layer, Conv)
        convs += is_conv
        out = scaled_channels(layer.channels, width) if is_conv else channels
        macs = size * size * layer.kernel**2 * channels * out if is_conv else 0
        rows.append(
            dict(
                name=f"{'conv' if is_conv else 'pool'}{convs}",
                kernel=layer.kernel,
                stride=layer.stride,
                in_channels=channels,
                out_channels=out,
                out_size=size,
                macs=macs,
            )
        )
        channels = out
    return rows


def macs_per_image(width: float = 1.0, input_size: int = SEARCH_SIZE) -> int:
    """Multiply-accumulates of the backbone for one square input image."""
    return sum(row["macs"] for row in layer_table(width, input_size))


def conv_channels(width: float = 1.0, channels=None) -> tuple[int, ...]:
    """Output channels of conv1..conv7: `channels` when given (a pruned network, see
    models/compress/siamfc_prune.py), else the architecture's at `width`."""
    if channels is None:
        return tuple(scaled_channels(c.channels, width) for c in ARCHITECTURE if isinstance(c, Conv))
    channels = tuple(int(c) for c in channels)
    n_convs = sum(isinstance(layer, Conv) for layer in ARCHITECTURE)
    if len(channels) != n_convs or min(channels) < 1:
        raise ValueError(f"channels must give {n_convs} positive output channel counts "
                         f"(conv1..conv{n_convs}), got {list(channels)}")
    return channels


class SiamFCBackbone(nn.Module):
    """The embedding network phi: image (N, 3, H, W), normalised by models.quant.images_to_input,
    -> features (N, C, (H - 63) / 4 + 1, (W - 63) / 4 + 1).

    `channels` (one count per convolution) overrides `width`: the shape of a pruned backbone."""

    def __init__(self, preset="fp32", width: float = 1.0, channels=None):
        super().__init__()
        self.preset = get_preset(preset)
        self.width = width
        self.channels = conv_channels(width, channels)
        p = self.preset
        layers = OrderedDict()
        if p.input_bits is not None:
            layers["input_quant"] = input_quant(p.input_bits)
        n_convs = len(self.channels)
        channels, index = 3, 0
        for layer in ARCHITECTURE:
            if isinstance(layer, Pool):
                layers[f"pool{index}"] = nn.MaxPool2d(layer.kernel, layer.stride)
                continue
            index += 1
            out = self.channels[index - 1]
            last = index == n_convs
            weight_bits = {1: p.first_weight_bits, n_convs: p.last_weight_bits}.get(
                index, p.hidden_weight_bits
            )
            layers[f"conv{index}"] = quant_conv2d(
                channels, out, layer.kernel, stride=layer.stride, weight_bits=weight_bits
            )
            layers[f"bn{index}"] = nn.BatchNorm2d(out)
            if not last:
                layers[f"act{index}"] = quant_act(p.act_bits)
            elif p.out_bits is not None:
                layers["out_quant"] = quant_act(p.out_bits, signed=True)
            channels = out
        self.layers = nn.Sequential(layers)
        self.out_channels = channels

    def forward(self, x):
        return self.layers(x)

    def convolutions(self) -> list[tuple[str, nn.Conv2d]]:
        return [(name, m) for name, m in self.layers.named_children() if isinstance(m, nn.Conv2d)]


def correlate(z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """Cross-correlation of exemplar features z (B, C, h, w) with search features x (B', C, H, W),
    B' a multiple of B, search map i against exemplar i mod B -> (B', 1, H-h+1, W-w+1)."""
    if z.shape[1] != x.shape[1] or x.shape[0] % z.shape[0]:
        raise ValueError(
            f"cannot correlate exemplar features {tuple(z.shape)} with search "
            f"features {tuple(x.shape)}"
        )
    b = z.shape[0]
    groups = x.reshape(-1, b * x.shape[1], x.shape[2], x.shape[3])
    out = F.conv2d(groups, z, groups=b)
    return out.reshape(x.shape[0], 1, out.shape[2], out.shape[3])


class SiamFCNet(nn.Module):
    """backbone + cross-correlation + a learned affine score adjustment (as SiamFC's 'adjust').

    The adjustment's scale is learned as its logarithm (initial scale 1e-3, as SiamFC), so it
    stays positive: the tracker may use the raw correlation, whose peak is the same."""

    def __init__(self, preset="fp32", width: float = 1.0, channels=None):
        super().__init__()
        self.backbone = SiamFCBackbone(preset, width, channels)
        self.log_score_scale = nn.Parameter(torch.tensor(math.log(1e-3)))
        self.score_bias = nn.Parameter(torch.tensor(0.0))

    @property
    def preset(self) -> SiamFCPreset:
        return self.backbone.preset

    def forward(self, z, x):
        """exemplars (B, 3, 127, 127), search images (B', 3, 255, 255) -> scores (B', 1, 33, 33)."""
        return self.score(self.backbone(z), self.backbone(x))

    def score(self, z_features, x_features):
        return correlate(z_features, x_features) * self.log_score_scale.exp() + self.score_bias


def conv_parameter_memory(backbone: SiamFCBackbone) -> dict:
    """Memory of the convolution weights (Table 2's last column), from the layers' quantizers:
    {"layers": [{"name", "weights", "bits_per_weight", "bits"}], "bits", "kbytes"}.
    Per-channel float scales and BatchNorm parameters are left out, as in the paper."""
    layers = []
    for name, conv in backbone.convolutions():
        quant_weight = getattr(conv, "quant_weight", None)
        bits = 32 if quant_weight is None else int(quant_weight().bit_width.item())
        n = conv.weight.numel()
        layers.append({"name": name, "weights": n, "bits_per_weight": bits, "bits": n * bits})
    total = sum(layer["bits"] for layer in layers)
    return {"layers": layers, "bits": total, "kbytes": total / 8 / 1024}


def export_backbone(backbone: SiamFCBackbone, path, input_size: int = SEARCH_SIZE) -> Path:
    """Export the backbone alone (eval mode) to QONNX, input 1 x 3 x input_size x input_size."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    was_training = backbone.training
    backbone.eval()
    try:
        export_qonnx(
            backbone, torch.zeros(1, 3, input_size, input_size), export_path=str(path), dynamo=False
        )
    finally:
        backbone.train(was_training)
    return path


def load_siamfc(path) -> SiamFCNet:
    """The SiamFCNet of a checkpoint written by the siamfc recipe (pruned ones included: their
    config lists the channels of each convolution), in eval mode."""
    state = load_checkpoint(path)
    config = state.get("config") or {}
    if config.get("recipe") != "siamfc":
        raise ValueError(f"{path} is not a siamfc checkpoint (recipe {config.get('recipe')!r})")
    net = SiamFCNet(config["preset"], config["width"], config.get("channels"))
    net.load_state_dict(state["model"])
    return net.eval()
