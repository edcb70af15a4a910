"""cnv_w1a1 LUT efficiency by Yosys on the board top: images/s per 1,000 LUT of finished builds,
against the goals (>= 9,150 images/s at >= 700 per 1,000 LUT; a max build >= 20,000 images/s
within the xc7z020: LUT <= 85 %, BRAM36 <= 100 %, FF and DSP within the part), with the timing
proxy and whether the weights can be reloaded without a new bitstream.

    ./dev build cnv_w1a1 --out build/cnv_default --inputs 100 --synth
    ./dev build cnv_w1a1 --out build/cnv_9150 --target-fps 9150 --inputs 100 --synth
    ./dev python benchmarks/cnv_efficiency.py build/cnv_default build/cnv_9150

Writes benchmarks/results/cnv_efficiency.{json,md}. Resources are Yosys 0.23 synth_xilinx -abc9
counts of the board top (the accelerator with its AXI-Lite control and DMA-width stream
adapters, flow/board/top.py); fps are measured cycles per frame in rtlsim at the 100 MHz
clock, which Vivado has not confirmed (the timing figure is a proxy, see flow/backends/rtl/synth.py).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
PART = {"LUT": 53200, "FF": 106400, "BRAM36": 140, "DSP": 220}   # xc7z020
GOAL_FPS, GOAL_PER_KLUT, GOAL_MAX_FPS = 9150, 700, 20000


def weights_reloadable(build: Path) -> str:
    """mvau.v holds its weights in a ROM that $readmemh fills from a memory file at elaboration,
    so new weights need a new bitstream (block RAM contents could be patched into the .bit
    without synthesis, logic could not); no op has a port that writes weights at run time."""
    roms = sorted((build / "rtl").glob("*_weights.mem"))
    return f"no: {len(roms)} weight ROMs filled in the bitstream" if roms else "no weights"


def row(build: Path) -> dict:
    r = json.loads((build / "report.json").read_text())
    syn, perf = r["synthesis"], r["performance"]
    if not syn.get("run", True) or "LUT" not in syn:
        raise SystemExit(f"{build}: no Yosys synthesis in its report (build it with --synth)")
    fps = perf["measured_fps"]
    fits = (syn["LUT"] <= 0.85 * PART["LUT"] and syn["BRAM36"] <= PART["BRAM36"]
            and syn["FF"] <= PART["FF"] and syn["DSP"] <= PART["DSP"])
    levels = r["verification"]
    return {
        "build": build.name, "folding": r["build"]["folding"], "inputs": r["build"]["inputs"],
        "fps": fps, "cycles_per_frame": perf["measured_cycles_per_frame"],
        **{k: syn[k] for k in ("LUT", "FF", "BRAM36", "DSP")},
        "fps_per_klut": 1000 * fps / syn["LUT"],
        "fits_xc7z020": fits,
        "timing_proxy": syn.get("timing_proxy"),
        "reloadable_weights": weights_reloadable(build),
        "verified": {k: v["equal"] for k, v in levels.items()},
        "verdict_passed": r["verdict"]["passed"],
        "meets_9150_goal": fps >= GOAL_FPS and 1000 * fps / syn["LUT"] >= GOAL_PER_KLUT,
        "meets_max_goal": fps >= GOAL_MAX_FPS and fits,
        "yosys_scope": syn.get("scope"), "yosys_seconds": syn.get("seconds"),
    }


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("builds", nargs="+", type=Path)
    args = ap.parse_args(argv)
    rows = [row(b) for b in args.builds]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cnv_efficiency.json").write_text(json.dumps({"part": PART, "rows": rows}, indent=2) + "\n")
    lines = ["| build | fps @100 MHz (measured cycles) | LUT | FF | BRAM36 | DSP | images/s per 1,000 LUT | "
             "timing proxy (cell delay, logic levels) | reloadable weights | L2 = L4..L6 | goal met |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        t = r["timing_proxy"] or {}
        later = all(v for k, v in r["verified"].items() if k in ("L2_L4", "L2_L5", "L2_L6"))
        lines.append(f"| {r['build']} ({r['folding']}) | {r['fps']:,.0f} | {r['LUT']:,} | {r['FF']:,} | {r['BRAM36']:g} | "
                     f"{r['DSP']} | {r['fps_per_klut']:.0f} | {t.get('critical_path_ps', '-'):,} ps, "
                     f"{t.get('logic_levels', '-')} levels | {r['reloadable_weights']} | "
                     f"{'yes' if later else 'NO'} ({r['inputs']} inputs) | "
                     f"{'yes' if r['meets_9150_goal'] or r['meets_max_goal'] else 'no'} |")
    (RESULTS / "cnv_efficiency.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
