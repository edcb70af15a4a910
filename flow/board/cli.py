"""python -m flow.board serve BUILD_DIR [BUILD_DIR ...] [--host 127.0.0.1]
python -m flow.board pynq-env [--pynq 3.0.1]      the board's Python for L6 (flow/board/pynq_env.py)
python -m flow.board ingest FILE                  a board's validate JSON into benchmarks/results/silicon/

An emulated PYNQ-Z2 on <host>:7967 (loopback only) that runs the given builds' bitstreams; point
pynq at it with PYNQ_REMOTE_DEVICES=<host>. More boards: 127.0.0.2, 127.0.0.3, ... The build's own
board step (L6 into report.json) starts and stops one itself: python -m flow.build ... --from board.
A siamfc build's tracker accelerator is a board design of its own: serve BUILD_DIR/tracker.
"""

from __future__ import annotations

import argparse
import ipaddress
import sys
import threading
from pathlib import Path

from flow.board.facts import has_facts
from flow.board.pynq_env import DEFAULT_PYNQ, PYNQ_VERSIONS, PynqEnvError, pynq_python, verify
from flow.board.silicon import SILICON_DIR, IngestError, ingest
from flow.board.spec import load_board


def _serve(args) -> int:
    from flow.board.emulator.server import BoardServer

    if not ipaddress.ip_address(args.host).is_loopback:
        print(f"error: {args.host} is not a loopback address (the emulated board serves this "
              "machine only)", file=sys.stderr)
        return 2
    for build in args.builds:
        if not has_facts(build):
            print(f"error: {build} has no deploy/design.json (run python -m flow.build first)",
                  file=sys.stderr)
            return 2
    with BoardServer(load_board(args.board), args.builds, args.host) as server:
        print(f"emulated {args.board} on {server.host}:7967 serving "
              f"{', '.join(map(str, args.builds))}; PYNQ_REMOTE_DEVICES={server.host}; Ctrl-C stops",
              flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m flow.board", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    sub = ap.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve builds on an emulated board")
    serve.add_argument("builds", nargs="+", type=Path)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--board", default="pynq_z2")
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
    if args.command == "ingest":
        return _ingest(args)
    return _serve(args)


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
