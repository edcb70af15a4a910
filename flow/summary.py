"""The few lines a build ends with: frame rate, resources against the board's budget, the ladder,
top-1 per level and the energy estimate where the build has them, and the verdict."""

from __future__ import annotations

from pathlib import Path


def summary(report: dict, report_path: Path) -> str:
    p, budget = report["performance"], report["board"]["budget"]
    estimate = report["totals"]["estimate"]
    fps = (f"{p['measured_fps']:,.1f} frames/s measured in rtlsim" if "measured_fps" in p
           else f"{p['analytic_fps']:,.1f} frames/s by the cycle model")
    lines = [f"{report['build']['name']}: {fps} at {p['clock_mhz']:g} MHz (bottleneck {p['bottleneck']})",
             "resources (estimate) of the budget: " + ", ".join(
                 f"{k} {estimate[k]:,.0f}/{budget[k]:,.0f} ({100 * estimate[k] / budget[k]:.0f} %)"
                 for k in estimate if budget.get(k))]
    levels = report["verification"]
    lines.append("ladder: " + (", ".join(f"{k} {'ok' if v['passed'] else 'FAIL'} ({v['inputs']} inputs"
                                         + (f", {v['boundary_cases']} on a rounding boundary"
                                            if v.get("boundary_cases") else "") + ")"
                                         for k, v in levels.items()) or "no levels compared"))
    accuracy = report.get("accuracy")
    if accuracy and accuracy["levels"]:
        lines.append(f"top-1 on {accuracy['images']} labelled inputs: " + ", ".join(
            f"{k} {100 * v['top1']:.1f} %" for k, v in accuracy["levels"].items()))
    energy = report.get("energy_estimate", {})
    if energy.get("run"):
        lines.append(f"energy (ESTIMATE): {energy['joules_per_image'] * 1e6:,.3f} uJ per image, "
                     f"{energy['images_per_joule']:,.0f} images/J")
    verdict = report["verdict"]
    lines.append(f"verdict: {'PASS' if verdict['passed'] else 'FAIL'} ({len(verdict['failures'])} failed checks); "
                 f"report: {report_path}")
    return "\n".join(lines)
