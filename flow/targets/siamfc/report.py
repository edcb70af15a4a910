"""The tracker section of report.json / report.md (builds with a correlation: siamfc_*), from
the files of the tracker steps of this invocation (flow/targets/siamfc/steps.py).

Frame rates at the clock: the network rate is one search image per bottleneck interval; the
tracker's rate counts SCALES search images per frame. A tracker frame's crops depend on the
previous frame's result, so in the sequential loop a frame costs the pipeline's latency plus
SCALES - 1 more search intervals (the crops stream back to back); the exemplar's capture frame
is paid once per sequence (amortised over `sequence_frames` frames). Work follows
models/compress/metrics.py's measures (MACs, bit-operations); energy is not estimated: no
energy model of this fabric is at hand.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verdict
from flow.estimate import total_resources
from flow.pipeline import VERIFICATION_FILE
from flow.targets.siamfc.host import host_overlap
from flow.targets.siamfc.inputs import GOAL_TRACKER_FPS, SCALES, SEQUENCE_FRAMES
from flow.targets.siamfc.steps import TRACKER

PRIOR_WORK = Path(__file__).with_name("prior_work.json")   # published FPGA SiamFC trackers


def workload(model: ModelWrapper) -> dict:
    """Weight bits, MACs and bit-operations per search image, over the ops that compute (MVAUs
    + correlation, whose run-time exemplar counts as its weights)."""
    rows = []
    for node in model.graph.node:
        w = getCustomOp(node).workload()
        if w.macs:
            rows.append({"op": node.name, "macs": w.macs, "weight_bits": w.weight_bits, "bit_ops": w.bit_ops})
    totals = {k: sum(r[k] for r in rows) for k in ("macs", "weight_bits", "bit_ops")}
    return {"ops": rows, **totals}


def frame_rates(rtlsim: dict, clock_mhz: float, bottleneck_cycles: int, goal_tracker_fps: float,
                sequence_frames: int) -> dict:
    """Search images/s and tracker fps from the tracker's measured cycles (tracker/sim/rtlsim.json)."""
    clock = clock_mhz * 1e6
    measured = rtlsim["throughput_run"]["cycles_per_frame"]
    latency = rtlsim["throughput_run"]["latency_cycles"]
    frame_cycles = latency + (SCALES - 1) * measured
    goal_cycles = clock / (goal_tracker_fps * SCALES)
    return {
        "measured_cycles_per_search_image": measured,
        "latency_cycles": latency,
        "search_images_per_second": clock / measured,
        "tracker_fps_pipelined": clock / (SCALES * measured),
        "tracker_fps_sequential": clock / frame_cycles,
        "tracker_fps_sequential_with_exemplar": sequence_frames * clock / (sequence_frames * frame_cycles + latency),
        "sequence_frames": sequence_frames,
        "goal_cycles_per_search_image": goal_cycles,
        "miss_factor": max(1.0, bottleneck_cycles / goal_cycles),
        "fabric_frame_ms": 1000 * frame_cycles / clock,
    }


def tracker_section(out: Path, clock_mhz: float, goal_tracker_fps: float = GOAL_TRACKER_FPS,
                    sequence_frames: int = SEQUENCE_FRAMES) -> dict | None:
    """What this invocation's tracker steps found; None when the tracker was not verified."""
    out = Path(out)
    steps = json.loads((out / VERIFICATION_FILE).read_text())["steps"]
    if "tracker_verify" not in steps:
        return None

    def ran(step: str, *parts: str):
        path = out / TRACKER.file(*parts)
        return json.loads(path.read_text()) if step in steps and path.exists() else None

    model = ModelWrapper(str(out / TRACKER.folded))
    ops = {n.name: {"op_type": n.op_type, "analytic_cycles": getCustomOp(n).cycles(),
                    "resources": getCustomOp(n).resources()} for n in model.graph.node}
    bottleneck = max(ops, key=lambda k: ops[k]["analytic_cycles"])
    rtlsim = ran("tracker_rtlsim", "sim", "rtlsim.json")
    host = ran("tracker_host", "host.json")
    section = {
        "pairs": int(np.load(out / TRACKER.file("reference_outputs.npz"))["capture"].sum()),
        "levels": verdict.ladder(steps, scope=TRACKER.scope),
        **ran("tracker_fold", "fold.json"),
        "bottleneck": bottleneck, "analytic_cycles_per_search_image": ops[bottleneck]["analytic_cycles"],
        "resources": total_resources(model), "ops": ops, "workload": workload(model),
        "rtlsim": rtlsim, "hlssim": ran("tracker_hlssim", "sim", "hlssim.json"), "host": host,
        "board": ran("tracker_board", "board", "board.json"),
        "synthesis": ran("tracker_synth", "synth", "yosys.json"),
        "prior_work": json.loads(PRIOR_WORK.read_text()),
        "goal_tracker_fps": goal_tracker_fps, "fps": None,
    }
    if rtlsim:
        f = frame_rates(rtlsim, clock_mhz, ops[bottleneck]["analytic_cycles"], goal_tracker_fps, sequence_frames)
        if host:
            f.update(host_overlap(host["ms_per_frame"], f["fabric_frame_ms"], SCALES))
        section["fps"] = f
    return section


