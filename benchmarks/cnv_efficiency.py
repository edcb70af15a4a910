"""cnv_w1a1 LUT efficiency by Yosys on the board top: images/s per 1,000 LUT of finished builds,
against the goals (>= 9,150 images/s at >= 700 per 1,000 LUT; a max build >= 20,000 images/s
within the xc7z020: LUT <= 85 %, BRAM36 <= 100 %, FF and DSP within the part), with the timing
proxy, whether the weights can be reloaded without a new bitstream and the energy per image (an
estimate, with --energy), beside the published context rows of benchmarks/cnv_figures.py.

    ./dev build cnv_w1a1 --out build/cnv_default --inputs 100 --synth --energy
    ./dev build cnv_w1a1 --out build/cnv_9150 --target-fps 9150 --inputs 100 --synth --energy
    ./dev build cnv_w1a1 --out build/cnv_9150_hand --folding benchmarks/results/folding_cnv_9150_hand_mvau1_whole.json --inputs 100 --synth --energy
    ./dev build cnv_w1a1 --out build/cnv_20000 --target-fps 20000 --inputs 100 --synth --energy
    ./dev python benchmarks/cnv_efficiency.py build/cnv_default build/cnv_9150 build/cnv_9150_hand build/cnv_20000

Writes benchmarks/results/cnv_efficiency.{json,md}; README.md's table renders from the JSON
(benchmarks/readme_tables.py). Resources are the builds' Yosys synth_xilinx counts (-abc9, or plain
abc where abc9 failed: the row names the Yosys and the mapping) of the board top (the accelerator with its AXI-Lite control and DMA-width stream
adapters, flow/board/top.py); fps are measured cycles per frame in rtlsim at the 100 MHz
clock, which Vivado has not confirmed (the timing figure is a proxy, see flow/backends/rtl/synth.py).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.cnv_figures import CONTEXT, fps_per_klut
from flow import verdict
from flow.backends.rtl.synth import mapping_used, timing_text, yosys_release
from flow.board.spec import load_board

RESULTS = Path(__file__).resolve().parent / "results"
PART = load_board("pynq_z2").resources   # the xc7z020's totals
# the goal's "fits": LUT <= 85 %, BRAM36, FF and DSP within the part
GOAL_BUDGET = {k: n * (0.85 if k == "LUT" else 1.0) for k, n in PART.items()}
GOAL_FPS, GOAL_PER_KLUT, GOAL_MAX_FPS = 9150, 700, 20000


def weights_reloadable(build: Path) -> str:
    """Whether new weights need a new bitstream: an MVAU's weights are a ROM that $readmemh fills
    at elaboration (block RAM contents could be patched into the .bit without synthesis, logic
    could not), unless the build loads them at run time (--runtime-weights, or UltraRAM): then
    deploy/design.json lists their regions of the weight image the driver writes."""
    memories = len(list((build / "rtl").glob("*_weights.mem")))
    facts = build / "deploy" / "design.json"
    loaded = len(json.loads(facts.read_text()).get("weights", {}).get("regions", [])) if facts.exists() else 0
    if loaded and loaded == memories:
        return f"yes: {loaded} weight memories loaded at run time"
    if loaded:
        return f"partly: {loaded} of {memories} weight memories loaded at run time"
    return f"no: {memories} weight ROMs filled in the bitstream" if memories else "no weights"


def row(build: Path) -> dict:
    r = json.loads((build / "report.json").read_text())
    syn, perf = r["synthesis"], r["performance"]
    if not syn.get("run", True) or "LUT" not in syn:
        raise SystemExit(f"{build}: no Yosys synthesis in its report (build it with --synth)")
    fps = perf["measured_fps"]
    fits = verdict.fits("yosys", syn, GOAL_BUDGET)["passed"]
    levels = r["verification"]
    energy = r.get("energy_estimate", {})
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
        "verified_inputs": {k: v["inputs"] for k, v in levels.items()},
        "yosys": syn.get("yosys"), "yosys_mapping": syn.get("mapping"),
        "yosys_mapping_failures": syn.get("mapping_failures", []),
        "yosys_scope": syn.get("scope"), "yosys_seconds": syn.get("seconds"),
        "energy_estimate_joules_per_image": energy.get("joules_per_image"),
        "energy_estimate_images_per_joule": energy.get("images_per_joule"),
    }


def table(data: dict) -> str:
    """The rows as one markdown table (cnv_efficiency.md, and README.md's through
    benchmarks/readme_tables.py): the published context rows first."""
    lines = [f"| build (`{data['command']}`) | tool, scope | fps @100 MHz | LUT | FF | BRAM36 | DSP | "
             "images/s per 1,000 LUT | timing proxy (cell delay, logic levels) | reloadable weights | "
             "energy per image (estimate) | L2 = L4..L6 | goal met |",
             "|" + "---|" * 13]
    for c in data["context"]:
        fps = f"{c['fps']:,.0f}" + (f" (folding bound {c['folding_bound_fps']:,})" if c.get("folding_bound_fps") else "")
        per = fps_per_klut(c["fps"], c["LUT"])
        lines.append(f"| context: {c['build']} (published) | {c['tool']}, {c['scope']} | {fps} | "
                     + " | ".join("-" if c[k] is None else f"{c[k]:,}" for k in ("LUT", "FF", "BRAM36", "DSP"))
                     + f" | {'-' if per is None else f'{per:.0f}'} | - | - | - | - | - |")
    for r in data["rows"]:
        later = all(v for k, v in r["verified"].items() if k in ("L2_L4", "L2_L5", "L2_L6"))
        energy = r["energy_estimate_joules_per_image"]
        when = f", {r['earlier']}" if r.get("earlier") else ""
        lines.append(f"| `{r['build']}` ({r['folding']}{when}) | {yosys_release(r['yosys'])} {mapping_used(r['yosys_mapping'])}, board top | {r['fps']:,.0f} | "
                     f"{r['LUT']:,} | {r['FF']:,} | {r['BRAM36']:g} | {r['DSP']} | {r['fps_per_klut']:.0f} | "
                     f"{timing_text(r['timing_proxy'])} | "
                     f"{r['reloadable_weights']} | {'-' if energy is None else f'{energy * 1e6:,.1f} uJ'} | "
                     f"{'yes' if later else 'NO'} ({r['inputs']} inputs) | "
                     f"{'yes' if r['meets_9150_goal'] or r['meets_max_goal'] else 'no'} |")
    return "\n".join(lines) + "\n"


def earlier_rows(names: list[str], note: str) -> list[dict]:
    """Rows of the saved results for builds not measured again, each marked with `note`."""
    saved = json.loads((RESULTS / "cnv_efficiency.json").read_text())["rows"]
    rows = [dict(r, earlier=r.get("earlier") or note) for r in saved if r["build"] in names]
    missing = set(names) - {r["build"] for r in rows}
    if missing:
        raise SystemExit(f"--keep {', '.join(sorted(missing))}: no such row in {RESULTS / 'cnv_efficiency.json'}")
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("builds", nargs="+", type=Path)
    ap.add_argument("--keep", nargs="*", default=[], metavar="BUILD",
                    help="rows of the saved results to carry over (builds not measured again)")
    ap.add_argument("--keep-note", default="an earlier run", help="what the carried rows say of themselves")
    args = ap.parse_args(argv)
    command = "./dev python benchmarks/cnv_efficiency.py " + " ".join(str(b) for b in args.builds)
    if args.keep:
        command += " --keep " + " ".join(args.keep) + f" --keep-note '{args.keep_note}'"
    rows = [row(b) for b in args.builds] + earlier_rows(args.keep, args.keep_note)
    data = {"command": command, "part": PART, "context": CONTEXT, "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cnv_efficiency.json").write_text(json.dumps(data, indent=2) + "\n")
    text = table(data)
    (RESULTS / "cnv_efficiency.md").write_text(text)
    print(text, end="")


if __name__ == "__main__":
    main()
