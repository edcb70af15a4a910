"""What the tables of finished builds share (qonnx_models.py, networks_on_boards.py): a build's report
with its Yosys counts, the ladder it passed, and the Yosys columns against the board's budget."""

from __future__ import annotations

import json
from pathlib import Path

RESOURCES = ("LUT", "FF", "BRAM36", "URAM", "DSP")   # URAM: a Zynq UltraScale+ board's
RESOURCE_HEADER = "board | LUT | FF | BRAM36 | URAM | DSP | of the board's budget (LUT, BRAM36, URAM) | estimate LUT"
RESOURCE_COLUMNS = RESOURCE_HEADER.count("|") + 1


def synthesized_report(build: Path) -> dict:
    """build/report.json, which must hold Yosys counts (a build made with --synth)."""
    report = json.loads((Path(build) / "report.json").read_text())
    if "LUT" not in report["synthesis"]:
        raise SystemExit(f"{build}: no Yosys synthesis in its report (build it with --synth)")
    return report


def common_fields(report: dict, levels: tuple[str, ...]) -> dict:
    """The ladder over `levels`, inputs, fps, Yosys counts, estimate, budget and verdict of a report."""
    perf = report["performance"]
    return {
        "ladder": {k: report["verification"][k]["passed"] for k in levels if k in report["verification"]},
        "inputs": report["build"]["inputs"], "fps": perf["measured_fps"], "bottleneck": perf["bottleneck"],
        "yosys": {k: report["synthesis"][k] for k in RESOURCES if k in report["board"]["budget"]},
        "estimate": report["totals"]["estimate"], "budget": report["board"]["budget"], "board": report["board"]["name"],
        "passed": report["verdict"]["passed"],
    }


def ladder_cell(row: dict, boundary_cases: int = 0) -> str:
    """'L1_L2, L2_L3 ... on N inputs', with L1's rounding-boundary cases and any failed level."""
    text = ", ".join(k for k, ok in row["ladder"].items() if ok)
    if boundary_cases:
        text += f" (L1: {boundary_cases} rounding-boundary cases, shown as such)"
    if not all(row["ladder"].values()):
        text += "; failed: " + ", ".join(k for k, ok in row["ladder"].items() if not ok)
    return f"{text} on {row['inputs']} inputs"


def resource_cells(row: dict) -> str:
    """The columns of RESOURCE_HEADER (URAM "-" on a board without it)."""
    y, b = row["yosys"], row["budget"]
    shares = ", ".join(f"{100 * y[k] / b[k]:.0f} %" for k in ("LUT", "BRAM36", "URAM") if k in b)
    return (f"{row.get('board', 'pynq_z2')} | {y['LUT']:,} | {y['FF']:,} | {y['BRAM36']} | {y.get('URAM', '-')} | "
            f"{y['DSP']} | {shares} | {row['estimate']['LUT']:,.0f}")
