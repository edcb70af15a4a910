"""Where compression gets its models and data, and how compressed models are saved and reloaded.

Models come from the classification recipes of `python -m models.train` (models/recipes/
classification.py): a checkpoint it wrote (its config rebuilds the model), or a recipe config that
is trained here on first use and cached. Data are that recipe's splits, converted to the model's
input format. A compressed model is saved as the base config + the kept output channels of each
layer + the state dict: `load_compressed` rebuilds the base model, removes the same channels and
loads the weights (Brevitas quantizers are not picklable as whole modules).
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from torch import nn

from models.compress.surgery import remove_channels
from models.recipes.classification import DATASETS, build_model, load_split, train
from models.training import load_checkpoint


def recipe_config(recipe: str, preset: str, dataset: str = "mnist", epochs: int = 5, seed: int = 0,
                  train_limit: int | None = None, lr: float = 2e-3, threads: int = 1) -> dict:
    """A config in the format of models.recipes.classification (what its checkpoints hold)."""
    return {"recipe": recipe, "dataset": dataset, "preset": preset, "pool": None, "data_dir": None,
            "epochs": epochs, "batch_size": 64, "lr": lr, "seed": seed, "train_limit": train_limit,
            "val_limit": None, "threads": threads, "device": "cpu"}


RUN_ONLY = ("threads", "device")  # config entries that do not change the trained model


def example_input(config: dict) -> torch.Tensor:
    return torch.zeros((1, *DATASETS[config["dataset"]][0]))


def from_checkpoint(path: str | Path) -> tuple[nn.Module, dict]:
    """(model in eval mode, its config) from a models.train checkpoint."""
    state = load_checkpoint(path)
    model, _ = build_model(state["config"])
    model.load_state_dict(state["model"])
    return model.eval(), state["config"]


def trained(config: dict, cache_dir: str | Path) -> nn.Module:
    """The model of `config`, trained by the models.train recipe into `cache_dir` unless a run with
    the same config is already there."""
    best = Path(cache_dir) / "best.pt"
    if best.exists():
        model, saved = from_checkpoint(best)
        if all(saved.get(k) == v for k, v in config.items() if k not in RUN_ONLY):
            return model
    train(config, cache_dir)
    return from_checkpoint(best)[0]


def obtain(arch: str, preset: str, cache_root: str | Path, epochs: int = 5, seed: int = 0,
           train_limit: int | None = None, threads: int = 1,
           checkpoint: str | Path | None = None) -> tuple[nn.Module, dict]:
    """(model, config): from `checkpoint` if given, else recipe `arch` trained (once) under
    <cache_root>/<arch>-<preset>-e<epochs>-s<seed>[-n<train_limit>]."""
    if checkpoint:
        return from_checkpoint(checkpoint)
    cfg = recipe_config(arch, preset, epochs=epochs, seed=seed, train_limit=train_limit,
                        threads=threads)
    name = f"{arch}-{preset}-e{epochs}-s{seed}" + (f"-n{train_limit}" if train_limit else "")
    return trained(cfg, Path(cache_root) / name), cfg


def load_data(config: dict, splits=("train", "val", "test")) -> dict[str, tuple]:
    """{split: (model inputs, int64 labels)} for the config's dataset and limits."""
    _, to_input = build_model(config)
    out = {}
    for split in splits:
        images, labels = load_split(config, split)
        out[split] = (to_input(images), labels)
    return out


def save_compressed(path: str | Path, config: dict, keep: dict, model: nn.Module,
                    info: dict | None = None) -> None:
    torch.save({"config": config, "keep": {k: list(map(int, v)) for k, v in keep.items()},
                "model": model.state_dict(), "info": json.loads(json.dumps(info or {}))}, path)


def load_compressed(path: str | Path) -> tuple[nn.Module, dict]:
    """(model in eval mode, saved dict) written by save_compressed."""
    saved = torch.load(path, map_location="cpu", weights_only=False)
    base, _ = build_model(saved["config"])
    model = remove_channels(base, example_input(saved["config"]), saved["keep"])
    model.load_state_dict(saved["model"])
    return model.eval(), saved
