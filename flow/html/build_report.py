"""report.html: a build's report as one self-contained page, written beside report.md from
report.json, verification.json and 30_folded.onnx. Sections (their anchors): summary, cycles
(per op on a log scale, slack against the target), resources (every op, FIFOs and width
converters included), memories (shapes and RAM styles), verification (the ladder and every other
check), share (resources by op type), graph."""

from __future__ import annotations

import json
from collections import defaultdict
from html import escape
from pathlib import Path

import numpy as np
import onnx

from flow.html.graph import graph_svg
from flow.html.page import document, figure, paragraph, pyplot, section, svg_of, table

SECTIONS = [("summary", "Summary"), ("cycles", "Cycles per op"), ("resources", "Resources per op"),
            ("memories", "Memories"), ("verification", "Verification"), ("share", "Resources by op type"),
            ("graph", "Graph")]


def write_html_report(out: Path, report: dict) -> Path:
    """Write `out`/report.html for the build in `out` whose report.json is `report`."""
    out = Path(out)
    verification = json.loads((out / "verification.json").read_text())
    model = onnx.load(str(out / "30_folded.onnx"))
    path = out / "report.html"
    path.write_text(render(report, verification, graph_svg(model, node_labels(report))))
    return path


def render(r: dict, verification: dict, graph: str | None) -> str:
    body = [_summary(r), _cycles(r), _resources(r), _memories(r), _verification(verification),
            _share(r), section("Graph", figure(graph) if graph else paragraph(
                "Not drawn: Graphviz's dot is not installed (Debian: apt-get install graphviz).", "note"),
                id="graph")]
    return document(f"Build report: {r['build']['name']}", body, nav=SECTIONS)


def node_labels(r: dict) -> dict[str, str]:
    """Each op's box in the graph: name, type, folding, analytic cycles; a FIFO's only its depth."""
    def label(o):
        if o["op_type"] == "FIFO":
            return f"{o['name']} depth {o['folding']['depth']:,}"
        folding = " ".join(f"{k}={v}" for k, v in o["folding"].items())
        return "\n".join(x for x in (o["name"], o["op_type"], folding, f"{o['analytic_cycles']:,} cycles") if x)

    return {o["name"]: label(o) for o in r["ops"]}


def target_cycles(r: dict) -> tuple[float, str]:
    """The cycles per frame every op must reach, and what they come from: the target frame rate
    when the folding was chosen for one, else the bottleneck's (the rate the build reaches)."""
    p, fps = r["performance"], r["build"].get("target_fps")
    if isinstance(fps, (int, float)):
        return p["clock_mhz"] * 1e6 / fps, f"target {fps:,g} frames/s at {p['clock_mhz']:g} MHz"
    return p["analytic_cycles_per_frame"], f"the bottleneck {p['bottleneck']}"


def compute_ops(r: dict) -> list[dict]:
    return [o for o in r["ops"] if o["op_type"] != "FIFO"]


def _summary(r: dict) -> str:
    p, t, s = r["performance"], r["totals"], r["synthesis"]
    rows = [["board", f"{r['board']['name']} ({r['board']['part']}), {p['clock_mhz']:g} MHz"],
            ["folding", r["build"]["folding"]],
            ["bottleneck", p["bottleneck"]],
            ["analytic frames/s", p["analytic_fps"]]]
    if "measured_fps" in p:
        rows += [["measured frames/s (rtlsim)", p["measured_fps"]],
                 ["latency (cycles)", p["latency_cycles"]],
                 ["rtlsim speed on this machine (frames/s: full pipeline, with gaps)",
                  f"{p['rtlsim_frames_per_second']:.1f}, {p['rtlsim_frames_per_second_with_gaps']:.1f}"]]
    rows += [[f"{k} (estimate, % of the part)", f"{t['estimate'][k]:,g} ({t['utilisation_percent'][k]:g} %)"]
             for k in resource_kinds(r)]
    if "LUT" in s:
        rows += [[f"{k} (Yosys synth_xilinx)", s.get(k, 0)] for k in resource_kinds(r)]
    verdict = r["verdict"]
    state = (f'<p>Verdict: <span class="{"pass" if verdict["passed"] else "fail"}">'
             f'{"PASS" if verdict["passed"] else "FAIL"}</span> ({len(verdict["failures"])} failed checks)</p>')
    return section("Summary", state, table(["figure", "value"], rows, digits=[0, 1], id="summary-table"), id="summary")


