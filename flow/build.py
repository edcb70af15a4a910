"""python -m flow.build: a target or any QONNX file to a verified dataflow accelerator.

    python -m flow.build cnv_w1a1
    python -m flow.build --model net.onnx [--folding f.json | --target-fps N | --target-fps max]
                         [--clock-mhz 100] [--out DIR] [--inputs N] [--synth] [--backend rtl|hls|both]

The whole compiler, in order; each step writes its files into the build directory
(build/<name>/ by default) and is skipped on a rerun whose inputs have not changed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import time
import traceback
from pathlib import Path

from flow import steps, steps_hls, steps_tracker
from flow.emulator.l6 import step_board
from flow.package import step_package
from flow.report import write_report
from flow.targets import TARGETS, get_target

# (name, function, what it writes, the options it depends on)
PIPELINE = [
    ("export", steps.step_export, ["00_qonnx.onnx", "inputs.npy"],
     ("name", "model_path", "checkpoint", "inputs", "input_data", "dynamo", "seed")),  # Brevitas/QONNX in
    ("streamline", steps.step_streamline, ["10_integer.onnx"], ()),      # integer weights, thresholds
    ("reference", steps.step_reference, ["reference.onnx", "reference_outputs.npz"], ()),  # L2 in onnxruntime
    ("lower", steps.step_lower, ["20_hw.onnx"], ()),                     # hardware ops, channels-last
    ("fold", steps.step_fold, ["30_folded.onnx", "folding.json"],
     ("folding_path", "target_fps", "clock_mhz", "board")),              # PE/SIMD, DWCs, FIFOs, budget
    ("codegen", steps.step_codegen, ["rtl"], ()),                        # Verilog top + memory files
    ("rtlsim", steps.step_rtlsim, ["sim/rtlsim.json", "sim/l4_outputs.npy"], ()),  # L4 + throughput
    ("op_rtlsim", steps.step_op_rtlsim, ["sim/ops.json"], ("per_op_sim",)),  # per-op RTL: cycles, equality
    ("hls_codegen", steps_hls.step_hls_codegen, ["hls"], ()),          # HLS C++ top, memories, Tcl
    ("hlssim", steps_hls.step_hlssim, ["sim/hlssim.json", "sim/l5_outputs.npy"], ()),  # g++ C-sim (L5)
    ("verify", steps.step_verify, ["verification.json"], ("backend",)),  # L0..L5 compared
    ("tracker", steps_tracker.step_tracker, ["tracker"], ("backend", "board", "clock_mhz")),  # + correlation: pairs L0..L6
    ("synth", steps.step_synth, ["synth/yosys.json"], ("synth",)),       # Yosys synth_xilinx (--synth)
    ("hls_synth", steps_hls.step_hls_synth, ["hls_synth/csynth.json"], ()),  # Vitis HLS csynth, if installed
    ("package", step_package, ["vivado", "deploy"], ("board", "clock_mhz")),  # Vivado Tcl, .bit/.hwh, driver
    ("board", step_board, ["board/board.json"], ()),                     # L6: driver on the emulated board
]
STATE_FILE = "build_state.json"
REPORT_FILES = ["report.json", "report.md", "report_cycles.png"]
ERROR_FILE = "build_error.txt"  # why the last run stopped; removed by a run that completes
SOURCE_ROOT = Path(__file__).resolve().parents[1]


def toolchain_hash() -> str:
    """Hash of the compiler and hardware sources: a changed toolchain reruns every step."""
    digest = hashlib.sha256()
    for folder, pattern in (("flow", "*.py"), ("flow", "*.j2"), ("hw", "*.v"), ("hw", "*.cpp"), ("hw", "*.hpp"),
                            ("hw", "*.json"), ("hw", "*.j2"), ("deploy", "*.py")):
        for path in sorted((SOURCE_ROOT / folder).rglob(pattern)):
            digest.update(path.relative_to(SOURCE_ROOT).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


class StepFailed(RuntimeError):
    pass


def run_build(cfg: steps.BuildConfig, restart_from: str | None = None, quiet: bool = False) -> dict:
    """Run every step (skipping up-to-date ones), then write report.json / report.md."""
    cfg.out.mkdir(parents=True, exist_ok=True)
    state_path = cfg.path(STATE_FILE)
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    names = [name for name, *_ in PIPELINE]
    if restart_from is not None and restart_from not in names:
        raise ValueError(f"--from {restart_from}: no such step (steps: {', '.join(names)})")
    key, dirty = toolchain_hash(), False
    timings = {}
    for index, (name, func, outputs, options) in enumerate(PIPELINE, start=1):
        key = hashlib.sha256((key + name + json.dumps(cfg.fingerprint(options))).encode()).hexdigest()
        dirty = dirty or name == restart_from
        up_to_date = (not dirty and state.get(name, {}).get("key") == key
                      and all(cfg.path(o).exists() for o in outputs))
        label = f"[{index}/{len(PIPELINE)}] {name:<10}"
        if not steps_hls.step_selected(name, cfg.backend):
            _say(quiet, f"{label} skipped (--backend {cfg.backend})")
            continue
        if up_to_date:
            timings[name] = state[name]["seconds"]
            _say(quiet, f"{label} up to date")
            continue
        if not dirty:  # the first step that runs: the old report no longer describes the build
            _remove(cfg, REPORT_FILES)
        dirty = True
        _say(quiet, f"{label} {func.__doc__.strip().splitlines()[0]}")
        _remove(cfg, outputs)
        started = time.time()
        try:
            func(cfg)
        except Exception as err:
            _remove(cfg, outputs)
            state.pop(name, None)
            state_path.write_text(json.dumps(state, indent=2))
            raise StepFailed(f"step '{name}' failed: {err}") from err
        seconds = time.time() - started
        timings[name] = seconds
        state[name] = {"key": key, "seconds": round(seconds, 2)}
        state_path.write_text(json.dumps(state, indent=2))
        _say(quiet, f"{label} done in {seconds:.1f} s")
    meta = {
        "name": cfg.name,
        "description": cfg.target.description if cfg.target else f"QONNX model {cfg.model_path}",
        "board": cfg.board, "clock_mhz": cfg.clock_mhz, "backend": cfg.backend,
        "folding": str(cfg.folding_path) if cfg.folding_path else
        (f"automatic, target {cfg.target_fps} frames/s" if cfg.target_fps else "PE = SIMD = 1"),
        "inputs": cfg.inputs, "steps": {k: round(v, 2) for k, v in timings.items()},
        "notes": cfg.notes + (cfg.target.notes if cfg.target else []),
    }
    report = write_report(cfg.out, meta)
    _remove(cfg, [ERROR_FILE])
    _say(quiet, f"report: {cfg.path('report.md')}")
    return report


def _remove(cfg, outputs):
    for o in outputs:
        p = cfg.path(o)
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def _say(quiet: bool, text: str) -> None:
    if not quiet:
        print(text, flush=True)


def parse_args(argv=None) -> tuple[steps.BuildConfig, argparse.Namespace]:
    ap = argparse.ArgumentParser(prog="python -m flow.build", description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("target", nargs="?", help=f"target name ({', '.join(sorted(TARGETS))})")
    ap.add_argument("--model", type=Path, help="build this QONNX file instead of a target")
    ap.add_argument("--checkpoint", type=Path, help="trained weights (state_dict) for the target's model")
    ap.add_argument("--folding", type=Path, help="folding JSON {node: {PE, SIMD, ...}} (see flow/fold.py)")
    ap.add_argument("--target-fps", help="fold automatically for this many frames/s, or 'max' "
                                         "(the most that fits the board by the estimate)")
    ap.add_argument("--clock-mhz", type=float, help="clock frequency (default: the board's, 100 MHz)")
    ap.add_argument("--out", type=Path, help="build directory (default build/<name>)")
    ap.add_argument("--inputs", type=int, help="test inputs verified at every level (default: the target's, else 100)")
    ap.add_argument("--input-data", type=Path, help="with --model: test inputs as a .npy file (N, ...)")
    ap.add_argument("--synth", action="store_true", help="run Yosys synth_xilinx on the generated RTL")
    ap.add_argument("--no-op-sim", action="store_true", help="skip the per-op RTL simulations")
    ap.add_argument("--backend", choices=sorted(steps_hls.BACKENDS), default="both",
                    help="generate and simulate the RTL (L4), the HLS C++ (L5) or both (default)")
    ap.add_argument("--dynamo", action="store_true", help="export with torch's dynamo exporter")
    ap.add_argument("--from", dest="restart_from", help="rerun from this step even if up to date")
    ap.add_argument("--debug", action="store_true", help="show the full traceback on failure")
    args = ap.parse_args(argv)
    if (args.target is None) == (args.model is None):
        ap.error("give a target name or --model FILE (not both)")
    if args.folding and args.target_fps:
        ap.error("--folding and --target-fps exclude each other")
    target = get_target(args.target) if args.target else None
    name = args.target or args.model.stem
    target_fps = args.target_fps
    if target_fps is None and args.folding is None and target is not None:
        target_fps = target.target_fps
    if target_fps not in (None, "max"):
        target_fps = float(target_fps)
    cfg = steps.BuildConfig(
        name=name, out=args.out or Path("build") / name, target=target,
        model_path=args.model, checkpoint=args.checkpoint, folding_path=args.folding,
        target_fps=target_fps, clock_mhz=args.clock_mhz or (target.clock_mhz if target else 100.0),
        inputs=args.inputs or (target.default_inputs if target else 100), input_data=args.input_data,
        per_op_sim=not args.no_op_sim, synth=args.synth, dynamo=args.dynamo, backend=args.backend)
    return cfg, args


def bit_exactness_failures(report: dict) -> list[str]:
    """The levels that must be bit-exact and are not: the backbone's hardware levels, and every
    tracker level (all integer score maps, compared exactly)."""
    failed = [k for k, v in (report["verification"] or {}).items()
              if k in ("L2_L3", "L2_L4", "L2_L5") and not v["equal"]]
    return failed + [f"tracker {k}" for k, v in ((report.get("tracker") or {}).get("levels") or {}).items()
                     if not v["equal"]]


def main(argv=None) -> int:
    try:
        cfg, args = parse_args(argv)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        report = run_build(cfg, restart_from=args.restart_from)
    except (StepFailed, ValueError) as err:
        if args.debug:
            traceback.print_exc()
        print(f"error: {err}", file=sys.stderr)
        cfg.out.mkdir(parents=True, exist_ok=True)
        cfg.path(ERROR_FILE).write_text(f"{err}\n")
        print(f"(earlier steps are kept in {cfg.out}; rerun to resume)", file=sys.stderr)
        return 1
    failed = bit_exactness_failures(report)
    if failed:
        print(f"error: bit-exactness failed at {', '.join(failed)} (see {cfg.path('report.md')})",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
