"""The VGG-inspired models A, B and C of Bonsai (Bingham and Helmich, Fig. 4), float and quantised.

    A (convolution heavy): conv3-64 conv3-64 pool conv3-128 conv3-128 conv3-256 pool | FC-64 FC-32
    B (balanced):          conv3-64 conv3-64 pool conv3-128 conv3-128 conv3-128 conv3-256 pool
                           | FC-256 FC-128 FC-64 FC-32
    C (dense heavy):       conv3-2 conv3-2 pool conv3-4 conv3-4 conv3-4 pool
                           | FC-256 FC-128 FC-64 FC-32
    each followed by FC-<num_classes>.

Convolutions are 3x3, stride 1, without padding ("valid"): Fig. 4 gives no padding, and only valid
convolutions reproduce the paper's description of A as convolution heavy and B as balanced (with
"same" padding A would hold more dense than convolution weights). Pools are 2x2, stride 2. The
paper uses average pooling; the float preset keeps it, the quantised presets default to max pooling,
which the dataflow compiler streams (on binary activations a max pool is an OR, while an average of
{-1, +1} values is no longer binary). `pool=` overrides either.

Every hidden layer is conv/linear -> BatchNorm -> activation (quantizer), the order the compiler
folds into thresholds. The last layer of a quantised model is a bias-free quantised linear followed
by BatchNorm1d (a per-class scale and bias at the output edge, like bnn_pynq's TensorNorm); the
float model ends in a linear with bias. Quantised models begin with the 8-bit input quantizer and
expect `models.quant.images_to_input` images in [-1, 1).

Layout, for structural pruning: ``model.features`` (input quantizer, conv/BN/act/pool blocks) and
``model.classifier`` (Flatten, then linear/BN/act blocks, then the last layer) are nn.Sequential and
the forward pass is ``classifier(features(x))``; Flatten is NCHW, so channel c of the last
convolution feeds inputs c*H*W ... (c+1)*H*W - 1 of the first linear layer.
"""

from torch import nn

from models.quant import get_preset, input_quant, quant_act, quant_conv2d, quant_linear

POOL = "pool"

VARIANTS = {
    "A": ([64, 64, POOL, 128, 128, 256, POOL], [64, 32]),
    "B": ([64, 64, POOL, 128, 128, 128, 256, POOL], [256, 128, 64, 32]),
    "C": ([2, 2, POOL, 4, 4, 4, POOL], [256, 128, 64, 32]),
}

POOLS = {"avg": nn.AvgPool2d, "max": nn.MaxPool2d}


class VGG(nn.Module):
    """``classifier(features(x))``; see the module docstring for the layout."""

    def __init__(self, features, classifier):
        super().__init__()
        self.features = features
        self.classifier = classifier

    def forward(self, x):
        return self.classifier(self.features(x))


def _variant(variant):
    key = variant.upper().removeprefix("VGG_")
    if key not in VARIANTS:
        raise ValueError(f"unknown VGG variant {variant!r}; supported: A, B, C (or vgg_a, ...)")
    return VARIANTS[key]


def hidden_widths(variant):
    """The channel counts of the variant's hidden conv and dense layers, in order."""
    convs, denses = _variant(variant)
    return [c for c in convs if c != POOL] + list(denses)


def make_vgg(variant, in_shape=(1, 28, 28), num_classes=10, preset="float", pool=None, widths=None,
             layer_presets=None):
    """VGG model `variant` ("A", "B", "C" or "vgg_a", ...) for CHW inputs `in_shape`.

    `preset` is a name from models.quant.PRESETS (or a QuantPreset); `pool` is "avg" or "max",
    default "avg" for the float preset and "max" for quantised presets. `widths` replaces the
    hidden layers' channel counts (one per conv and dense layer but the last, see hidden_widths);
    `layer_presets` (one quantised preset per conv and dense layer, the last included) gives each
    layer the weight bits of its preset and the activation after it that preset's activation
    bits: mixed precision. The input quantizer is `preset`'s.
    """
    convs, denses = _variant(variant)
    preset = get_preset(preset)
    if widths is not None:
        widths = list(widths)
        if len(widths) != len(hidden_widths(variant)) or not all(isinstance(w, int) and w >= 1 for w in widths):
            raise ValueError(f"widths {widths!r}: VGG {variant} takes {len(hidden_widths(variant))} "
                             "positive channel counts")
        layout = iter(widths)
        convs = [c if c == POOL else next(layout) for c in convs]
        denses = [next(layout) for _ in denses]
    n_layers = len(hidden_widths(variant)) + 1
    if layer_presets is None:
        layers = [preset] * n_layers
    else:
        layers = [get_preset(p) for p in layer_presets]
        if len(layers) != n_layers:
            raise ValueError(f"layer_presets: VGG {variant} has {n_layers} conv and dense layers, "
                             f"got {len(layers)} presets")
        if not preset.quantized or any(not p.quantized for p in layers):
            raise ValueError("layer_presets: mixed precision takes quantised presets only (and a "
                             f"quantised preset for the input), got {preset.name} and "
                             f"{', '.join(p.name for p in layers)}")
    pool = pool or ("max" if preset.quantized else "avg")
    if pool not in POOLS:
        raise ValueError(f"unknown pool {pool!r}; supported: {', '.join(POOLS)}")
    if len(in_shape) != 3:
        raise ValueError(f"in_shape must be (channels, height, width), got {in_shape!r}")
    channels, height, width = in_shape
    layer = iter(layers)

    def block(make, in_n, out_n, bn, *args):
        p = next(layer)
        return [make(in_n, out_n, *args, weight_bits=p.weight_bits, scaled_binary=p.scaled_binary), bn(out_n),
                quant_act(p.act_bits)]

    features = [input_quant(preset.input_bits)] if preset.input_bits is not None else []
    for item in convs:
        if item == POOL:
            features.append(POOLS[pool](2))
            height, width = height // 2, width // 2
            continue
        features += block(quant_conv2d, channels, item, nn.BatchNorm2d, 3)
        channels, height, width = item, height - 2, width - 2
        if height < 1 or width < 1:
            raise ValueError(f"input {tuple(in_shape)} is too small for VGG {variant}")

    classifier = [nn.Flatten()]
    in_f = channels * height * width
    for out_f in denses:
        classifier += block(quant_linear, in_f, out_f, nn.BatchNorm1d)
        in_f = out_f
    last = next(layer)
    if preset.quantized:
        classifier += [quant_linear(in_f, num_classes, weight_bits=last.weight_bits, scaled_binary=last.scaled_binary),
                       nn.BatchNorm1d(num_classes)]
    else:
        classifier.append(nn.Linear(in_f, num_classes))
    return VGG(nn.Sequential(*features), nn.Sequential(*classifier))
