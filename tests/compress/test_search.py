"""The hardware-aware search (`python -m models.compress search`): its space, its front, its
candidates the compiler refuses, its command line."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from models.compress.__main__ import main
from models.compress.export import export
from models.compress.pareto import pareto_front
from models.compress.search_candidate import build, hardware
from models.compress.search_space import SearchSpace, sample_candidates
from models.vgg import make_vgg

SMALL = SearchSpace("vgg_c", (0.5, 1.0, 2.0), ("w1a1", "w4a4"))


def test_sampling_is_deterministic_for_a_seed_and_stays_in_the_space():
    first = sample_candidates(SMALL, 20, seed=3)
    assert first == sample_candidates(SMALL, 20, seed=3)
    assert first != sample_candidates(SMALL, 20, seed=4)
    assert len(set(first)) == 20
    assert first[:5] == sample_candidates(SMALL, 5, seed=3)   # a larger budget extends a smaller one
    base = SMALL.base_widths
    for c in first:
        assert len(c.widths) == len(base) and len(c.presets) == len(base) + 1
        for w, b in zip(c.widths, base, strict=True):
            assert w in {max(1, round(b * m)) for m in SMALL.multipliers}
        assert set(c.presets) <= {"w1a1", "w4a4"}
    # VGG-C's hidden widths 2, 2, 4, 4, 4, 256, 128, 64, 32 take three values each (x0.5, x1, x2),
    # its 10 conv/dense layers two presets each; with x0.1 and x0.2 the convs keep one channel
    assert SMALL.size() == 3 ** 9 * 2 ** 10
    assert SearchSpace("vgg_c", (0.1, 0.2), ("w1a1",)).size() == 1 * 1 * 1 * 1 * 1 * 2 * 2 * 2 * 2


def test_a_budget_beyond_the_space_is_refused():
    tiny = SearchSpace("vgg_c", (0.1,), ("w1a1",))
    assert sample_candidates(tiny, 1, 0)[0].widths == (1, 1, 1, 1, 1, 26, 13, 6, 3)
    with pytest.raises(ValueError, match="budget 2: the space holds only 1 candidates"):
        sample_candidates(tiny, 2, 0)


def _c(index, top1, lut, built=True):
    return {"index": index, "val_top1": top1, "test_top1": top1,
            "hardware": {"built": built, "resources": {"LUT": lut, "BRAM36": 0}}}


def test_pareto_front_on_a_hand_made_set():
    cands = [_c(0, 0.90, 5000),   # front
             _c(1, 0.80, 6000),   # beaten by 0 (better and smaller)
             _c(2, 0.95, 9000),   # front: the most accurate
             _c(3, 0.70, 3000),   # front: the smallest
             _c(4, 0.90, 5000),   # equal to 0: 0 stands for both
             _c(5, 0.99, 1000, built=False),   # would beat all, but misses the fixed fps
             _c(6, 0.70, 3500)]   # beaten by 3 (same top-1, more LUT)
    assert pareto_front(cands) == [3, 0, 2]
    cands[6]["test_top1"] = 0.72   # on test top-1, 6 is ahead of 3 (same LUT order)
    assert pareto_front(cands, "test_top1") == [3, 6, 0, 2]
    assert pareto_front([_c(0, 0.5, 10, built=False)]) == []


def test_per_layer_widths_and_presets_reach_the_layers():
    widths = [3, 1, 5, 4, 2, 40, 30, 20, 10]
    presets = ["w1a1", "w2a2", "w4a4", "w1a1", "w4a4", "w2a2", "w1a1", "w4a4", "w2a2", "w4a4"]
    m = make_vgg("vgg_c", preset="w1a1", widths=widths, layer_presets=presets)
    layers = [x for x in m.modules() if isinstance(x, (torch.nn.Conv2d, torch.nn.Linear))]
    assert [x.out_channels if isinstance(x, torch.nn.Conv2d) else x.out_features
            for x in layers] == [*widths, 10]
    bits = {"w1a1": 1, "w2a2": 2, "w4a4": 4}
    assert [int(x.quant_weight().bit_width) for x in layers] == [bits[p] for p in presets]
    acts = [x for x in m.modules() if type(x).__name__ in ("QuantReLU", "QuantIdentity")][1:]
    assert [int(a.act_quant.bit_width()) for a in acts] == [bits[p] for p in presets[:-1]]
    with pytest.raises(ValueError, match="takes 9 positive channel counts"):
        make_vgg("vgg_c", preset="w1a1", widths=[2, 2])
    with pytest.raises(ValueError, match="has 10 conv and dense layers, got 2"):
        make_vgg("vgg_c", preset="w1a1", layer_presets=["w1a1", "w2a2"])
    with pytest.raises(ValueError, match="quantised presets only"):
        make_vgg("vgg_c", preset="w1a1", layer_presets=["float"] * 10)


def _job(tmp_path, **over):
    return {"index": 0, "arch": "vgg_c", "widths": (1, 1, 1, 1, 1, 8, 8, 8, 8), "presets": ("w1a1",) * 10,
            "seed": 0, "fps": 1000.0, "clock_mhz": 100.0, "board": "pynq_z2", "inputs": 1,
            "out": str(tmp_path)} | over


def test_candidates_the_compiler_refuses_are_recorded_with_its_reason(tmp_path):
    x = torch.zeros((1, 1, 28, 28))
    job = _job(tmp_path, fps=1e9)   # no folding of this network reaches a billion frames/s
    onnx = export(build(job).eval(), x, tmp_path / "q.onnx")
    h = hardware(str(onnx), job)
    assert not h["built"] and h["fps"] < 1e9
    assert h["reason"].startswith("reaches ") and "below the fixed 1,000,000,000" in h["reason"]
    ok = hardware(str(onnx), _job(tmp_path, index=1))   # the same network at 1,000 frames/s builds
    assert ok["built"] and ok["fps"] >= 1000 and ok["resources"]["LUT"] > 0
    # a float network: the compiler's streamlining refuses it, one line naming the node
    onnx = export(make_vgg("vgg_c", preset="float").eval(), x, tmp_path / "f.onnx")
    h = hardware(str(onnx), _job(tmp_path, index=2))
    assert h == {"built": False, "reason": h["reason"]}
    assert "streamline" in h["reason"] and "Conv_0" in h["reason"] and "\n" not in h["reason"]


@pytest.mark.parametrize("args, message", [
    (["--presets", "float"], "preset 'float': a float preset the compiler does not build"),
    (["--presets", "w3a3"], "preset 'w3a3': unknown"),
    (["--arch", "vgg_c", "--budget", "99999999999999"], "the space holds only"),
])
def test_cli_refuses_bad_input_in_one_line(tmp_path, args, message):
    with pytest.raises(SystemExit) as err:
        main(["search", "--out", str(tmp_path), *args])
    text = str(err.value)
    assert text.startswith("error: ") and message in text and "\n" not in text


@pytest.mark.parametrize("flag, value", [("--budget", "0"), ("--multipliers", "-1"), ("--fps", "x")])
def test_cli_refuses_bad_numbers_naming_the_flag(tmp_path, capsys, flag, value):
    with pytest.raises(SystemExit):
        main(["search", "--out", str(tmp_path), flag, value])
    assert f"{flag} " in capsys.readouterr().err


def test_cli_search_end_to_end_and_resumes(tmp_path):
    out, results = tmp_path / "search", tmp_path / "results"
    argv = ["search", "--out", str(out), "--budget", "2", "--epochs", "1", "--train-limit", "64",
            "--fps", "1000", "--inputs", "1", "--workers", "1", "--results", str(results)]
    main(argv)
    r = json.loads((out / "result.json").read_text())
    assert r["command"] == "python -m models.compress " + " ".join(argv)
    assert [c["index"] for c in r["candidates"]] == [0, 1]
    assert all(c["hardware"]["built"] and 0 <= c["val_top1"] <= 1 and c["cpu_seconds"] > 0
               for c in r["candidates"])
    assert r["front"] == pareto_front(r["candidates"]) and r["front"]
    assert r["cost"]["task_cpu_seconds"] == pytest.approx(sum(c["cpu_seconds"] for c in r["candidates"]),
                                                          abs=0.1)
    assert np.isclose(r["cost"]["cpu_hours"], r["cost"]["task_cpu_seconds"] / 3600, atol=1e-4)
    assert "## The front" in (out / "tables.md").read_text()
    assert (results / "vgg_search.png").read_bytes() == (out / "front.png").read_bytes()
    # the same command again keeps the candidates done (nothing retrained: same CPU seconds)
    main(argv)
    assert json.loads((out / "result.json").read_text())["candidates"] == r["candidates"]
