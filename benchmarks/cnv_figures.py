"""cnv_w1a1 figures against FINN's BNN-PYNQ CNV-W1A1 on the same xc7z020 part.

Builds cnv_w1a1 at its default folding (3,050 frames/s, FINN's figure) and at the highest-fps
folding that fits xc7z020 by the estimate (--target-fps max), both with Yosys synthesis, and
writes benchmarks/results/cnv_figures.{json,md}: measured fps at 100 MHz, LUT/FF/BRAM
(estimate and Yosys), frames/s per LUT against FINN's, per-op analytic vs measured cycles,
rtlsim speed.

FINN's figures (xc7z020 at 100 MHz): BNN-PYNQ CNV-W1A1 3,050 images/s with 26,072 LUT,
41,312 FF, 124 BRAM36 and 24 DSP (the BNN-PYNQ network README and test-set notebook);
finn-examples' cnv_w1a1 2,868-3,020 images/s.

    ./dev python benchmarks/cnv_figures.py [--inputs 100]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from flow.build import main as build_main

FINN = {"fps": 3050, "LUT": 26072, "FF": 41312, "BRAM36": 124, "DSP": 24}
RESULTS = Path(__file__).resolve().parent / "results"


def summarize(name: str, out: Path) -> dict:
    r = json.loads((out / "report.json").read_text())
    p, est, syn = r["performance"], r["totals"]["estimate"], r["synthesis"]
    ops = [o for o in r["ops"] if o["measured_cycles"]]
    ratios = [o["measured_over_analytic"] for o in ops]
    row = {
        "build": name, "folding": r["build"]["folding"],
        "measured_fps": p["measured_fps"], "analytic_fps": p["analytic_fps"],
        "bottleneck": p["bottleneck"], "latency_us": p["latency_us"],
        "estimate": est, "yosys": {k: syn.get(k) for k in ("LUT", "FF", "BRAM36", "DSP")},
        "estimate_over_yosys": {k: est[k] / syn[k] for k in ("LUT", "FF", "BRAM36") if syn.get(k)},
        "verification": {k: v["equal"] for k, v in r["verification"].items()},
        "inputs": r["verification"]["L2_L4"]["inputs"],
        "per_op_rtl_equal": r["per_op_rtl"]["all_equal"],
        "cycles_ratio_min": min(ratios), "cycles_ratio_max": max(ratios),
        "per_op_cycles": {o["name"]: [o["analytic_cycles"], o["measured_cycles"]] for o in ops},
        "rtlsim_frames_per_second": p["rtlsim_frames_per_second"],
        "rtlsim_frames_per_second_with_gaps": p["rtlsim_frames_per_second_with_gaps"],
    }
    row["fps_per_lut_vs_finn"] = (row["measured_fps"] / syn["LUT"]) / (FINN["fps"] / FINN["LUT"])
    return row


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=100)
    args = ap.parse_args(argv)
    rows = []
    for name, extra in (("cnv_w1a1", []), ("cnv_w1a1_max", ["--target-fps", "max"])):
        out = Path("build") / name
        code = build_main(["cnv_w1a1", "--out", str(out), "--inputs", str(args.inputs), "--synth", *extra])
        if code != 0:
            raise SystemExit(f"build {name} failed (see {out})")
        rows.append(summarize(name, out))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cnv_figures.json").write_text(json.dumps({"finn": FINN, "builds": rows}, indent=2) + "\n")
    lines = [("| build | folding | fps @100 MHz (measured) | LUT (Yosys) | FF (Yosys) | BRAM36 (Yosys) | DSP | "
             "fps/LUT vs FINN | LUT est./Yosys | BRAM est./Yosys | L0..L4 | op cycles measured/analytic |"),
             "|---|---|---|---|---|---|---|---|---|---|---|---|",
             (f"| FINN BNN-PYNQ CNV-W1A1 | - | {FINN['fps']:,} | {FINN['LUT']:,} | {FINN['FF']:,} | "
             f"{FINN['BRAM36']} | {FINN['DSP']} | 1.00 | - | - | - | - |")]
    for r in rows:
        y, q = r["yosys"], r["estimate_over_yosys"]
        lines.append(
            f"| {r['build']} | {r['folding']} | {r['measured_fps']:,.0f} | {y['LUT']:,} | {y['FF']:,} | "
            f"{y['BRAM36']:g} | {y['DSP']} | {r['fps_per_lut_vs_finn']:.2f} | {q.get('LUT', float('nan')):.2f} | "
            f"{q.get('BRAM36', float('nan')):.2f} | {'all equal' if all(r['verification'].values()) else 'MISMATCH'} "
            f"({r['inputs']} inputs) | {r['cycles_ratio_min']:.3f}-{r['cycles_ratio_max']:.3f} |")
    lines += ["", "rtlsim speed (frames/s simulated on this machine, no gaps / with gaps): " + ", ".join(
        f"{r['build']} {r['rtlsim_frames_per_second']:.1f} / {r['rtlsim_frames_per_second_with_gaps']:.1f}"
        for r in rows)]
    (RESULTS / "cnv_figures.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
