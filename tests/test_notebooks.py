"""Every notebook runs top to bottom (executed with nbclient on the project's kernel); the board
notebooks run against the emulated PYNQ-Z2 serving a small build (the tracker notebook: the
reduced SiamFC's tracker design, with only the board's packages importable: flow/board/
kernel_imports.py), as they would on the board."""

from contextlib import ExitStack
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from flow.board.emulator.server import BoardServer
from flow.board.kernel_imports import blocking_cell
from flow.board.spec import load_board

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch, request):
    monkeypatch.setenv("NOTEBOOK_BUILD_DIR", str(tmp_path / "build"))
    monkeypatch.setenv("NOTEBOOK_INPUTS", "8")
    monkeypatch.setenv("NOTEBOOK_TARGET", "tfc_w1a1")   # cnv_w1a1 by default: minutes longer
    with ExitStack() as stack:
        if path.stem.startswith("board_"):
            build = request.getfixturevalue("small_build")
            server = stack.enter_context(BoardServer(load_board(), [build]))
            monkeypatch.setenv("PYNQ_REMOTE_DEVICES", server.host)
            monkeypatch.setenv("NOTEBOOK_DEPLOY_DIR", str(build / "deploy"))
        if path.stem.startswith("siamfc_tracker_"):   # the reduced SiamFC, not the full build
            from flow.targets.siamfc.board_sequence import write_sequence
            build, _ = request.getfixturevalue("siamfc_tiny_build")
            write_sequence(build, 4, tmp_path / "sequence.npz")
            server = stack.enter_context(BoardServer(load_board(), [build / "tracker"]))
            monkeypatch.setenv("PYNQ_REMOTE_DEVICES", server.host)
            monkeypatch.setenv("NOTEBOOK_TRACKER_DEPLOY", str(build / "tracker" / "deploy"))
            monkeypatch.setenv("NOTEBOOK_TRACKER_SEQUENCE", str(tmp_path / "sequence.npz"))
        notebook = nbformat.read(path, as_version=4)
        if path.stem.startswith("siamfc_tracker_"):   # only the board's packages importable
            notebook.cells.insert(0, blocking_cell())
        NotebookClient(notebook, timeout=1200, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parents[1])}}).execute()
    errors = [o for c in notebook.cells if c.cell_type == "code" for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors


def test_the_blocking_cell_blocks_the_host_packages():
    source = blocking_cell().source
    for blocked in ("models.siamfc", "torch", "scipy.ndimage"):
        namespace = {}
        exec(source.replace("sys.meta_path.insert(0, HostOnlyImports())", "finder = HostOnlyImports()")
             .replace("assert not already", "assert True"), namespace)
        with pytest.raises(ModuleNotFoundError, match="not on the board"):
            namespace["finder"].find_spec(blocked)
    assert namespace["finder"].find_spec("numpy") is None