def _cycles(r: dict) -> str:
    ops = compute_ops(r)
    target, source = target_cycles(r)
    rows = [[o["name"], o["op_type"], o["analytic_cycles"], o["measured_cycles"], round(target),
             round(100 * (1 - o["analytic_cycles"] / target), 1)] for o in ops]
    return section("Cycles per op", _cycles_plot(r, ops, target, source), paragraph(
        f"Target: {target:,.0f} cycles per frame ({source}). Slack: the share of the target an op's "
        "analytic cycles leave unused (negative: the op misses it). FIFOs pass words through and are "
        "left out."), table(["op", "type", "analytic cycles", "measured cycles (op RTL)", "target cycles",
                             "slack (%)"], rows, digits=[0, 0, 0, 0, 0, 1], id="cycles-table"), id="cycles")


def _cycles_plot(r: dict, ops: list[dict], target: float, source: str) -> str:
    plt = pyplot()
    ys = np.arange(len(ops))
    cycles = [o["analytic_cycles"] for o in ops]
    fig, ax = plt.subplots(figsize=(8, 1 + 0.22 * len(ops)))
    ax.barh(ys, cycles, color=["#d62728" if c > target else "#1f77b4" for c in cycles], label="analytic")
    measured = [(y, o["measured_cycles"]) for y, o in zip(ys, ops, strict=True) if o["measured_cycles"]]
    if measured:
        ax.plot([m for _, m in measured], [y for y, _ in measured], "k|", markersize=10, label="measured (op RTL)")
    ax.axvline(target, color="#2ca02c", linestyle="--", label=f"target ({source})")
    ax.set_xscale("log")
    ax.set_yticks(ys, [o["name"] for o in ops], fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("cycles per frame (log)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return svg_of(fig)


def _resources(r: dict) -> str:
    plt = pyplot()
    ops = r["ops"]
    ys = np.arange(len(ops))
    fig, axes = plt.subplots(1, 2, figsize=(9, 1 + 0.16 * len(ops)), sharey=True)
    for ax, kind in zip(axes, ("LUT", "BRAM36"), strict=True):
        ax.barh(ys, [o["resources"][kind] for o in ops], color="#1f77b4")
        ax.set_xlabel(f"{kind} (estimate)")
    axes[0].set_yticks(ys, [o["name"] for o in ops], fontsize=6)
    axes[0].invert_yaxis()
    kinds = resource_kinds(r)
    rows = [[o["name"], o["op_type"], ", ".join(f"{k}={v}" for k, v in o["folding"].items()),
             *(o["resources"].get(k, 0) for k in kinds)] for o in ops]
    rows.append(["total", "", "", *(r["totals"]["estimate"][k] for k in kinds)])
    return section("Resources per op", svg_of(fig), paragraph(
        "The analytic estimate of every op of 30_folded.onnx, FIFOs and width converters included."),
        table(["op", "type", "folding", *kinds], rows, digits=[0, 0, 0, *[1] * len(kinds)],
              id="resources-table"), id="resources")


def _memories(r: dict) -> str:
    rows = [[o["name"], m["name"], m["width"], m["depth"], m["bits"], m["style"],
             "read-write" if m["writable"] else "read-only"]
            for o in r["ops"] for m in o.get("memories", [])]
    return section("Memories", paragraph(
        "Every on-chip memory of the RTL: width x depth, and the RAM style it is built in "
        "(block: BRAM; distributed: LUTRAM; ultra: UltraRAM, loaded at run time)."),
        table(["op", "memory", "width (bits)", "depth (words)", "bits", "RAM style", "access"], rows,
              id="memories-table"), id="memories")


def _verification(v: dict) -> str:
    checks = [(step, c) for step, cs in v["steps"].items() for c in cs]
    ladder = [[c["name"].replace("_", " = "), step, c["rule"], c.get("inputs"), c.get("max_difference"),
               c.get("mismatches"), c.get("boundary_cases", 0), c["passed"]]
              for step, c in checks if c["scope"] == "ladder" and c["rule"] in ("exact", "rounding_boundary")]
    others = [[step, c["name"], c["scope"], c["rule"], _detail(c), c["passed"]] for step, c in checks
              if not (c["scope"] == "ladder" and c["rule"] in ("exact", "rounding_boundary"))]
    state = (f'<p>Verdict: <span class="{"pass" if v["passed"] else "fail"}">'
             f'{"PASS" if v["passed"] else "FAIL"}</span></p>')
    failures = "".join(f"<li>{escape(f)}</li>" for f in v["failures"])
    return section("Verification", state, f"<ul>{failures}</ul>" if failures else "",
                   paragraph("The ladder: each level against the reference L2 (verification.json)."),
                   table(["levels", "step", "rule", "inputs", "max difference", "mismatches",
                          "on a rounding boundary", "passed"], ladder, digits=[0, 0, 0, 0, 6, 0, 0, 0],
                         id="ladder-table"),
                   paragraph("Every other check of this invocation's steps."),
                   table(["step", "check", "scope", "rule", "detail", "passed"], others, id="checks-table"),
                   id="verification")


def _detail(check: dict) -> str:
    if "measured_cycles" in check:
        return f"measured {check['measured_cycles']:,} / analytic {check['analytic_cycles']:,} cycles"
    if "mismatches" in check:
        return f"{check.get('inputs', '?')} inputs, {check['mismatches']} mismatches"
    return "; ".join(map(str, check.get("findings", []))) or ""


def resource_kinds(r: dict) -> list[str]:
    """The resource kinds of the report's board (URAM on a Zynq UltraScale+)."""
    return list(r["totals"]["estimate"])


def resource_share(r: dict) -> dict[str, dict[str, float]]:
    """op type -> resource kind -> the estimate's sum over the ops of that type."""
    kinds = resource_kinds(r)
    share: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys(kinds, 0.0))
    for o in r["ops"]:
        for k in kinds:
            share[o["op_type"]][k] += o["resources"].get(k, 0)
    return dict(share)


def _share(r: dict) -> str:
    plt = pyplot()
    share, totals = resource_share(r), r["totals"]["estimate"]
    kinds = [k for k in resource_kinds(r) if totals[k]]
    fig, ax = plt.subplots(figsize=(8, 0.6 + 0.45 * len(kinds)))
    left = np.zeros(len(kinds))
    for op_type, by_kind in share.items():
        widths = np.array([100 * by_kind[k] / totals[k] for k in kinds])
        ax.barh(kinds, widths, left=left, label=op_type)
        left += widths
    ax.set_xlim(0, 100)
    ax.set_xlabel("share of the estimate (%)")
    ax.invert_yaxis()
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    rows = [[op_type, sum(1 for o in r["ops"] if o["op_type"] == op_type),
             *(x for k in resource_kinds(r) for x in (by_kind[k], 100 * by_kind[k] / totals[k] if totals[k] else None))]
            for op_type, by_kind in share.items()]
    header = ["op type", "ops", *(x for k in resource_kinds(r) for x in (k, f"{k} %"))]
    return section("Resources by op type", svg_of(fig),
                   table(header, rows, digits=[0, 0, *[1] * (2 * len(resource_kinds(r)))], id="share-table"),
                   id="share")
