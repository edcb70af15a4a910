"""The tracker section of report.json / report.md (builds with a correlation: siamfc_*).

Frame rates at the clock: the network rate is one search image per bottleneck interval; the
tracker's rate counts 3 scales per frame. A tracker frame's crops depend on the previous
frame's result, so in the sequential loop a frame costs the pipeline's latency plus two more
search intervals (the three crops stream back to back); the exemplar's capture frame is paid
once per sequence (amortised over SEQUENCE_FRAMES frames). Work and energy follow the survey
seed's metrics (models/compress/metrics.py: MACs, bit-operations, energy per MAC by widths).
"""

from __future__ import annotations

import json
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.targets.siamfc.host import host_overlap
from models.compress.metrics import mac_energy_pj

SCALES = 3
SEQUENCE_FRAMES = 100     # frames per sequence over which the exemplar's capture is amortised
GOAL_TRACKER_FPS = 60
PRIOR_WORK = [
    {"tracker": "MiniTracker (ZedBoard, xc7z020, the same part as PYNQ-Z2)", "fps": 18.6,
     "source": "issue 8, citing MiniTracker's published ZedBoard figure"},
    {"tracker": "AGH SiamFC tracker (ZCU104, Zynq UltraScale+, 1 scale, full tracker)", "fps": 17.0,
     "source": "arXiv 2205.10653"},
]


def workload(model: ModelWrapper) -> dict:
    """Weight bits, MACs, bit-operations and energy (pJ) per search image, over the ops that
    compute (MVAUs + correlation, whose run-time exemplar counts as its weights)."""
    rows = []
    for node in model.graph.node:
        w = getCustomOp(node).workload()
        if w.macs:
            rows.append({"op": node.name, "macs": w.macs, "weight_bits": w.weight_bits,
                         "bit_ops": w.bit_ops, "energy_pj": w.macs * mac_energy_pj(w.w_bits, w.in_bits)})
    totals = {k: sum(r[k] for r in rows) for k in ("macs", "weight_bits", "bit_ops", "energy_pj")}
    return {"ops": rows, **totals}


def tracker_section(out: Path, clock_mhz: float) -> dict | None:
    path = Path(out) / "tracker" / "tracker.json"
    if not path.exists():
        return None
    t = json.loads(path.read_text())
    if not t.get("run"):
        return None
    clock = clock_mhz * 1e6
    model = ModelWrapper(str(Path(out) / "40_tracker.onnx"))
    measured = t["measured_cycles_per_search_frame"]
    latency = t["throughput_run"]["capture_frame_latency_cycles"]
    frame_cycles = latency + (SCALES - 1) * measured
    sequence_cycles = SEQUENCE_FRAMES * frame_cycles + latency
    goal_cycles = clock / (GOAL_TRACKER_FPS * SCALES)
    bottleneck_cycles = t["analytic_cycles_per_search_frame"]
    fps = {
        "search_images_per_second": clock / measured,
        "tracker_fps_pipelined": clock / (SCALES * measured),
        "tracker_fps_sequential": clock / frame_cycles,
        "tracker_fps_sequential_with_exemplar": SEQUENCE_FRAMES * clock / sequence_cycles,
        "goal_tracker_fps": GOAL_TRACKER_FPS,
        "goal_cycles_per_search_image": goal_cycles,
        "bottleneck": t["bottleneck"],
        "bottleneck_cycles": bottleneck_cycles,
        "miss_factor": max(1.0, bottleneck_cycles / goal_cycles),
    }
    if t.get("host"):
        fps.update(host_overlap(t["host"]["ms_per_frame"], 1000 * frame_cycles / clock, SCALES))
    synth = Path(out) / "tracker" / "yosys.json"
    return {**t, "fps": fps, "workload": workload(model), "prior_work": PRIOR_WORK,
            "synthesis": json.loads(synth.read_text()) if synth.exists() else None}


