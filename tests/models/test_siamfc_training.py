"""The siamfc recipe (tiny sizes): checkpoints, exact resume; the tracking evaluation CLI."""

import json

import pytest
import torch

from models.data.synthetic_tracking import main as write_benchmark
from models.evaluate import main as evaluate_main
from models.siamfc import SiamFCNet, load_siamfc
from models.train import main as train_main

TINY = [
    "siamfc",
    "--preset",
    "binary",
    "--width",
    "0.25",
    "--pairs",
    "8",
    "--val-pairs",
    "4",
    "--batch-size",
    "4",
    "--epochs",
    "2",
    "--sequences",
    "2",
    "--val-sequences",
    "1",
    "--frames",
    "8",
    "--search-size",
    "159",
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("siamfc")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QNNFLOW_CACHE", str(root / "cache"))
        mp.setenv("TQDM_DISABLE", "1")
        straight = train_main(TINY + ["--out", str(root / "straight")])
        train_main(TINY + ["--out", str(root / "resumed"), "--stop-after", "1"])
        resumed = train_main(TINY + ["--out", str(root / "resumed"), "--resume"])
    return root, straight, resumed


def test_training_writes_checkpoints_and_resumes_exactly(trained):
    root, straight, resumed = trained
    assert [h["epoch"] for h in straight] == [1, 2]
    assert straight == resumed
    a = torch.load(root / "straight" / "checkpoint.pt", weights_only=False)
    b = torch.load(root / "resumed" / "checkpoint.pt", weights_only=False)
    for key, value in a["model"].items():
        assert torch.equal(value, b["model"][key]), key
    assert a["config"]["preset"] == "binary" and (root / "straight" / "best.pt").is_file()
    net = load_siamfc(root / "straight" / "best.pt")
    assert net.preset.name == "binary" and net.backbone.width == 0.25 and not net.training


def test_resume_refuses_other_options(trained):
    root, _, _ = trained
    changed = [a if a != "0.25" else "0.5" for a in TINY]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QNNFLOW_CACHE", str(root / "cache"))
        with pytest.raises(SystemExit, match="width=0.25"):
            train_main(changed + ["--out", str(root / "straight"), "--resume"])


def test_init_fine_tunes_a_checkpoint_with_its_network(trained):
    root, _, _ = trained
    # a checkpoint far from the recipe's seeded initialisation: conv3's weights negated
    conv = "backbone.layers.conv3.weight"
    state = torch.load(root / "straight" / "best.pt", weights_only=False)
    state["model"][conv] = -state["model"][conv]
    init = root / "negated.pt"
    torch.save(state, init)
    args = [a for a in TINY if a not in ("--width", "0.25")] + ["--init", str(init), "--epochs", "1"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("QNNFLOW_CACHE", str(root / "cache"))
        mp.setenv("TQDM_DISABLE", "1")
        train_main(args + ["--out", str(root / "tuned")])
        with pytest.raises(SystemExit, match="--preset int4 differs from --init"):
            train_main([a if a != "binary" else "int4" for a in args] + ["--out", str(root / "x")])
        with pytest.raises(SystemExit, match="--width comes from the --init checkpoint"):
            train_main(args + ["--width", "0.5", "--out", str(root / "x")])
    tuned = torch.load(root / "tuned" / "checkpoint.pt", weights_only=False)
    assert tuned["config"]["init"] == str(init) and tuned["config"]["width"] == 0.25
    torch.manual_seed(0)
    fresh = SiamFCNet("binary", 0.25).state_dict()[conv]
    start = state["model"][conv]
    assert (tuned["model"][conv] - start).abs().mean() < 0.1 * (fresh - start).abs().mean()


def test_tracking_evaluation_writes_json_markdown_and_plots(trained):
    root, _, _ = trained
    bench = root / "bench"
    write_benchmark(
        ["--out", str(bench), "--sequences", "2", "--frames", "4", "--size", "200", "150"]
    )
    out = root / "eval"
    results = evaluate_main(
        [
            "tracking",
            "--benchmark",
            str(bench),
            "--checkpoint",
            str(root / "straight" / "best.pt"),
            "--out",
            str(out),
        ]
    )
    assert list(results) == ["binary"]
    report = json.loads((out / "tracking.json").read_text())
    summary = report["trackers"]["binary"]["average"]
    assert summary["sequences"] == 2 and summary["frames"] == 8
    assert 0 <= summary["precision_20"] <= 1 and 0 <= summary["auc"] <= 1
    table = (out / "tracking.md").read_text()
    assert "| - | binary | INT4 | BINARY | INT4 | BINARY |" in table
    assert (out / "precision.png").is_file() and (out / "success.png").is_file()
    merged = root / "merged"
    again = evaluate_main(["tracking", "--merge", str(out / "tracking.json"), "--out", str(merged)])
    assert again["binary"]["average"] == results["binary"]["average"]
    assert (merged / "tracking.md").read_text() == table
    with pytest.raises(SystemExit, match="with 3 scales, not"):
        evaluate_main(["tracking", "--merge", str(out / "tracking.json"), "--scales", "5",
                       "--out", str(merged)])


def test_distillation_loss_is_zero_for_the_teacher_and_positive_otherwise():
    from models.recipes.siamfc import distillation_loss

    maps = torch.randn(3, 1, 5, 5)
    assert distillation_loss(maps, maps, 4.0).item() == pytest.approx(0.0, abs=1e-6)
    # a softmax over cells: a constant offset of a map changes nothing, a shifted peak does
    assert distillation_loss(maps + 2.5, maps, 4.0).item() == pytest.approx(0.0, abs=1e-6)
    assert distillation_loss(maps.flip(-1), maps, 4.0).item() > 1e-3


def test_distillation_and_varied_scenes_train_a_binary_student(trained, monkeypatch):
    root, _, _ = trained
    monkeypatch.setenv("QNNFLOW_CACHE", str(root / "cache"))
    monkeypatch.setenv("TQDM_DISABLE", "1")
    teacher = root / "straight" / "best.pt"
    common = TINY + ["--epochs", "1", "--scenes", "varied", "--teacher", str(teacher)]
    history = train_main(common + ["--out", str(root / "kd"), "--kd-weight", "0.7"])
    state = torch.load(root / "kd" / "checkpoint.pt", weights_only=False)
    assert state["config"]["distill"] == {
        "teacher": str(teacher),
        "weight": 0.7,
        "temperature": 4.0,
    }
    assert state["config"]["scenes"] == "varied" and len(history) == 1
    assert (root / "cache" / "siamfc_synthetic" / "train_seed1_n2_f8_varied" / "complete").is_file()
    # the distillation term changes the training: the same run at another weight differs
    train_main(common + ["--out", str(root / "kd2"), "--kd-weight", "1.0"])
    other = torch.load(root / "kd2" / "checkpoint.pt", weights_only=False)
    assert any(not torch.equal(v, other["model"][k]) for k, v in state["model"].items())
    with pytest.raises(SystemExit, match="--kd-weight must be in"):
        train_main(common + ["--out", str(root / "bad"), "--kd-weight", "1.5"])
    with pytest.raises(SystemExit, match="no such checkpoint"):
        train_main(TINY + ["--teacher", str(root / "missing.pt"), "--out", str(root / "bad")])
