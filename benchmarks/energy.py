"""Energy per image of tfc_w1a1 and cnv_w1a1 at their default foldings: an ESTIMATE.

Builds each target with --energy (RTL backend, no per-op simulations) and tables the estimate's
terms (flow/energy.py): signal toggles counted by Verilator on the build's test inputs, the clock
tree, block RAM, DSP and the part's static power, with images per joule. The per-resource figures
are 7-series figures read or derived from public sources (hw/boards/pynq_z2.json, each with its
source and arithmetic; the per-toggle figure rests on an assumed average toggle rate), not a
measurement of this design.

    PYTHONPATH=. python benchmarks/energy.py [--inputs 20] [--targets tfc_w1a1 cnv_w1a1] [--synth]
Writes benchmarks/results/energy.json and energy.md.
"""

import argparse
import json
from pathlib import Path

from flow.api import build

RESULTS = Path(__file__).resolve().parent / "results"
TERMS = ("signals", "clock", "bram", "dsp", "static")


def measure(target: str, inputs: int, synth: bool, out: Path) -> dict:
    b = build(target, out=out / target, inputs=inputs, backend="rtl", op_sim=False, energy=True, synth=synth)
    if not b.passed:
        raise SystemExit(f"{target}: the build failed: {b.failures}")
    r = b.report
    return {"target": target, "inputs": inputs, "weights": r["build"]["weights"],
            "fps": r["performance"]["measured_fps"], "energy": r["energy_estimate"],
            "accuracy": r.get("accuracy")}


def markdown(rows: list[dict]) -> str:
    lines = ["# Energy per image (ESTIMATE)", "",
             "An estimate, not a measurement: Verilator toggle activity on the build's test inputs times "
             "7-series per-resource figures, plus the xc7z020's programmable-logic static power, each read "
             "or derived from a public source: a Vivado report_power of another xc7z020 design (clock per "
             "flip-flop, static power, and signal energy per toggle, which assumes XPE's default 12.5 % "
             "toggle rate) and Xilinx XPE's 28 nm Zynq figures quoted in D. J. Greaves' course notes "
             "(block RAM read, DSP multiply). hw/boards/pynq_z2.json gives each figure's source and "
             "arithmetic. `PYTHONPATH=. python benchmarks/energy.py`.", "",
             "| target (default folding) | images/s @100 MHz | signals uJ | clock uJ | BRAM uJ | DSP uJ | static uJ "
             "| total uJ/image (estimate) | images/J (estimate) | dynamic W | toggles/image | FF from |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        e = r["energy"]
        t = e["terms_joules_per_image"]
        lines.append(f"| {r['target']} ({r['weights']}) | {r['fps']:,.0f} | "
                     + " | ".join(f"{t[k] * 1e6:.4f}" for k in TERMS)
                     + f" | {e['joules_per_image'] * 1e6:.4f} | {e['images_per_joule']:,.0f} | "
                     f"{e['dynamic_watts']:.3f} | {e['toggles_per_image']:,.0f} | {e['ff_source']} |")
    lines += ["", f"Activity over {rows[0]['inputs']} test images per target, streamed back to back."]
    return "\n".join(lines) + "\n"


def _uj(joules: float) -> str:
    return f"{joules * 1e6:.3g} uJ" if joules else "0"


def readme_table(rows: list[dict]) -> str:
    """The README's table (benchmarks/readme_tables.py renders it from energy.json)."""
    lines = ["| target | images/s (rtlsim, 100 MHz) | signals | clock | BRAM | DSP | static | energy per image "
             "| images per joule | PL dynamic power |", "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        e = r["energy"]
        t = e["terms_joules_per_image"]
        lines.append(f"| {r['target']} ({r['weights'].split(' (')[0]}) | {r['fps']:,.0f} | "
                     + " | ".join(_uj(t[k]) for k in TERMS)
                     + f" | {_uj(e['joules_per_image'])} | {e['images_per_joule']:,.0f} | "
                     f"{e['dynamic_watts'] * 1e3:.0f} mW |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=20)
    ap.add_argument("--targets", nargs="+", default=["tfc_w1a1", "cnv_w1a1"])
    ap.add_argument("--synth", action="store_true", help="FF counts from Yosys instead of the estimate")
    ap.add_argument("--out", type=Path, default=Path("build") / "energy")
    args = ap.parse_args()
    rows = [measure(t, args.inputs, args.synth, args.out) for t in args.targets]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "energy.json").write_text(json.dumps(rows, indent=2) + "\n")
    (RESULTS / "energy.md").write_text(markdown(rows))
    print(markdown(rows))


if __name__ == "__main__":
    main()
