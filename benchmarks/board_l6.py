"""L6 of an existing build again, on the emulated board with the current package and board code:
the package step (vivado/, deploy/) and the board step only, not the whole pipeline (whose step
keys follow the compiler's source). For a siamfc build, --tracker does the tracker's own pair.

    PYTHONPATH=. python benchmarks/board_l6.py build/cnv_w1a1 [--tracker] [--pynq 3.1.2] [--args "cnv_w1a1 --inputs 100"]

--args: the build's flow.build arguments where it predates build_args.json (which records them).
--pynq: the pynq that runs the driver (default 3.0.1, as a build's board step; 3.1.2 for the
v3.1 images' line: its environment is built on first use, flow/board/pynq_env.py).

Prints and saves benchmarks/results/board_l6_<name>.json and .md (board_l6_<name>_pynq<version>
for a pynq other than the default): inputs, mismatches, the pynq that ran the driver, the cycle
counter's throughput, and the seconds each step took.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from flow.board.l6 import step_board
from flow.board.package import step_package
from flow.board.pynq_env import DEFAULT_PYNQ, PYNQ_VERSIONS
from flow.build import ARGS_FILE, parse_args
from flow.config import BUILD_DESIGN

RESULTS = Path(__file__).resolve().parent / "results"


def rerun(build: Path, tracker: bool, args: str | None, pynq: str) -> dict:
    argv = args.split() if args else json.loads((build / ARGS_FILE).read_text())["argv"]
    if "--out" in argv:
        argv[argv.index("--out") + 1] = str(build)   # the build may have been copied elsewhere
    else:
        argv += ["--out", str(build)]
    cfg, _ = parse_args(argv)
    if tracker:
        from flow.targets.siamfc.board import THROUGHPUT_BATCH, step_tracker_package
        from flow.targets.siamfc.steps import TRACKER

        files, package = TRACKER, lambda: step_tracker_package(cfg, TRACKER)
        board = lambda: step_board(cfg, files=TRACKER, max_batch=THROUGHPUT_BATCH, pynq=pynq)  # noqa: E731
    else:
        files, package, board = BUILD_DESIGN, lambda: step_package(cfg), lambda: step_board(cfg, pynq=pynq)
    seconds = {}
    for name, step in (("package", package), ("board", board)):
        started = time.perf_counter()
        checks = step()
        seconds[name] = round(time.perf_counter() - started, 1)
        failed = [c["name"] for c in checks if not c["passed"]]
        if failed:
            sys.exit(f"error: {name} failed: {failed}")
    result = cfg.read_json(files.file("board", "board.json"))
    return {"build": str(build), "design": result["design"], "pynq": result["pynq"], "L2_L6": result["L2_L6"],
            "throughput": result["throughput"], "bitstream": result["bitstream"], "seconds": seconds}


def markdown(r: dict) -> str:
    l6 = r["L2_L6"]
    rows = [f"| {t['batch']} | {t['cycles_per_frame']:.0f} | {t['chip_frames_per_second']:.1f} |" for t in r["throughput"]]
    return "\n".join([f"# L6 of {r['design']} under pynq {r['pynq']} (emulated PYNQ-Z2)", "",
                      f"`PYTHONPATH=. python benchmarks/board_l6.py {r['build']}{' --tracker' if r['tracker'] else ''}"
                      f"{'' if r['pynq'] == DEFAULT_PYNQ else ' --pynq ' + r['pynq']}`"
                      f" ({r['when']})", "",
                      f"L6: {l6['inputs']} inputs, {l6['mismatches']} mismatches against L2; bitstream "
                      f"{r['bitstream']['source']}; package {r['seconds']['package']} s, board (L6) "
                      f"{r['seconds']['board']} s", "", "| batch | cycles/frame | fps (cycle counter) |",
                      "|---|---|---|", *rows]) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build", type=Path)
    ap.add_argument("--tracker", action="store_true", help="the tracker's own board design (siamfc builds)")
    ap.add_argument("--args", help="the build's flow.build arguments, if it has no build_args.json")
    ap.add_argument("--pynq", default=DEFAULT_PYNQ, choices=PYNQ_VERSIONS, help="the pynq that runs the driver")
    args = ap.parse_args(argv)
    result = {**rerun(args.build.resolve(), args.tracker, args.args, args.pynq), "tracker": args.tracker,
              "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    stem = f"board_l6_{result['design']}" + ("" if args.pynq == DEFAULT_PYNQ else f"_pynq{args.pynq}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stem}.json").write_text(json.dumps(result, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(result))
    print(markdown(result))
    return 0 if result["L2_L6"]["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
