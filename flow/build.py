"""python -m flow.build: a target or any QONNX file to a verified dataflow accelerator.

    python -m flow.build cnv_w1a1
    python -m flow.build --model net.onnx [--folding f.json | --target-fps N | --target-fps max]
                         [--clock-mhz 100] [--out DIR] [--inputs N] [--synth] [--backend rtl|hls|both]
                         [--l4-shards N [--ray-address HOST:PORT]]   (L4 as Ray tasks, flow/tasks.py)

The steps are listed in flow/pipeline.py; each writes its files into the build directory
(build/<name>/ by default) and is skipped on a rerun whose inputs' contents have not changed.
The exit status is the verdict: 0 when every check of this invocation's steps passed.
From Python, flow.api.build runs the same build and returns a Build.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from pathlib import Path

from flow.cli_args import fps_or_max, positive
from flow.third_party import import_warnings_hidden

with import_warnings_hidden():
    from flow.api import configure
    from flow.backends import BACKENDS
    from flow.board.spec import known_boards
    from flow.config import BuildConfig
    from flow.pipeline import StepFailed, run_build
    from flow.summary import summary
    from flow.target import known_targets

ARGS_FILE = "build_args.json"


def _existing_file(flag: str):
    def parse(text: str) -> Path:
        path = Path(text)
        if not path.is_file():
            raise argparse.ArgumentTypeError(f"{flag} {text}: no such file")
        return path
    return parse


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="python -m flow.build", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target", nargs="?", help="target name (installed: "
                    f"{', '.join(sorted(known_targets())) or 'none'})")
    ap.add_argument("--model", type=_existing_file("--model"), help="build this QONNX file instead of a target")
    ap.add_argument("--checkpoint", type=_existing_file("--checkpoint"),
                    help="trained weights (state_dict) for the target's model")
    ap.add_argument("--weights", metavar="random:SEED",
                    help="the target's network with seeded random weights instead of its default ones")
    ap.add_argument("--folding", type=_existing_file("--folding"),
                    help="folding JSON {node: {PE, SIMD, ...}} (see flow/fold.py)")
    ap.add_argument("--target-fps", type=fps_or_max("--target-fps"), help="fold automatically for this many frames/s, or 'max' "
                                                    "(the most that fits the board by the estimate)")
    ap.add_argument("--clock-mhz", type=positive(float, "--clock-mhz"),
                    help="clock frequency (default: the board's, 100 MHz)")
    ap.add_argument("--out", type=Path, help="build directory (default build/<name>)")
    ap.add_argument("--inputs", type=positive(int, "--inputs"),
                    help="test inputs verified at every level (default: the target's, else 100)")
    ap.add_argument("--input-data", type=_existing_file("--input-data"),
                    help="with --model: test inputs as a .npy file (N, ...)")
    ap.add_argument("--input-datatype", metavar="TYPE[:SCALE]",
                    help="with --model: its float input takes TYPE codes times SCALE (e.g. UINT8:1/255), "
                    "quantized where it enters (a qonnx datatype annotation on the input does the same)")
    ap.add_argument("--board", choices=known_boards(),
                    help="the board to build for (default: the target's, else pynq_z2): part, budget, block design")
    ap.add_argument("--synth", action="store_true", help="run Yosys synth_xilinx on the generated RTL")
    ap.add_argument("--energy", action="store_true",
                    help="estimate energy per image from the design's toggle activity (an estimate)")
    ap.add_argument("--no-op-sim", action="store_true", help="skip the per-op RTL simulations")
    ap.add_argument("--ignore-budget", action="store_true",
                    help="do not hold the folding to the board's budget (verify a network that fits no "
                    "board); the report says so")
    ap.add_argument("--runtime-weights", action="store_true",
                    help="load every MVAU's weights at run time (the driver does, after the bitstream): "
                    "new weights of the same network need no new bitstream")
    ap.add_argument("--backend", choices=sorted(BACKENDS), default="both",
                    help="generate and simulate the RTL (L4), the HLS C++ (L5) or both (default)")
    ap.add_argument("--dynamo", action="store_true", help="export with torch's dynamo exporter")
    ap.add_argument("--l4-shards", type=positive(int, "--l4-shards"), default=1,
                    help="split L4's frames over this many Ray tasks (default 1: no Ray)")
    ap.add_argument("--ray-address", help="with --l4-shards: run them on the Ray cluster at HOST:PORT")
    ap.add_argument("--from", dest="restart_from", help="rerun from this step even if up to date")
    ap.add_argument("--debug", action="store_true", help="show the full traceback on failure")
    return ap


def parse_args(argv=None) -> tuple[BuildConfig, argparse.Namespace]:
    ap = parser()
    args = ap.parse_args(argv)
    if (args.target is None) == (args.model is None):
        ap.error("give a target name or --model FILE (not both)")
    if args.folding and args.target_fps:
        ap.error("--folding and --target-fps exclude each other")
    if args.ray_address and args.l4_shards == 1:
        ap.error("--ray-address goes with --l4-shards N (N > 1): only L4's shards run on Ray")
    if args.input_data and not args.model:
        ap.error("--input-data goes with --model (a target makes its own test inputs)")
    if args.input_datatype and not args.model:
        ap.error("--input-datatype goes with --model (a target's input quantizer is its own)")
    if args.out and args.out.exists() and not args.out.is_dir():
        ap.error(f"--out {args.out}: exists and is not a directory")
    try:
        cfg = configure(args.target or args.model, out=args.out, folding=args.folding, fps=args.target_fps,
                        clock_mhz=args.clock_mhz, inputs=args.inputs, input_data=args.input_data,
                        input_datatype=args.input_datatype,
                        checkpoint=args.checkpoint, weights=args.weights, backend=args.backend, synth=args.synth,
                        energy=args.energy,
                        op_sim=not args.no_op_sim, dynamo=args.dynamo, l4_shards=args.l4_shards,
                        ray_address=args.ray_address, ignore_budget=args.ignore_budget, board=args.board,
                        runtime_weights=args.runtime_weights)
    except ValueError as err:
        ap.error(str(err))
    return cfg, args


@import_warnings_hidden()   # the target plugins and the steps import brevitas and pynq lazily
def main(argv=None) -> int:
    try:
        cfg, args = parse_args(argv)
    except SystemExit as exit_:   # argparse has printed the usage and the flag's error
        return exit_.code
    for note in cfg.notes:
        print(f"note: {note}")
    cfg.out.mkdir(parents=True, exist_ok=True)
    # how to rerun this build (python -m flow.faults reruns copies of it from a chosen step)
    cfg.write_json(ARGS_FILE, {"argv": list(sys.argv[1:] if argv is None else argv), "cwd": os.getcwd()})
    try:
        result = run_build(cfg, restart_from=args.restart_from)
    except (StepFailed, ValueError) as err:
        if args.debug:
            traceback.print_exc()
        print(f"error: {err}", file=sys.stderr)
        if isinstance(err, StepFailed):
            print(f"(earlier steps are kept in {cfg.out}; rerun to resume)", file=sys.stderr)
        return 1
    print(summary(result.report, cfg.path("report.md")))
    if not result.passed:
        print("error: the build's checks failed:\n  " + "\n  ".join(result.failures), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
