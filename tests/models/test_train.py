"""python -m models.train / models.evaluate: recipes, checkpoints, exact resume, determinism."""

import json

import numpy as np
import pytest
import torch

from models import evaluate, train
from models.eval_commands import EVALUATIONS
from models.recipes import RECIPES
from models.recipes.classification import build_model, load_split, predict
from models.registry import CommandRegistry
from tests.models.test_data import cifar_records

TINY = ["--train-limit", "16", "--val-limit", "8", "--batch-size", "8", "--threads", "1"]


def weights(path):
    return torch.load(path, weights_only=False)["model"]


def same_weights(a, b):
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_registries_discover_their_modules():
    assert {"vgg_a", "vgg_b", "vgg_c", "tfc", "cnv"} <= set(RECIPES.discover())
    assert "classification" in EVALUATIONS.discover()
    registry = CommandRegistry("models.recipes", "recipe")
    registry.register("x", "", lambda parser: None)(print)
    with pytest.raises(ValueError, match="recipe 'x' is registered twice"):
        registry.register("x", "", lambda parser: None)(print)


def test_train_resume_is_exact_and_evaluate(tmp_path):
    whole, split = tmp_path / "whole", tmp_path / "split"
    args = ["vgg_a", "--dataset", "mnist", "--preset", "w1a1", "--epochs", "2", *TINY]
    train.main(args + ["--out", str(whole)])
    train.main(args + ["--out", str(split), "--stop-after", "1"])
    state = torch.load(split / "checkpoint.pt", weights_only=False)
    assert state["epoch"] == 1 and (split / "best.pt").exists()
    assert not same_weights(state["model"], weights(whole / "checkpoint.pt"))
    history = train.main(args + ["--out", str(split), "--resume"])
    assert [h["epoch"] for h in history] == [1, 2]
    assert torch.load(split / "checkpoint.pt", weights_only=False)["epoch"] == 2
    assert same_weights(weights(split / "checkpoint.pt"), weights(whole / "checkpoint.pt"))

    with pytest.raises(SystemExit, match="preset='w1a1' \\(now 'w2a2'\\)"):
        train.main(["vgg_a", "--preset", "w2a2", "--epochs", "2", *TINY, "--out", str(split),
                    "--resume"])

    result = evaluate.main(["classification", "--checkpoint", str(whole / "best.pt"),
                            "--limit", "20", "--threads", "1"])
    out = whole / "eval-test"
    assert json.loads((out / "classification.json").read_text())["top1"] == result["top1"]
    assert (out / "confusion.png").stat().st_size > 0
    assert "top-1" in (out / "classification.md").read_text()
    assert result["count"] == 20 == np.sum(result["confusion"])
    state = torch.load(whole / "best.pt", weights_only=False)
    model, to_input = build_model(state["config"])
    model.load_state_dict(state["model"])
    images, labels = load_split({**state["config"], "test_limit": 20}, "test")
    predictions = predict(model, to_input, images, 8, torch.device("cpu"))
    assert result["correct"] == int((predictions == labels).sum())


def test_same_seed_same_weights_other_seed_other_weights(tmp_path):
    args = ["vgg_c", "--preset", "w2a2", "--epochs", "1", *TINY]
    for name, seed in (("a", "0"), ("b", "0"), ("c", "1")):
        train.main(args + ["--seed", seed, "--out", str(tmp_path / name)])
    a, b, c = (weights(tmp_path / name / "checkpoint.pt") for name in "abc")
    assert same_weights(a, b) and not same_weights(a, c)


def test_bnn_pynq_recipes(tmp_path):
    train.main(["tfc", "--preset", "w1a1", "--epochs", "1", *TINY, "--out", str(tmp_path / "tfc")])
    assert torch.load(tmp_path / "tfc" / "checkpoint.pt", weights_only=False)["epoch"] == 1
    cifar = tmp_path / "cifar"
    cifar.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{k}.bin" for k in range(1, 6)] + ["test_batch.bin"]:
        (cifar / name).write_bytes(cifar_records(rng, 4)[0])
    train.main(["cnv", "--preset", "w1a1", "--data-dir", str(cifar), "--epochs", "1", *TINY,
                "--out", str(tmp_path / "cnv")])
    state = torch.load(tmp_path / "cnv" / "checkpoint.pt", weights_only=False)
    conv_weights = [v for k, v in state["model"].items() if k.endswith("weight") and v.dim() == 4]
    assert all(w.abs().max() <= 1 for w in conv_weights)  # bnn_pynq's latent weights are clipped


def test_bad_options(tmp_path):
    with pytest.raises(SystemExit):
        train.main(["vgg_a", "--preset", "w3a3"])
    with pytest.raises(SystemExit, match="--epochs must be >= 1"):
        train.main(["vgg_a", "--epochs", "-1", "--out", str(tmp_path)])
    with pytest.raises(FileNotFoundError, match="checkpoint.pt not found"):
        train.main(["vgg_c", *TINY, "--out", str(tmp_path / "none"), "--resume"])
