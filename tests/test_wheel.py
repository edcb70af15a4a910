"""The wheel built from pyproject.toml holds everything a build needs: installed into a fresh
environment and run from a directory outside the repository (so the repository's flow/ cannot
be imported), its console script builds a small network and the verdict passes.

The fresh environment takes its dependencies from the project's environment through a .pth
line (no download), but not the project's own editable install: a path added by a .pth file
has its own .pth files (the editable finder among them) left unprocessed."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.flow.nets import compile_net

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("flow", "hw", "deploy", "models")
# what a build reads besides Python: templates, hardware sources, board data, checkpoints
DATA_SUFFIXES = {".v", ".sv", ".cpp", ".h", ".hpp", ".json", ".j2", ".vlt", ".pt", ".c", ".lock"}


def run(cmd, **kwargs):
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    assert proc.returncode == 0, f"{cmd}: {proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"   # a copy: setuptools writes build/ and egg-info beside pyproject.toml
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source)
    for package in PACKAGES:
        shutil.copytree(REPO / package, source / package, ignore=shutil.ignore_patterns("__pycache__"))
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
         "-w", str(tmp / "dist"), str(source)])
    return next((tmp / "dist").glob("qnnflow-*.whl"))


def test_the_wheel_holds_every_source_a_build_reads(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = {p.relative_to(REPO).as_posix() for package in PACKAGES for p in (REPO / package).rglob("*")
              if p.suffix in DATA_SUFFIXES | {".py"} and "__pycache__" not in p.parts}
    assert needed - names == set()
    assert "models/checkpoints/siamfc_binary.pt" in names


@pytest.mark.slow
def test_the_installed_wheel_builds_outside_the_repository(wheel, tmp_path):
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"])
                .stdout.strip())
    (site / "project_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", str(wheel)])

    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["QNNFLOW_PYNQ_ENVS"] = str(REPO)   # the checkout's board environment for L6 (./dev builds it)
    where = run([str(python), "-c", "import flow.paths; print(flow.paths.HW_DIR)"], cwd=work, env=env)
    assert Path(where.stdout.strip()) == site / "hw"
    compile_net("int4_convnet", work, inputs=2)
    run([str(venv / "bin" / "qnnflow-build"), "--model", "int4_convnet.onnx", "--out", "b", "--inputs", "2",
         "--target-fps", "20000", "--no-op-sim"], cwd=work, env=env)
    report = json.loads((work / "b" / "report.json").read_text())
    assert report["verdict"] == {"passed": True, "failures": []}
    assert {"L2_L4", "L2_L5", "L2_L6"} <= report["verification"].keys()   # RTL, HLS and the board
    run([str(venv / "bin" / "qnnflow-board"), "--help"], cwd=work, env=env)