def tracker_markdown(s: dict | None, budget: dict) -> str:
    if s is None:
        return ""
    f, w, r = s["fps"], s["workload"], s["resources"]
    lines = ["", "## Tracker accelerator (backbone + cross-correlation)", "",
             f"Exemplar/search pairs from the semi-synthetic benchmark: {s['pairs']}, each streamed as "
             "a capture frame (the exemplar's canvas) and the search crop.", "",
             "| levels | frames | mismatches | equal |", "|---|---|---|---|"]
    for name, v in s["levels"].items():
        lines.append(f"| {name.replace('_', ' vs ')} | {v['inputs']} | {v['mismatches']} | "
                     f"{'yes' if v['equal'] else '**no**'} |")
    if s.get("refolded_for_fps"):
        lines += ["", f"Backbone and correlation together did not fit the budget at the backbone's "
                  f"folding: the tracker was refolded for {s['refolded_for_fps']:,.1f} search images/s."]
    lines += ["", "| figure | value |", "|---|---|",
              f"| bottleneck | {f['bottleneck']}, {f['bottleneck_cycles']:,} cycles per search image "
              f"(goal {f['goal_cycles_per_search_image']:,.0f}"
              + (f", misses by {f['miss_factor']:.2f}x" if f["miss_factor"] > 1 else ", met") + ") |",
              f"| measured cycles per search image (rtlsim) | {s['measured_cycles_per_search_frame']:,.0f} |",
              f"| search images/s | {f['search_images_per_second']:,.1f} |",
              f"| tracker fps, 3 scales, pipelined across frames | {f['tracker_fps_pipelined']:,.1f} |",
              f"| tracker fps, 3 scales, sequential loop (latency + 2 intervals per frame) | "
              f"{f['tracker_fps_sequential']:,.1f} |",
              f"| same, exemplar captured once per {SEQUENCE_FRAMES} frames | "
              f"{f['tracker_fps_sequential_with_exemplar']:,.1f} |",
              f"| rtlsim speed (pairs, gaps and back-pressure) | {s['l4_run']['frames_per_second']:.2f} "
              "frames/s |",
              "| estimate LUT / FF / BRAM36 / DSP | " + " / ".join(f"{r[k]:,.0f}" for k in r)
              + " (" + " / ".join(f"{100 * r[k] / budget[k]:.0f} %" for k in r) + " of the budget) |"]
    if s.get("host"):
        h = s["host"]["ms_per_frame"]
        lines += [f"| host work per tracker frame ({s['host']['cpu']}, Python, {s['host']['frames']} "
                  f"benchmark frames) | crops {h['crop']:.1f} ms + upsampling {h['upsample']:.1f} ms + "
                  f"peak search {h['locate']:.1f} ms = {h['host']:.1f} ms (the goal's whole frame: "
                  f"{1000 / GOAL_TRACKER_FPS:.1f} ms) |",
                  f"| tracker fps with the host: in series with the fabric / overlapped within a frame "
                  f"(bound; flow/targets/siamfc/host.py) | {f['tracker_fps_host_in_series']:,.1f} / "
                  f"{f['tracker_fps_host_overlapped_bound']:,.1f} (fabric alone "
                  f"{f['tracker_fps_sequential']:,.1f}); the board's Cortex-A9 was not measured and "
                  "is slower than this CPU |"]
    if s.get("l5_run"):  # the HLS backend's C-simulation of the tracker (flow/targets/siamfc/hls.py)
        lines.append(f"| HLS C-simulation speed (L5, g++) | {s['l5_run']['frames_per_second']:.2f} frames/s |")
    if s.get("synthesis"):
        y = s["synthesis"]
        lines.append("| Yosys LUT / FF / BRAM36 / DSP | "
                     + " / ".join(f"{y.get(k, 0):,.0f}" for k in ("LUT", "FF", "BRAM36", "DSP")) + " |")
    lines += [f"| weights (bits), MACs, bit-operations per search image | {w['weight_bits']:,} (+ the "
              f"run-time exemplar), {w['macs']:,}, {w['bit_ops']:,} |",
              f"| energy estimate per search image (models/compress/metrics.py) | "
              f"{w['energy_pj'] / 1e6:,.2f} uJ |", "",
              "The correlation's ops (the backbone's are in the table above):", "",
             "| op | analytic cycles | LUT | BRAM36 | DSP |", "|---|---|---|---|---|"]
    for name, o in s["ops"].items():
        if o["op_type"] == "Correlation" or name.endswith("_correlation"):
            lines.append(f"| {name} | {o['analytic_cycles']:,} | {o['resources']['LUT']:,.0f} | "
                         f"{o['resources']['BRAM36']} | {o['resources']['DSP']} |")
    lines += ["", "Prior FPGA SiamFC trackers:", ""]
    lines += [f"- {p['tracker']}: {p['fps']} fps ({p['source']})" for p in s["prior_work"]]
    return "\n".join(lines) + "\n"


def report_section(out: Path, report: dict) -> tuple[str, dict | None, str]:
    """The target's section of the build report (flow/target.py report_section)."""
    section = tracker_section(out, report["build"]["clock_mhz"])
    return "tracker", section, tracker_markdown(section, report["board"]["budget"])
