"""The HLS backend's part of report.json / report.md: the C-simulation (L5) and, when Vitis HLS
ran, its latency, interval and resources beside our estimate."""

from __future__ import annotations

from flow.board.spec import RESOURCE_KINDS


def hls_markdown(r: dict) -> list[str]:
    csim, csynth = r["hls"]["csim"], r["hls"]["csynth"]
    if csim is None and csynth is None:
        return []
    lines = ["", "## HLS backend", ""]
    if csim is not None:
        compiled = ("reused the cached binary" if csim["compiled_before"]
                    else f"compiled in {csim['compile_seconds']:.1f} s")
        lines.append(f"C-simulation (L5, g++): {compiled}; {csim['frames']} frames in {csim['run_seconds']:.2f} s "
                     f"({csim['frames_per_second']:.1f} frames/s).")
    if csynth is None or not csynth.get("run"):
        reason = csynth.get("reason", "") if csynth else "the step did not run"
        lines += ["", f"HLS synthesis (Vitis HLS csynth): not run ({reason}); no HLS latency or resources."]
        return lines
    est, p = r["totals"]["estimate"], r["performance"]
    res, lat, ii = csynth["resources"], csynth["latency_cycles"], csynth["interval_cycles"]
    lines += ["", "| | latency (cycles) | interval (cycles) | " + " | ".join(RESOURCE_KINDS) + " |",
              "|---|---|---|" + "---|" * len(RESOURCE_KINDS),
              f"| our estimate (RTL) | {p.get('latency_cycles', '-')} | {p['analytic_cycles_per_frame']} | "
              + " | ".join(f"{est[k]:,.1f}" for k in RESOURCE_KINDS) + " |",
              f"| {csynth['tool']} csynth (one-frame call) | {lat['best']}-{lat['worst']} | {ii['min']}-{ii['max']} | "
              + " | ".join("-" if res[k] is None else f"{res[k]:,}" for k in RESOURCE_KINDS) + " |"]
    return lines
