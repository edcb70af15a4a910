"""The board notebooks on the emulated PYNQ-Z2, against a finished build.

Executes the notebook as on the board (flow/board/notebook.py): its kernel in the board's Python
with unmodified pynq 3.0.1 (--pynq 3.1.2: the v3.1 images') and the host's packages unimportable,
on the emulated board running the build; writes the executed copy and what it printed to
benchmarks/results/ (with _pynq<version> after the name for a pynq other than 3.0.1):

- default: notebooks/board_demo.ipynb on the build's accelerator (cnv_w1a1 by default): the L6
  line and the throughput table (the accelerator's cycle counter against rtlsim), as
  board_<name>.{md,ipynb};
- --tracker: notebooks/siamfc_tracker_board.ipynb on a siamfc build's tracker accelerator
  (<build>/tracker): a short semi-synthetic sequence (written to <build>/tracker/deploy/
  sequence.npz with the reference backend's boxes) tracked on the board, as
  board_<name>_tracker.{md,ipynb}.

    ./dev build cnv_w1a1 && ./dev python benchmarks/board_notebook.py [build/cnv_w1a1]
    ./dev python benchmarks/board_notebook.py build/siamfc_binary --tracker [--frames 6]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import nbformat

from flow.board.notebook import run_notebook_on_emulated_board
from flow.board.pynq_env import DEFAULT_PYNQ, PYNQ_VERSIONS

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build", nargs="?", default="build/cnv_w1a1", type=Path)
    ap.add_argument("--tracker", action="store_true", help="the SiamFC tracker notebook")
    ap.add_argument("--frames", type=int, default=6, help="frames of the tracked sequence (--tracker)")
    ap.add_argument("--pynq", default=DEFAULT_PYNQ, choices=PYNQ_VERSIONS, help="the pynq of the notebook's kernel")
    args = ap.parse_args(argv)
    build = args.build.resolve()
    shown = build.relative_to(ROOT) if build.is_relative_to(ROOT) else build
    if args.tracker:
        notebook_name, served, stem = "siamfc_tracker_board", build / "tracker", f"board_{build.name}_tracker"
        env = {"NOTEBOOK_TRACKER_DEPLOY": str(served / "deploy"),
               "NOTEBOOK_TRACKER_SEQUENCE": str(served / "deploy" / "sequence.npz")}
        command = f"{shown} --tracker --frames {args.frames}"
    else:
        notebook_name, served, stem = "board_demo", build, f"board_{build.name}"
        env = {"NOTEBOOK_DEPLOY_DIR": str(build / "deploy")}
        command = str(shown)
    if args.pynq != DEFAULT_PYNQ:
        stem, command = f"{stem}_pynq{args.pynq}", f"{command} --pynq {args.pynq}"
    if not (served / "deploy" / "design.json").is_file():
        print(f"error: {served} has no deploy/design.json (run python -m flow.build first)", file=sys.stderr)
        return 2
    notebook = nbformat.read(ROOT / "notebooks" / f"{notebook_name}.ipynb", as_version=4)
    if args.tracker:
        from flow.targets.siamfc.board_sequence import write_sequence

        write_sequence(build, args.frames, served / "deploy" / "sequence.npz")
    started = time.time()
    run_notebook_on_emulated_board(notebook, [served], env, ROOT, pynq=args.pynq)
    seconds = time.time() - started
    printed = [o["text"] for c in notebook.cells if c.cell_type == "code"
               for o in c.get("outputs", []) if o.get("output_type") == "stream" and o.get("name") == "stdout"]
    RESULTS.mkdir(exist_ok=True)
    nbformat.write(notebook, RESULTS / f"{stem}.ipynb")
    text = (f"# {stem.removeprefix('board_')} on the emulated PYNQ-Z2 (notebooks/{notebook_name}.ipynb)\n\n"
            f"`./dev python benchmarks/board_notebook.py {command}`: executed in "
            f"{seconds:.0f} s, in a kernel of the board's Python (pynq {args.pynq}; the host's packages "
            f"blocked: flow/board/board_python.py).\n\n```\n" + "".join(printed) + "```\n")
    (RESULTS / f"{stem}.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
