"""python -m flow.board serve BUILD_DIR [BUILD_DIR ...] [--host 127.0.0.1]

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
    args = ap.parse_args(argv)
    return _serve(args)
