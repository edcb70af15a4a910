"""A notebook executed as on a PYNQ-Z2: its kernel is ipykernel in the board's Python (unmodified
pynq 3.0.1, flow/board/pynq_env.py), started through board_python.py (the host's packages that no
image ships unimportable), over the emulated board's Linux and XRT (ZynqLinux) running the builds.

    notebook = nbformat.read("notebooks/board_demo.ipynb", as_version=4)
    run_notebook_on_emulated_board(notebook, [build], {"NOTEBOOK_DEPLOY_DIR": ...}, cwd=repo_root)
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from flow.board.emulator.zynq_linux import ZynqLinux, leaving_no_xclbin
from flow.board.l6 import BOARD_PYTHON, board_python
from flow.board.pynq_env import DEFAULT_PYNQ
from flow.board.spec import load_board

KERNEL = "pynq-z2"


def _kernel_spec(folder: Path, python: Path, pynq: str) -> None:
    spec = folder / KERNEL
    spec.mkdir(parents=True)
    argv = [str(python), str(BOARD_PYTHON), "-m", "ipykernel_launcher", "-f", "{connection_file}",
            "--HistoryManager.hist_file=:memory:",   # no shared IPython history between kernels
            # figures inline, as the image's Jupyter draws them: this environment's ipykernel 7
            # with the image's matplotlib 3.6 would print a figure's repr instead of its image
            "--matplotlib=inline"]
    (spec / "kernel.json").write_text(json.dumps(
        {"argv": argv, "display_name": f"PYNQ-Z2 (pynq {pynq}, emulated)", "language": "python"}))


def run_notebook_on_emulated_board(notebook: nbformat.NotebookNode, build_dirs: list[Path],
                                   env: dict[str, str], cwd: Path, board_name: str = "pynq_z2",
                                   pynq: str = DEFAULT_PYNQ, timeout_s: float = 3600) -> nbformat.NotebookNode:
    """Executes `notebook` in place (kernel started in cwd, `env` added to its environment) on an
    emulated board that runs build_dirs; a failing cell raises nbclient's CellExecutionError, with
    what the board refused added to its message."""
    board = load_board(board_name)
    python = board_python(board, pynq)
    with tempfile.TemporaryDirectory(prefix="board-") as root, leaving_no_xclbin(cwd), \
            ZynqLinux(board, list(map(Path, build_dirs)), Path(root) / "board") as linux:
        _kernel_spec(Path(root) / "kernels", python, pynq)
        manager = KernelManager(kernel_name=KERNEL,
                                kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(Path(root) / "kernels")]))
        # a board's kernel: no PYTHONPATH of the host's, only the board's XRT binding (the
        # notebook puts deploy/ on its path)
        kernel_env = linux.env(python) | env
        client = NotebookClient(notebook, km=manager, timeout=timeout_s, kernel_name=KERNEL,
                                resources={"metadata": {"path": str(cwd)}})
        try:
            client.execute(env=kernel_env)
        except CellExecutionError as err:
            if linux.errors:
                err.add_note(f"the emulated board refused: {linux.errors[-3:]}")
            raise
    return notebook
