"""deploy/ runs on the software of a PYNQ-Z2 image (hw/boards/images/): none of the host's
compiler, models or ML runtimes, and the image's Python 3.10 syntax."""

import json
import subprocess
import sys
from pathlib import Path

from flow.board.board_python import NOT_ON_THE_BOARD
from flow.board.l6 import BOARD_PYTHON
from flow.board.pynq_env import pynq_python
from flow.paths import DEPLOY_DIR, SOURCE_ROOT

IMAGES = SOURCE_ROOT / "hw" / "boards" / "images" / "pynq_z2.json"


def board_python(code: str, cwd) -> subprocess.CompletedProcess:
    # the board environment's Python (pynq 3.0.1 and the image's packages), as L6 runs it
    return subprocess.run([str(pynq_python()), str(BOARD_PYTHON), "-c", code], cwd=cwd,
                          env={"PYTHONPATH": str(DEPLOY_DIR.parent), "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=120, check=False)


def test_the_board_python_refuses_what_no_image_ships(tmp_path):
    proc = board_python("import deploy.packing, numpy\nimport scipy", tmp_path)
    assert proc.returncode == 1
    assert "ImportError: scipy is not on a PYNQ-Z2 image" in proc.stderr
    for name in ("flow", "models", "torch", "onnxruntime", "skimage"):
        assert name in NOT_ON_THE_BOARD


def test_the_driver_imports_under_the_board_python(tmp_path):
    proc = board_python("import deploy.driver, deploy.validate, deploy.tracker\nprint('ok')", tmp_path)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stderr[-2000:]


def vermin(*paths) -> subprocess.CompletedProcess:
    return subprocess.run([str(Path(sys.executable).with_name("vermin")), "-t=3.10-", "--violations", "--no-tips",
                           "--eval-annotations", *map(str, paths)],
                          capture_output=True, text=True, timeout=120, check=False)


def test_deploy_keeps_to_the_images_python():
    python = {r["python"] for r in json.loads(IMAGES.read_text())["releases"] if r["z2_image"]}
    assert python == {"3.10"}   # the floor vermin checks (-t=3.10-)
    proc = vermin(DEPLOY_DIR)
    assert proc.returncode == 0, proc.stdout[-2000:]


def test_vermin_finds_python_3_11_code(tmp_path):
    (tmp_path / "new.py").write_text("import tomllib\n")
    assert vermin(tmp_path).returncode != 0


def test_the_board_notebook_keeps_to_the_images_python(tmp_path):
    notebook = json.loads((SOURCE_ROOT / "notebooks" / "board_demo.ipynb").read_text())
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    (tmp_path / "board_demo.py").write_text("\n\n".join(code) + "\n")
    proc = vermin(tmp_path)
    assert proc.returncode == 0 and len(code) >= 3, proc.stdout[-2000:]
