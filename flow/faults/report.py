"""faults.json and faults.md: the counts per fault kind, and each fault's fate."""

from __future__ import annotations

import json
from pathlib import Path


def write_reports(result: dict, out_dir: Path) -> tuple[Path, Path]:
    out_dir = Path(out_dir)
    (out_dir / "faults.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = [f"# Faults injected into {result['build']}", "",
             f"{result['trials_per_kind']} faults per kind (seed {result['seed']}), {result['seconds']:.0f} s. "
             "A fault is caught only when the rerun build exits non-zero; one that changes no op's output "
             "on the build's inputs (by the op's numpy model) is not observable, and a sample of those "
             "("f"up to {result['confirm_per_kind']} per kind) is rerun to confirm the build still passes. "
             "A FIFO fault is observable when the rerun measures more cycles per frame than the analytic "
             "figure, or stalls.", "", *kinds_table(result)]
    lines += ["", "| kind | fault | observable | build exit | first failure |", "|---|---|---|---:|---|"]
    for k in result["kinds"]:
        for f in k["faults"]:
            lines.append(f"| {k['kind']} | {f['site']} | {'yes' if f['observable'] else 'no'} | "
                         f"{f.get('exit_code', 'not rerun')} | {f.get('first_failure') or ''} |")
    (out_dir / "faults.md").write_text("\n".join(lines) + "\n")
    return out_dir / "faults.json", out_dir / "faults.md"


def kinds_table(result: dict) -> list[str]:
    """The counts per fault kind, as markdown table lines."""
    lines = ["| kind | injected | observable | caught | not observable | not observable: rerun, build passed |",
             "|---|---:|---:|---:|---:|---:|"]
    for k in result["kinds"]:
        share = f" ({100 * k['not_observable_share']:.0f} %)" if k["injected"] else ""
        lines.append(f"| {k['kind']} | {k['injected']} | {k['observable']} | {k['caught']} | "
                     f"{k['not_observable']}{share} | {k['not_observable_confirmed']}/{k['not_observable_rerun']} |")
    return lines
