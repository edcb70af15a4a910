"""`python -m models.compress` end to end on VGG-C with tiny budgets (MNIST subset)."""
from __future__ import annotations

import json

import numpy as np
import torch

from models.compress import methods
from models.compress.__main__ import main
from models.compress.retrain import accuracy, logits
from models.compress.source import example_input, load_compressed, load_data

COMMON = ["--arch", "vgg_c", "--train-epochs", "1", "--train-limit", "256"]


def test_cli_prune_remove_neurons_distill(tmp_path):
    base = ["--base-dir", str(tmp_path / "base")]
    out = tmp_path / "prune"
    main(["prune", "--out", str(out), *base, *COMMON, "--preset", "w2a2", "--criteria", "sd",
          "mean", "--layers", "both", "--max-evals", "4", "--search-samples", "100",
          "--retrain-epochs", "1"])
    r = json.loads((out / "vgg_c" / "result.json").read_text())
    assert [c["criterion"] for c in r["threshold_functions"]] == ["sd", "mean"]
    assert all(c["evaluations"] <= 4 for c in r["threshold_functions"])
    assert 0 <= r["filters"]["fraction_pruned"] < 1
    assert r["qonnx"]["max_abs_diff"] < 1e-5  # float BatchNorm at the output edge
    tables = (out / "tables.md").read_text()
    assert "Table 2 analogue" in tables and "Table 6 analogue" in tables
    assert (out / "vgg_c" / "threshold_functions_both.png").exists()
    model, saved = load_compressed(out / "vgg_c" / "pruned.pt")
    assert saved["keep"] and model.features[1].out_channels == len(saved["keep"]["features.1"])

    out = tmp_path / "neurons"
    main(["remove-neurons", "--out", str(out), *base, *COMMON, "--removed", "20", "50",
          "--samples-per-class", "10", "--iterations", "3"])
    r = json.loads((out / "result.json").read_text())
    assert [len(s["kept_classes"]) for s in r["settings"]] == [8, 5]
    for s in r["settings"]:
        assert s["top1_kept_val"]["original"] - s["top1_kept_val"]["distilled"] <= 0.01
        bitmaps = np.load(out / f"removed_{s['removed_pct']}" / "partial_bitmaps.npz")
        assert set(bitmaps.files) == {n for n in s["neurons"] if n != "classifier.13"}
        model, saved = load_compressed(out / f"removed_{s['removed_pct']}" / "distilled.pt")
        assert logits(model, example_input(saved["config"])).shape == (1, len(s["kept_classes"]))
    assert "Table 3 analogue" in (out / "tables.md").read_text()

    out = tmp_path / "kd"
    main(["distill", "--out", str(out), *base, "--teacher-arch", "vgg_c", "--teacher-epochs", "1",
          "--teacher-limit", "256",  # the same original model as remove-neurons above
          "--weak-limit", "64", "--transfer-samples", "128", "--student-presets", "float", "w1a1",
          "--epochs", "1"])
    r = json.loads((out / "result.json").read_text())
    assert len(r["runs"]) == 8 and r["transfer_samples"] == 128
    assert all(x["qonnx"]["max_abs_diff"] < 1e-5 for x in r["runs"] if x["preset"] == "w1a1")
    assert torch.is_tensor(load_compressed(out / "vgg_c-w1a1-strong-softmax" / "student.pt")[0]
                           .features[1].weight)


def test_cli_hash_decompose_binarize(tmp_path):
    base = ["--base-dir", str(tmp_path / "base"), *COMMON, "--finetune-epochs", "1"]
    runs = {"hash": ["--rate", "0.25"], "decompose": ["--method", "tucker"],
            "binarize": ["--preset", "xnor"]}
    for verb, extra in runs.items():
        out = tmp_path / verb
        main([verb, "--out", str(out), *base, *extra])
        r = json.loads((out / "result.json").read_text())["run"]
        method = r["method"]
        assert r["metrics"]["total"]["memory_bits"] < 1_726_720  # the float VGG-C's
        assert len(r["history"]) == 1 and r["seconds_per_epoch"] > 0
        assert (out / "finetune.png").exists() and method in (out / "tables.md").read_text()
        model, saved = methods.load(out / f"{method}.pt")  # rebuilt, the same fine-tuned model
        assert accuracy(model, *load_data(saved["config"], ("test",))["test"]) == r["test_top1"]
    r = json.loads((tmp_path / "binarize" / "result.json").read_text())["run"]
    assert r["qonnx"]["max_abs_diff"] < 1e-5
    assert r["options"] == {} and r["config"]["preset"] == "xnor"
