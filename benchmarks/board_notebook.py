"""The board demo notebook on the emulated PYNQ-Z2, against a finished build (cnv_w1a1 by default).

Serves the build on a free loopback address, executes notebooks/board_demo.ipynb with nbclient
(unmodified pynq as the remote client), and writes benchmarks/results/board_<name>.{md,ipynb}:
the L6 line and the throughput table the notebook printed (the accelerator's cycle counter
against rtlsim).

    ./dev build cnv_w1a1 && ./dev python benchmarks/board_notebook.py [build/cnv_w1a1]
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from flow.board import load_board
from flow.emulator.server import BoardServer

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def main(argv=None) -> int:
    build = Path((argv or sys.argv[1:] or ["build/cnv_w1a1"])[0]).resolve()
    name = build.name
    notebook = nbformat.read(ROOT / "notebooks" / "board_demo.ipynb", as_version=4)
    with BoardServer(load_board(), [build]) as server:
        os.environ.update(PYNQ_REMOTE_DEVICES=server.host, NOTEBOOK_DEPLOY_DIR=str(build / "deploy"))
        started = time.time()
        NotebookClient(notebook, timeout=3600, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT)}}).execute()
        seconds = time.time() - started
    printed = [o["text"] for c in notebook.cells if c.cell_type == "code"
               for o in c.get("outputs", []) if o.get("output_type") == "stream"]
    RESULTS.mkdir(exist_ok=True)
    nbformat.write(notebook, RESULTS / f"board_{name}.ipynb")
    text = (f"# {name} on the emulated PYNQ-Z2 (notebooks/board_demo.ipynb)\n\n"
            f"`./dev python benchmarks/board_notebook.py {build.relative_to(ROOT)}`: executed in "
            f"{seconds:.0f} s on {server.host}:7967.\n\n```\n" + "".join(printed) + "```\n")
    (RESULTS / f"board_{name}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
