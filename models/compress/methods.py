"""The compression methods Rassadin and Savchenko compare (their Table 2), as transforms of a trained
float classifier, and how a transformed model is saved and rebuilt.

    hashed     HashedNets weight sharing (hashing.py), option rate, layers
    cp         CP decomposition of the convolutions (decompose.py), option rank_fraction, layers
    tucker     Tucker decomposition of the convolutions, the same options
    bwn        binary weights x per-channel mean |w|, float activations (binarize.py)
    bwn_a8     the same with INT8 activations (hardware variant)
    xnor       binary weights x per-channel mean |w|, binary activations (hardware: K dropped)
    xnor_k     xnor with XNOR-Net's per-position input scale K (torch only)
    binact     float weights, binary activations
    binact_w8  INT8 weights, binary activations (hardware variant)

Every transform starts from the float model's weights; fine-tuning (retrain.fit) follows. A
transformed model is saved as its base config, method, options and state dict: `load` rebuilds
the base model, applies the same (deterministic) transform and loads the weights.
"""
from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from models.compress.binarize import add_input_scale, from_float
from models.compress.decompose import decompose
from models.compress.hashing import hash_layers
from models.compress.source import example_input
from models.quant import get_preset
from models.recipes.classification import build_model

BINARY_PRESETS = ("bwn", "bwn_a8", "xnor", "binact", "binact_w8")
METHODS = ("hashed", "cp", "tucker", *BINARY_PRESETS, "xnor_k")
DEFAULTS = {"hashed": {"rate": 0.125, "layers": "both"},
            "cp": {"rank_fraction": 0.5, "layers": "conv"},
            "tucker": {"rank_fraction": 0.5, "layers": "conv"}}


def options_for(method: str, **given) -> dict:
    """The method's options: its defaults updated by the given ones that are not None."""
    if method not in METHODS:
        raise ValueError(f"unknown compression method {method!r}; supported: {', '.join(METHODS)}")
    return {**DEFAULTS.get(method, {}), **{k: v for k, v in given.items() if v is not None}}


def transform(method: str, model: nn.Module, config: dict,
              options: dict | None = None) -> tuple[nn.Module, dict, dict]:
    """(compressed model, its config, what the transform did) from the float `model` of
    `config`; the float model itself is left unchanged."""
    options = options_for(method, **(options or {}))
    if config["preset"] != "float":
        raise ValueError(f"compression methods start from a float model, got preset "
                         f"{config['preset']!r}")
    ex = example_input(config)
    if method == "hashed":
        model = _copy(model, config)
        return model, config, {"buckets": hash_layers(model, ex, options["rate"],
                                                      options["layers"])}
    if method in ("cp", "tucker"):
        model = _copy(model, config)
        return model, config, {"replaced": decompose(model, ex, method, options["rank_fraction"],
                                                     options["layers"])}
    preset = "xnor" if method == "xnor_k" else method
    model, cfg = from_float(model, config, preset)
    info = {"preset": preset}
    if method == "xnor_k":
        info["input_scaled"] = add_input_scale(model, ex)
    return model, cfg, info


def _copy(model: nn.Module, config: dict) -> nn.Module:
    fresh, _ = build_model(config)
    fresh.load_state_dict(model.state_dict())
    return fresh


def buildable(method: str) -> bool:
    """Whether the method's model is integer all through (what the dataflow compiler takes)."""
    return method in BINARY_PRESETS and get_preset(method).integer


def save(path: str | Path, base_config: dict, method: str, options: dict, model: nn.Module,
         info: dict | None = None) -> None:
    torch.save({"config": base_config, "method": method, "options": options,
                "model": model.state_dict(), "info": info or {}}, path)


def load(path: str | Path) -> tuple[nn.Module, dict]:
    """(model in eval mode, saved dict) written by `save`."""
    saved = torch.load(path, map_location="cpu", weights_only=False)
    base, _ = build_model(saved["config"])
    model, _, _ = transform(saved["method"], base, saved["config"], saved["options"])
    model.load_state_dict(saved["model"])
    return model.eval(), saved
