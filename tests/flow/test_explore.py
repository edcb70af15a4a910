"""flow.explore: the space and its errors, folding bounds, the front, and a small sweep on Ray
(two points built through L4, the page and the Python API), resumed without building again."""

import json
from pathlib import Path

import pytest

from flow.explore import Space, Sweep, explore, load_space
from flow.explore.__main__ import main as explore_main
from flow.explore.estimate import bounded, estimate_point
from flow.explore.front import front
from flow.explore.space import PointSpec, parse_bound
from tests.flow.nets import compile_net


def point(design, fps, lut, bram, fits=True):
    return {"design": design, "estimate": {"fits": fits, "fps": fps,
                                           "resources": {"LUT": lut, "FF": 0, "BRAM36": bram, "DSP": 0}}}


def test_the_front_keeps_what_no_point_beats():
    points = [point("a", 100, 10, 1), point("a", 200, 20, 1), point("a", 150, 25, 1),   # beaten by 200
              point("a", 300, 15, 5), point("a", 900, 1, 0, fits=False), point("b", 50, 30, 9),
              point("a", 200, 20, 1)]                                                 # a twin: once
    chosen = [(p["design"], p["estimate"]["fps"]) for p in front(points)]
    assert chosen == [("a", 100), ("a", 200), ("a", 300), ("b", 50)]


@pytest.mark.parametrize("space, message", [
    ({"models": ["x.onnx"]}, "model x.onnx: no such file"),
    ({"models": ["m"], "fps": [0]}, "fps 0"),
    ({"models": ["m"], "ram_styles": ["ultra"]}, "ram style 'ultra'"),
    ({"models": ["m"], "boards": ["zcu999"]}, "unknown board 'zcu999'"),
    ({"models": ["m"], "bounds": {"MVAU_0": {"PE": [4, 2]}}}, "bounds MVAU_0.PE"),
    ({"models": ["m"], "colour": "red"}, "unknown keys colour"),
])
def test_bad_spaces_are_named(tmp_path, space, message):
    path = tmp_path / "space.json"
    path.write_text(json.dumps(space))
    with pytest.raises(ValueError, match=message):
        load_space(path)


def test_a_checkpoint_goes_with_a_target_not_a_qonnx_file(tmp_path):
    (tmp_path / "m.onnx").write_text("")
    (tmp_path / "w.pt").write_text("")
    with pytest.raises(ValueError, match="checkpoints go with target names"):
        Space(models=[str(tmp_path / "m.onnx")], checkpoints=[str(tmp_path / "w.pt")]).check()


def test_two_files_of_one_name_are_refused_not_merged(tmp_path):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "model.onnx").write_text("")
    with pytest.raises(ValueError, match="share the design name 'model'"):
        Space(models=[str(tmp_path / "a" / "model.onnx"), str(tmp_path / "b" / "model.onnx")]).check()


def test_a_bound_flag_is_parsed_or_named():
    assert parse_bound("MVAU_*.PE=1:16") == ("MVAU_*", "PE", [1, 16])
    with pytest.raises(ValueError, match="--bound MVAU_0.PE"):
        parse_bound("MVAU_0.PE")


def test_bounds_move_the_folding_to_the_nearest_legal_value(tmp_path):
    hw = compile_net("int4_convnet", tmp_path, inputs=2).hardware
    mw = {n.name: n for n in hw.graph.node}
    assert "MVAU_0" in mw
    folding = bounded(hw, {"MVAU_0": {"PE": 8, "SIMD": 1}}, {"MVAU_*": {"PE": [1, 3]}})
    assert folding["MVAU_0"]["PE"] in (1, 2, 3) and folding["MVAU_0"]["PE"] == 2   # 8 has divisors 1, 2
    spec = PointSpec("m", None, 1e9, 100.0, "distributed", "pynq_z2")
    est = estimate_point(hw.model.SerializeToString(), spec, {"MVAU_*": {"PE": [1, 1], "SIMD": [1, 1]}})
    assert all(f.get("PE", 1) == 1 for n, f in est["folding"].items() if n.startswith("MVAU"))
    assert est["resources"]["BRAM36"] == 0 and est["fits"]


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("explore")
    compile_net("int4_convnet", workdir, inputs=2)
    space = Space(models=[str(workdir / "int4_convnet.onnx")], fps=[1000, 20000], inputs=2)
    return explore(space, workdir / "sweep", workers=2, say=lambda _: None), space


@pytest.mark.slow
def test_a_sweep_builds_and_verifies_its_front(sweep):
    s, _ = sweep
    assert len(s.points) == 2 and len(s.front) >= 1
    for p in s.front:
        assert p.verified, p.build
        assert p.build["ladder"]["L2_L4"] and p.build["measured_fps"] == pytest.approx(p.fps)
    page = (s.directory / "explore.html").read_text()
    assert "<svg" in page and page.count('href="points/') == len({p.build["directory"] for p in s.front})
    assert Sweep.open(s.directory).front[0].fps == s.front[0].fps


@pytest.mark.slow
def test_a_sweep_run_again_builds_nothing(sweep):
    s, space = sweep
    def stamps(sweep):
        return {p.build["directory"]: (Path(p.build["directory"]) / "build_state.json").stat().st_mtime_ns
                for p in sweep.front}

    before = stamps(s)
    said = []
    again = explore(space, s.directory, workers=1, say=said.append)
    assert any("0 to fold" in line for line in said) and any("0 to build" in line for line in said)
    assert [p.build for p in again.front] == [p.build for p in s.front]
    assert stamps(again) == before


def test_the_command_line_names_bad_input(capsys):
    assert explore_main(["--model", "nothing.onnx", "--estimate-only"]) == 1
    assert "model nothing.onnx: no such file" in capsys.readouterr().err
