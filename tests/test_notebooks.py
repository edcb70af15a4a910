"""Every notebook runs top to bottom (executed with nbclient): the host notebook on the project's
kernel; the board notebooks as on a PYNQ-Z2, in a kernel of the board's Python (pynq 3.0.1, the
host's packages blocked) on the emulated board running a small build (the tracker notebook: the
reduced SiamFC's tracker design): flow/board/notebook.py."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from flow.board.notebook import run_notebook_on_emulated_board

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def errors(notebook) -> list:
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if o.get("output_type") == "error"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch, request):
    notebook = nbformat.read(path, as_version=4)
    if path.stem.startswith("board_"):
        build = request.getfixturevalue("small_build")
        run_notebook_on_emulated_board(notebook, [build], {"NOTEBOOK_DEPLOY_DIR": str(build / "deploy")},
                                       ROOT, timeout_s=1200)
    elif path.stem.startswith("siamfc_tracker_"):   # the reduced SiamFC, not the full build
        from flow.targets.siamfc.board_sequence import write_sequence
        build, _ = request.getfixturevalue("siamfc_tiny_build")
        write_sequence(build, 4, tmp_path / "sequence.npz")
        run_notebook_on_emulated_board(notebook, [build / "tracker"],
                                       {"NOTEBOOK_TRACKER_DEPLOY": str(build / "tracker" / "deploy"),
                                        "NOTEBOOK_TRACKER_SEQUENCE": str(tmp_path / "sequence.npz")},
                                       ROOT, timeout_s=1200)
    else:   # the compiler's notebooks run on the host
        monkeypatch.setenv("NOTEBOOK_BUILD_DIR", str(tmp_path / "build"))
        monkeypatch.setenv("NOTEBOOK_INPUTS", "8")
        monkeypatch.setenv("NOTEBOOK_TARGET", "tfc_w1a1")   # cnv_w1a1 by default: minutes longer
        NotebookClient(notebook, timeout=1200, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
    assert not errors(notebook)
    if path.stem != "host_flow":   # the board notebooks draw what they ran
        assert images(notebook), "no figure came out as an image"


def images(notebook) -> list:
    return [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
            if "image/png" in o.get("data", {})]


BOARD_KERNEL = """
import importlib, pynq
blocked = {}
for name in ("flow", "models.siamfc", "torch", "onnxruntime", "scipy.ndimage", "tests"):
    try:
        importlib.import_module(name)
        blocked[name] = False
    except ImportError as err:
        blocked[name] = "not on a PYNQ-Z2 image" in str(err)
print(pynq.__version__, blocked)
"""


def test_a_board_notebook_has_pynq_3_and_no_host_packages(tmp_path):
    """The kernel a board notebook gets: the board's pynq, and the repository's packages (on its
    path: it starts in the repository) and the host's ML packages unimportable."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(BOARD_KERNEL)])
    run_notebook_on_emulated_board(notebook, [], {}, ROOT, timeout_s=120)
    printed = notebook.cells[0].outputs[0]["text"]
    assert printed.startswith("3.0.1 "), printed
    assert "False" not in printed and printed.count("True") == 6, printed
