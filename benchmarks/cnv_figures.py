"""cnv_w1a1 at its default folding and at the most that fits xc7z020, with published context.

Builds cnv_w1a1 at its default folding (3,050 frames/s, about finn-examples' cnv_w1a1) and at the
highest-fps folding that fits xc7z020 by the estimate (--target-fps max), both with Yosys
synthesis, and writes benchmarks/results/cnv_figures.{json,md}: measured fps at 100 MHz,
LUT/FF/BRAM (estimate and Yosys), images/s per 1,000 LUT, per-op analytic vs measured cycles,
rtlsim speed. The published rows (CONTEXT) are Vivado counts of a whole system, ours Yosys
counts of the accelerator alone: context, not a baseline.

    ./dev python benchmarks/cnv_figures.py [--inputs 100]
    ./dev python benchmarks/cnv_figures.py --render    # only cnv_figures.md from the JSON
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from flow.board.spec import load_board

RESULTS = Path(__file__).resolve().parent / "results"
COMMAND = "./dev python benchmarks/cnv_figures.py"

# Published figures on the same xc7z020 at 100 MHz (Vivado, whole system: shell, DMA and all).
CONTEXT = [
    {"build": "BNN-PYNQ CNV-W1A1", "tool": "Vivado 2018.2", "scope": "whole system",
     "fps": 9149.98, "LUT": 26072, "FF": 41312, "BRAM36": 124, "DSP": 24,
     "source": "Xilinx/BNN-PYNQ: CNV-QNN_Cifar10_Testset.ipynb (the 10,000 CIFAR-10 test images on "
               "a PYNQ board) and the network's README (124 BRAM tiles: 76 RAMB36 + 96 RAMB18)"},
    {"build": "finn-examples cnv_w1a1, FINN compiler", "tool": "Vivado", "scope": "whole system",
     "fps": 3020, "folding_bound_fps": 3052, "LUT": None, "FF": None, "BRAM36": None, "DSP": None,
     "source": "Xilinx/finn-examples: cnv_w1a1 on the PYNQ-Z1/Z2 (its folding's bound: 3,052)"},
]


def fps_per_klut(fps: float, lut: float | None) -> float | None:
    return 1000 * fps / lut if lut else None


def summarize(name: str, out: Path) -> dict:
    r = json.loads((out / "report.json").read_text())
    p, est, syn = r["performance"], r["totals"]["estimate"], r["synthesis"]
    ops = [o for o in r["ops"] if o["measured_cycles"]]
    ratios = [o["measured_over_analytic"] for o in ops]
    return {
        "build": name, "folding": r["build"]["folding"],
        "measured_fps": p["measured_fps"], "analytic_fps": p["analytic_fps"],
        "bottleneck": p["bottleneck"], "latency_us": p["latency_us"],
        "estimate": est, "yosys": {k: syn.get(k) for k in ("LUT", "FF", "BRAM36", "DSP")},
        "estimate_over_yosys": {k: est[k] / syn[k] for k in ("LUT", "FF", "BRAM36") if syn.get(k)},
        "fps_per_klut": fps_per_klut(p["measured_fps"], syn.get("LUT")),
        "verification": {k: v["equal"] for k, v in r["verification"].items()},
        "inputs": r["verification"]["L2_L4"]["inputs"],
        "per_op_rtl_equal": r["per_op_rtl"]["all_equal"],
        "cycles_ratio_min": min(ratios), "cycles_ratio_max": max(ratios),
        "per_op_cycles": {o["name"]: [o["analytic_cycles"], o["measured_cycles"]] for o in ops},
        "rtlsim_frames_per_second": p["rtlsim_frames_per_second"],
        "rtlsim_frames_per_second_with_gaps": p["rtlsim_frames_per_second_with_gaps"],
    }


def _n(value, fmt: str = ",.0f") -> str:
    return "-" if value is None else format(value, fmt)


def table(results: dict) -> str:
    """The figures as one markdown table (cnv_figures.md, and README.md's through
    benchmarks/readme_tables.py)."""
    part = load_board("pynq_z2").resources
    lines = [f"| build (`{results['command']}`) | tool, scope | fps @100 MHz | LUT | FF | BRAM36 | DSP | "
             "images/s per 1,000 LUT | of xc7z020: LUT, BRAM36 | estimate / Yosys: LUT, BRAM36 | L0..L4 | "
             "op cycles measured / analytic | rtlsim frames/s: full pipeline, with gaps |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for c in results["context"]:
        fps = _n(c["fps"]) + (f" (folding bound {c['folding_bound_fps']:,})" if c.get("folding_bound_fps") else "")
        lines.append(f"| context: {c['build']} (published) | {c['tool']}, {c['scope']} | {fps} | {_n(c['LUT'])} | "
                     f"{_n(c['FF'])} | {_n(c['BRAM36'])} | {_n(c['DSP'])} | {_n(fps_per_klut(c['fps'], c['LUT']))} | "
                     "- | - | - | - | - |")
    for b in results["builds"]:
        y, q = b["yosys"], b["estimate_over_yosys"]
        lines.append(
            f"| `{b['build']}` ({b['folding']}) | Yosys, accelerator | {b['measured_fps']:,.0f} | {y['LUT']:,} | "
            f"{y['FF']:,} | {y['BRAM36']:g} | {y['DSP']} | {_n(b['fps_per_klut'])} | "
            f"{100 * y['LUT'] / part['LUT']:.1f} %, {100 * y['BRAM36'] / part['BRAM36']:.0f} % | "
            f"{q['LUT']:.2f}, {q['BRAM36']:.2f} | "
            f"{'all equal' if all(b['verification'].values()) else 'MISMATCH'} ({b['inputs']} inputs) | "
            f"{b['cycles_ratio_min']:.3f}-{b['cycles_ratio_max']:.3f} | "
            f"{b['rtlsim_frames_per_second']:.1f}, {b['rtlsim_frames_per_second_with_gaps']:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=100)
    ap.add_argument("--render", action="store_true", help="only rewrite cnv_figures.md from cnv_figures.json")
    args = ap.parse_args(argv)
    path = RESULTS / "cnv_figures.json"
    if args.render:
        results = json.loads(path.read_text())
    else:
        from flow.build import main as build_main

        rows = []
        for name, extra in (("cnv_w1a1", []), ("cnv_w1a1_max", ["--target-fps", "max"])):
            out = Path("build") / name
            code = build_main(["cnv_w1a1", "--out", str(out), "--inputs", str(args.inputs), "--synth", *extra])
            if code != 0:
                raise SystemExit(f"build {name} failed (see {out})")
            rows.append(summarize(name, out))
        results = {"command": f"{COMMAND} --inputs {args.inputs}", "context": CONTEXT, "builds": rows}
        RESULTS.mkdir(exist_ok=True)
        path.write_text(json.dumps(results, indent=2) + "\n")
    text = table(results)
    (RESULTS / "cnv_figures.md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
