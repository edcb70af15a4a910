"""python -m flow.faults BUILD_DIR [--trials N] [--seed S] [--confirm K]: inject faults into a
finished build and report which the build catches (faults.json, faults.md in BUILD_DIR)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from flow.build import ARGS_FILE
from flow.faults.campaign import run_faults
from flow.faults.report import write_reports

NEEDED = ("30_folded.onnx", "reference_outputs.npz", "rtl", "hls", "deploy", ARGS_FILE)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m flow.faults", description=__doc__.split(":")[1].strip())
    ap.add_argument("build_dir", type=Path)
    ap.add_argument("--trials", type=int, default=10, help="faults per kind (default 10)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--confirm", type=int, default=3,
                    help="not observable faults per kind rerun to confirm the build passes (default 3)")
    args = ap.parse_args(argv)
    if not args.build_dir.is_dir():
        print(f"error: {args.build_dir}: no such build directory", file=sys.stderr)
        return 2
    missing = [name for name in NEEDED if not (args.build_dir / name).exists()]
    if missing:
        print(f"error: {args.build_dir} is not a complete build (no {', '.join(missing)}); "
              "run python -m flow.build to completion first", file=sys.stderr)
        return 2
    result = run_faults(args.build_dir, args.trials, args.seed, args.confirm,
                        say=lambda line: print(line, flush=True))
    json_path, md_path = write_reports(result, args.build_dir)
    print(md_path.read_text().split("\n\n| kind | fault")[0])
    print(f"written: {json_path}, {md_path}")
    # a missed fault, or a fault the numpy models call harmless that fails the build, is a finding
    findings = sum(k["observable"] - k["caught"] + k["not_observable_rerun"] - k["not_observable_confirmed"]
                   for k in result["kinds"])
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
