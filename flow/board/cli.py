"""python -m flow.board pynq-env [--pynq 3.0.1|3.1.2]  the board's Python for L6 (flow/board/pynq_env.py)
python -m flow.board ingest FILE                  a board's validate JSON into benchmarks/results/silicon/

The emulated PYNQ-Z2 runs in a build's board step (L6 into report.json: python -m flow.build ...
--from board) and under the board notebooks (benchmarks/board_notebook.py BUILD_DIR), each time
below an unmodified pynq 3.0.1 in the board's Python; benchmarks/board_l6.py --pynq 3.1.2 runs L6
below pynq 3.1.2, the v3.1 images' line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flow.board.pynq_env import DEFAULT_PYNQ, PYNQ_VERSIONS, PynqEnvError, pynq_python, verify
from flow.board.silicon import SILICON_DIR, IngestError, ingest


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m flow.board", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    env = sub.add_parser("pynq-env", help="build (if needed) and check the board's Python for L6")
    env.add_argument("--pynq", default=DEFAULT_PYNQ, choices=PYNQ_VERSIONS)
    take = sub.add_parser("ingest", help="a board's deploy.validate JSON as measured silicon figures")
    take.add_argument("file", type=Path)
    take.add_argument("--out", type=Path, default=SILICON_DIR)
    take.add_argument("--accept-emulated", action="store_true",
                      help="store a run on the emulated board too, marked as emulated")
    args = ap.parse_args(argv)
    if args.command == "pynq-env":
        return _pynq_env(args)
    return _ingest(args)


def _ingest(args) -> int:
    try:
        stored = ingest(args.file, args.out, args.accept_emulated)
    except IngestError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"stored {stored} and {stored.with_suffix('.md').name}")
    return 0


def _pynq_env(args) -> int:
    try:
        check = verify(args.pynq)
    except PynqEnvError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"pynq {check['pynq']} in {pynq_python(args.pynq).parents[1]}: {check['checked']} files "
          f"identical to {check['sdist']} (sha256 {check['sdist_sha256'][:16]}..., as pinned)")
    return 0
