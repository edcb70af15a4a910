"""Per-op Yosys resources of a build, before and after a hardware change: each op instance of a
build's folded graph synthesized alone (synth_xilinx -abc9, xc7, as --synth does for the board
top), saved under a label; with two labels saved, a before/after table per op.

    ./dev python benchmarks/op_luts.py build/cnv_w1a1 --label before [--ops MVAU_4 MVAU_5]
    (change the hardware)
    ./dev python benchmarks/op_luts.py build/cnv_w1a1 --label after --compare before
    ./dev python benchmarks/op_luts.py build/siamfc_binary --graph 40_tracker.onnx --ops BilinearCrop_0 --label crop_engine

Writes benchmarks/results/op_luts_<build>_<label>.json and, with --compare,
benchmarks/results/op_luts_<build>_<compare>_vs_<label>.md.
"""

from __future__ import annotations

import argparse
import json
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper

from benchmarks.calibrate_estimates import synth_op

RESULTS = Path(__file__).resolve().parent / "results"
KINDS = ("LUT", "FF", "BRAM36", "DSP")


def result_file(build: Path, label: str) -> Path:
    return RESULTS / f"op_luts_{build.name}_{label}.json"


def compare(before: dict, after: dict) -> list[str]:
    lines = ["| op | op type | LUT before | LUT after | change | BRAM36 before | BRAM36 after | FF before | FF after |",
             "|---|---|---|---|---|---|---|---|---|"]
    totals = {k: [0, 0] for k in KINDS}
    for name, b in before["ops"].items():
        a = after["ops"].get(name)
        if a is None:
            continue
        for k in KINDS:
            totals[k][0] += b["yosys"][k]
            totals[k][1] += a["yosys"][k]
        lut_b, lut_a = b["yosys"]["LUT"], a["yosys"]["LUT"]
        change = f"{100 * (lut_a - lut_b) / lut_b:+.0f} %" if lut_b else "-"
        lines.append(f"| {name} | {b['op_type']} | {lut_b:,} | {lut_a:,} | {change} | {b['yosys']['BRAM36']:g} | "
                     f"{a['yosys']['BRAM36']:g} | {b['yosys']['FF']:,} | {a['yosys']['FF']:,} |")
    lut_b, lut_a = totals["LUT"]
    lines.append(f"| total | | {lut_b:,} | {lut_a:,} | {100 * (lut_a - lut_b) / max(lut_b, 1):+.0f} % | "
                 f"{totals['BRAM36'][0]:g} | {totals['BRAM36'][1]:g} | {totals['FF'][0]:,} | {totals['FF'][1]:,} |")
    return lines


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build", type=Path)
    ap.add_argument("--label", required=True, help="name of this measurement (before, after, ...)")
    ap.add_argument("--ops", nargs="*", help="only these op instances (default: all but FIFOs)")
    ap.add_argument("--compare", help="the label of an earlier measurement: write the before/after table")
    ap.add_argument("--graph", default="30_folded.onnx",
                    help="the build's folded graph to take the ops from (40_tracker.onnx: a siamfc build's tracker)")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args(argv)
    model_path = args.build / args.graph
    nodes = [n for n in ModelWrapper(str(model_path)).graph.node
             if (n.name in args.ops if args.ops else n.op_type != "FIFO")]
    rows = {}
    with ProcessPoolExecutor(args.jobs) as pool:
        for row in pool.map(synth_op, [(model_path, n.name) for n in nodes]):
            rows[row["op"]] = row
            print(f"{row['op']:<22} yosys {row['yosys']}  estimate {row['estimate']}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    result_file(args.build, args.label).write_text(json.dumps({"build": str(args.build), "label": args.label,
                                                               "ops": rows}, indent=2) + "\n")
    if args.compare:
        before = json.loads(result_file(args.build, args.compare).read_text())
        lines = compare(before, {"ops": rows})
        (RESULTS / f"op_luts_{args.build.name}_{args.compare}_vs_{args.label}.md").write_text("\n".join(lines) + "\n")
        print("\n".join(lines))


if __name__ == "__main__":
    main()