def tracker_markdown(s: dict | None, budget: dict) -> str:
    if s is None:
        return ""
    f, w, r = s["fps"], s["workload"], s["resources"]
    lines = ["", "## Tracker accelerator (crop engine + backbone + cross-correlation)", "",
             f"Exemplar/search pairs from the semi-synthetic benchmark: {s['pairs']}, each streamed as "
             "a capture frame (the exemplar's canvas) and the search crop, both cut by the accelerator's crop "
             "engine from a header of samples and the frame.", "",
             "| levels | frames | mismatches | equal |", "|---|---|---|---|"]
    for name, v in s["levels"].items():
        lines.append(f"| {name.replace('_', ' vs ')} | {v['inputs']} | {v['mismatches']} | "
                     f"{'yes' if v['passed'] else '**no**'} |")
    if s.get("refolded_for_fps"):
        lines += ["", f"Backbone and correlation together did not fit the budget at the backbone's "
                  f"folding: the tracker was refolded for {s['refolded_for_fps']:,.1f} search images/s."]
    lines += ["", "| figure | value |", "|---|---|",
              f"| bottleneck | {s['bottleneck']}, {s['analytic_cycles_per_search_image']:,} cycles per "
              "search image |"]
    if f:
        lines += [
            f"| goal | {s['goal_tracker_fps']:g} tracker fps: {f['goal_cycles_per_search_image']:,.0f} cycles per "
            "search image" + (f", missed by {f['miss_factor']:.2f}x" if f["miss_factor"] > 1 else ", met") + " |",
            f"| measured cycles per search image (rtlsim) | {f['measured_cycles_per_search_image']:,.0f} |",
            f"| search images/s | {f['search_images_per_second']:,.1f} |",
            f"| tracker fps, {SCALES} scales, pipelined across frames | {f['tracker_fps_pipelined']:,.1f} |",
            f"| tracker fps, {SCALES} scales, sequential loop (latency + {SCALES - 1} intervals per frame) | "
            f"{f['tracker_fps_sequential']:,.1f} |",
            f"| same, exemplar captured once per {f['sequence_frames']} frames | "
            f"{f['tracker_fps_sequential_with_exemplar']:,.1f} |",
            f"| rtlsim speed (pairs, gaps and back-pressure) | {s['rtlsim']['l4_run']['frames_per_second']:.2f} "
            "frames/s |"]
    else:
        lines.append("| measured cycles, frame rates | not simulated (the RTL backend did not run) |")
    kinds = [k for k in r if k in budget]   # the board's (no URAM on the PYNQ-Z2)
    lines.append(f"| estimate {' / '.join(kinds)} | " + " / ".join(f"{r[k]:,.0f}" for k in kinds)
                 + " (" + " / ".join(f"{100 * r[k] / budget[k]:.0f} %" for k in kinds) + " of the budget) |")
    if s["host"]:
        h = s["host"]["ms_per_frame"]
        lines.append(f"| host work per tracker frame ({s['host']['cpu']}, Python, {s['host']['frames']} "
                     f"benchmark frames) | the crops' samples {h['crop']:.1f} ms + "
                     f"peak search (upsampling the candidate cells) {h['peak']:.1f} ms = {h['host']:.1f} ms (the goal's whole frame: "
                     f"{1000 / s['goal_tracker_fps']:.1f} ms) |")
    if f and s["host"]:
        lines.append(f"| tracker fps with the host: in series with the fabric / overlapped within a frame "
                     f"(bound; flow/targets/siamfc/host.py) | {f['tracker_fps_host_in_series']:,.1f} / "
                     f"{f['tracker_fps_host_overlapped_bound']:,.1f} (fabric alone "
                     f"{f['tracker_fps_sequential']:,.1f}); the board's Cortex-A9 is slower than this CPU: "
                     "benchmarks/siamfc_tracker_fps.py estimates it |")
    if s["hlssim"]:
        lines.append(f"| HLS C-simulation speed (L5, g++) | {s['hlssim']['frames_per_second']:.2f} frames/s |")
    if s["synthesis"] and s["synthesis"]["run"]:
        y = s["synthesis"]
        lines.append("| Yosys LUT / FF / BRAM36 / DSP | "
                     + " / ".join(f"{y.get(k, 0):,.0f}" for k in ("LUT", "FF", "BRAM36", "DSP")) + " |")
    lines += [f"| weights (bits), MACs, bit-operations per search image | {w['weight_bits']:,} (+ the "
              f"run-time exemplar), {w['macs']:,}, {w['bit_ops']:,} |",
              "| energy | not estimated (no energy model of this fabric) |", "",
              "The correlation's ops (the backbone's are in the table above):", "",
              "| op | analytic cycles | LUT | BRAM36 | DSP |", "|---|---|---|---|---|"]
    for name, o in s["ops"].items():
        if o["op_type"] == "Correlation" or name.endswith("_correlation"):
            lines.append(f"| {name} | {o['analytic_cycles']:,} | {o['resources']['LUT']:,.0f} | "
                         f"{o['resources']['BRAM36']} | {o['resources']['DSP']} |")
    lines += ["", "Published FPGA SiamFC trackers:", ""]
    lines += [f"- {p['tracker']}, {p['board']}: {p['fps']} fps, {p['what']} ({p['citation']}, {p['url']})"
              for p in s["prior_work"]]
    return "\n".join(lines) + "\n"


def report_section(out: Path, report: dict, goal_tracker_fps: float = GOAL_TRACKER_FPS,
                   sequence_frames: int = SEQUENCE_FRAMES) -> tuple[str, dict | None, str]:
    """The target's section of the build report (flow/target.py report_section); the goal and the
    sequence length over which the exemplar's capture is amortised are the target's to set."""
    section = tracker_section(out, report["build"]["clock_mhz"], goal_tracker_fps, sequence_frames)
    return "tracker", section, tracker_markdown(section, report["board"]["budget"])
