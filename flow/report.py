"""report.json (for machines), report.md and report.html (for people) and plots, from the files a
build wrote."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verdict
from flow.accuracy import accuracy_by_level, accuracy_markdown
from flow.backends.hls.report import hls_markdown
from flow.board.spec import load_board
from flow.html.build_report import write_html_report
from flow.target import find_target, known_targets


def build_report(out: Path, meta: dict, checks: dict[str, list[dict]]) -> dict:
    """Collect the results of this invocation's steps (`checks`: step -> its checks) into one
    dict (written as report.json)."""
    out = Path(out)
    model = ModelWrapper(str(out / "30_folded.onnx"))
    board = load_board(meta["board"])
    clock_hz = meta["clock_mhz"] * 1e6
    # a step not in this invocation may have left files of an earlier build: they do not describe this one
    def ran(step: str, path: Path):
        return _read(path) if step in checks else None

    rtlsim = ran("rtlsim", out / "sim" / "rtlsim.json")
    op_sims = ran("op_rtlsim", out / "sim" / "ops.json") or {}
    board_run = ran("board", out / "board" / "board.json")
    measured_ops = op_sims.get("ops", {})
    ops = []
    for node in model.graph.node:
        op = getCustomOp(node)
        measured = measured_ops.get(node.name, {})
        work = op.workload()  # weights, MACs and bit-operations (MACs x input x weight bits) per frame
        row = {
            "name": node.name, "op_type": node.op_type, "source": node.doc_string,
            "folding": op.folding(),
            "in_stream": {"elems": op.in_stream().elems, "dtype": op.in_stream().dtype.name},
            "out_stream": {"elems": op.out_stream().elems, "dtype": op.out_stream().dtype.name},
            "analytic_cycles": op.cycles(),
            "measured_cycles": measured.get("measured_cycles"),
            "rtl_equal": measured.get("equal"),
            "resources": op.resources(),
            "memories": [{**asdict(m), "bits": m.bits} for m in op.memories()],
            "weight_bits": work.weight_bits, "macs": work.macs, "bit_ops": work.bit_ops,
        }
        if row["measured_cycles"]:
            row["measured_over_analytic"] = row["measured_cycles"] / row["analytic_cycles"]
        ops.append(row)
    totals = {k: round(sum(r["resources"].get(k, 0) for r in ops), 1) for k in board.resource_kinds}
    compute_ops = [r for r in ops if r["op_type"] != "FIFO"]
    bottleneck = max(compute_ops, key=lambda r: r["analytic_cycles"])
    performance = {
        "clock_mhz": meta["clock_mhz"],
        "bottleneck": bottleneck["name"],
        "analytic_cycles_per_frame": bottleneck["analytic_cycles"],
        "analytic_fps": clock_hz / bottleneck["analytic_cycles"],
    }
    if rtlsim:
        cpf = rtlsim["throughput_run"]["cycles_per_frame"]
        performance.update({
            "measured_cycles_per_frame": cpf,
            "measured_fps": clock_hz / cpf,
            "latency_cycles": rtlsim["throughput_run"]["latency_cycles"],
            "latency_us": rtlsim["throughput_run"]["latency_cycles"] / meta["clock_mhz"],
            "rtlsim_frames_per_second": rtlsim["throughput_run"]["frames_per_second"],
            "rtlsim_frames_per_second_with_gaps": rtlsim["l4_run"]["frames_per_second"],
            "verilator_build_seconds": rtlsim["verilator_build_seconds"],
            "verilator": rtlsim.get("verilator"),   # absent from builds made before it was recorded
        })
    report = {
        "build": meta,
        "board": {"name": board.name, "part": board.part, "resources": board.resources,
                  "budget": board.budget()},
        "ops": ops,
        "totals": {
            "estimate": totals,
            "utilisation_percent": {k: round(100 * totals[k] / board.resources[k], 1) for k in board.resource_kinds},
            "weight_bits": sum(r["weight_bits"] for r in ops),
            "macs_per_frame": sum(r["macs"] for r in ops),
            "bit_ops_per_frame": sum(r["bit_ops"] for r in ops),
        },
        "performance": performance,
        "verification": verdict.ladder(checks),
        "accuracy": accuracy_by_level(out, set(checks)),
        "verdict": {"passed": not verdict.failures(checks), "failures": verdict.failures(checks)},
        "board_run": board_run,
        "vivado": {**(ran("package", out / "vivado" / "vivado.json") or {"run": False}),
                   "checks": ran("package", out / "vivado" / "checks.json")},
        "per_op_rtl": {"run": op_sims.get("run", False),
                       "all_equal": all(r.get("equal") for r in measured_ops.values()) if measured_ops else None},
        "synthesis": ran("synth", out / "synth" / "yosys.json") or {"run": False,
                                                                    "reason": "not requested (--synth)"},
        "energy_estimate": ran("energy", out / "energy" / "energy.json") or {"run": False,
                                                                           "reason": "not requested (--energy)"},
        "hls": {"csim": ran("hlssim", out / "sim" / "hlssim.json"),
                "csynth": ran("hls_synth", out / "hls_synth" / "csynth.json")},
    }
    return report


def _read(path: Path):
    return json.loads(path.read_text()) if path.exists() else None


def build_meta(cfg, timings: dict) -> dict:
    return {
        "name": cfg.name,
        "description": cfg.target.description if cfg.target else f"QONNX model {cfg.model_path}",
        "board": cfg.board, "clock_mhz": cfg.clock_mhz, "backend": cfg.backend,
        "folding": str(cfg.folding_path) if cfg.folding_path else
        (f"automatic, target {cfg.target_fps} frames/s" if cfg.target_fps else "PE = SIMD = 1"),
        "target_fps": None if cfg.folding_path else cfg.target_fps,
        "inputs": cfg.inputs, "weights": weights_of(cfg), "steps": {k: round(v, 2) for k, v in timings.items()},
        "notes": cfg.notes + (cfg.target.notes if cfg.target else []),
    }


def weights_of(cfg) -> str:
    """What weights the build's network has."""
    if cfg.target is None:
        return f"those of {cfg.model_path}"
    if cfg.weights_seed is not None:
        return f"random:{cfg.weights_seed} (seeded random weights, BatchNorm calibrated on real images)"
    return f"checkpoint {cfg.checkpoint}" if cfg.checkpoint else cfg.target.weights


def write_report(cfg, checks: dict[str, list[dict]], timings: dict) -> dict:
    """report.json, report.md, the cycles plot and report.html of the build `cfg`, from this
    invocation's steps."""
    return _write(cfg.out, build_report(cfg.out, build_meta(cfg, timings), checks), cfg.target)


def rewrite_report(out: Path) -> dict:
    """The report files of a finished build collected again from its files, with the checks its
    last invocation's steps recorded (build_state.json): for a build made before the report
    changed, without rerunning a step."""
    out = Path(out)
    meta = _read(out / "report.json")["build"]
    state = _read(out / "build_state.json")
    checks = {step: state[step].get("checks", []) for step in meta["steps"] if step in state}
    target = find_target(meta["name"]) if meta["name"] in known_targets() else None
    if target is not None and target.description != meta.get("description"):
        target = None  # a --model build that shares a target's name
    return _write(out, build_report(out, meta, checks), target)


def _write(out: Path, report: dict, target) -> dict:
    markdown = render_markdown(report)
    if target is not None and target.report_section is not None:
        key, section, text = target.report_section(out, report)
        report[key] = section
        markdown += text
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (out / "report.md").write_text(markdown)
    plot_cycles(report, out / "report_cycles.png")
    write_html_report(out, report)
    return report


def _mismatches(level: dict) -> str:
    """Mismatches, and how many of them are shown rounding-boundary cases (flow/rounding_boundary.py)."""
    cases = level.get("boundary_cases", 0)
    return f"{level['mismatches']} ({cases} on a rounding boundary)" if cases else str(level["mismatches"])


def _fmt(value, digits=0):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_markdown(r: dict) -> str:
    b, p, t = r["build"], r["performance"], r["totals"]
    lines = [f"# Build report: {b['name']}", ""]
    if b.get("description"):
        lines += [b["description"], ""]
    lines += [f"Board {r['board']['name']} ({r['board']['part']}), clock {b['clock_mhz']:g} MHz."
              + (f" Weights: {b['weights']}." if b.get("weights") else ""), ""]
    lines += ["## Performance", "",
              "| figure | value |", "|---|---|",
              f"| bottleneck op | {p['bottleneck']} |",
              f"| analytic cycles / frame | {_fmt(p['analytic_cycles_per_frame'])} |",
              f"| analytic frames/s | {_fmt(p['analytic_fps'], 1)} |"]
    if "measured_fps" in p:
        lines += [f"| measured cycles / frame (rtlsim) | {_fmt(p['measured_cycles_per_frame'], 1)} |",
                  f"| measured frames/s at {b['clock_mhz']:g} MHz | {_fmt(p['measured_fps'], 1)} |",
                  f"| latency | {_fmt(p['latency_cycles'])} cycles ({_fmt(p['latency_us'], 1)} us) |",
                  (f"| rtlsim speed on this machine | {_fmt(p['rtlsim_frames_per_second'], 1)} frames/s "
                   f"once the pipeline is full ({_fmt(p['rtlsim_frames_per_second_with_gaps'], 1)} over "
                   "the test inputs, with input gaps and back-pressure) |")]
    lines += ["", "## Verification", "",
              f"Verdict: **{'pass' if r['verdict']['passed'] else 'FAIL'}**"
              + "".join(f"\n- {f}" for f in r["verdict"]["failures"]), "",
              "| levels | rule | inputs | max difference | mismatches | passed |",
              "|---|---|---|---|---|---|"]
    for name, v in r["verification"].items():
        lines.append(f"| {name.replace('_', ' vs ')} | {v['rule']} | {v['inputs']} | "
                     f"{_fmt(v.get('max_difference'), 6)} | {_mismatches(v)} | {'yes' if v['passed'] else '**no**'} |")
    lines += accuracy_markdown(r.get("accuracy"))
    lines += hls_markdown(r)
    if r.get("board_run"):
        lines += ["", "L6 ran the shipped driver (deploy/) with unmodified pynq on the emulated board "
                  f"({r['board_run']['board']}); the accelerator's cycle counter against rtlsim:", "",
                  "| batch | cycles (counter) | cycles / frame | rtlsim cycles / frame | frames/s at FCLK0 |",
                  "|---|---|---|---|---|"]
        lines += [f"| {t['batch']} | {_fmt(t['cycles'])} | {_fmt(t['cycles_per_frame'], 1)} | "
                  f"{_fmt(r['board_run']['rtlsim_cycles_per_frame'], 1)} | {_fmt(t['chip_frames_per_second'], 1)} |"
                  for t in r["board_run"]["throughput"]]
    v = r.get("vivado") or {}
    if v:
        tcl = (v.get("checks") or {}).get("tcl", {})
        lines += ["", (f"Vivado: {'ran' if v.get('run') else 'not run'}"
                       + ("" if v.get("run") else f" ({v.get('reason', '')})")
                       + f"; the project Tcl {'passed' if tcl.get('passed') else 'FAILED'} the check "
                       f"in {tcl.get('interpreter', '?')}.")]
    if r["per_op_rtl"]["run"]:
        lines += ["", (f"Each op's RTL alone on its real input equals its numpy model: "
                      f"{'yes' if r['per_op_rtl']['all_equal'] else '**no**'}.")]
    kinds = list(t["estimate"])   # the board's: URAM on a Zynq UltraScale+
    lines += ["", "## Resources (analytic estimate)", "", "| | " + " | ".join(kinds) + " |",
              "|---|" + "---|" * len(kinds),
              "| total | " + " | ".join(_fmt(t["estimate"][k], 1) for k in kinds) + " |",
              "| of the part (%) | " + " | ".join(_fmt(t["utilisation_percent"][k], 1) for k in kinds) + " |",
              "| budget | " + " | ".join(_fmt(r["board"]["budget"][k], 0) for k in kinds) + " |"]
    s = r["synthesis"]
    if s.get("run", True) and "LUT" in s:
        lines.append("| Yosys synth_xilinx | " + " | ".join(_fmt(s.get(k, 0), 1) for k in kinds) + " |")
        lines.append("| estimate / Yosys | " + " | ".join(
            _fmt(t["estimate"][k] / s[k], 2) if s.get(k) else "-" for k in kinds) + " |")
        lines += ["", f"Yosys counted {s.get('scope', 'the stitched design')}; the estimate is the ops'."]
        if s.get("timing_proxy"):
            tp = s["timing_proxy"]
            lines += ["", (f"Timing proxy (Yosys `sta` after `{s.get('mapping', 'synth_xilinx')}`: xc7 cell delays only, no "
                           f"routing; a proxy, not Vivado timing): critical path {_fmt(tp['critical_path_ps'])} ps "
                           f"through {tp['logic_levels']} logic levels, {_fmt(tp['fmax_mhz'], 1)} MHz by cell "
                           f"delays alone; {r['build']['clock_mhz']} MHz stays a claim until Vivado runs.")]
    else:
        lines += ["", f"Yosys synthesis: not run ({s.get('reason', '')})."]
    lines += energy_markdown(r["energy_estimate"])
    lines += ["", (f"Weights: {_fmt(t['weight_bits'])} bits; {_fmt(t['macs_per_frame'])} MACs and "
                  f"{_fmt(t['bit_ops_per_frame'])} bit-operations per frame."), "",
              "## Ops", "",
              "| op | from | folding | analytic cycles | measured cycles | ratio | LUT | FF | BRAM36 | DSP | RTL = numpy |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for o in r["ops"]:
        if o["op_type"] == "FIFO":
            continue
        fold = ", ".join(f"{k}={v}" for k, v in o["folding"].items())
        lines.append(f"| {o['name']} | {o['source'].removeprefix('from ')} | {fold} | {_fmt(o['analytic_cycles'])} | "
                     f"{_fmt(o['measured_cycles'], 1)} | {_fmt(o.get('measured_over_analytic'), 3)} | "
                     f"{_fmt(o['resources']['LUT'], 0)} | {_fmt(o['resources']['FF'], 0)} | "
                     f"{_fmt(o['resources']['BRAM36'], 1)} | {_fmt(o['resources']['DSP'], 0)} | "
                     f"{'-' if o['rtl_equal'] is None else ('yes' if o['rtl_equal'] else '**no**')} |")
    fifos = [o for o in r["ops"] if o["op_type"] == "FIFO"]
    lines += ["", f"Plus {len(fifos)} FIFOs (depths {sorted({o['folding']['depth'] for o in fifos})}).", "",
              "![cycles per op](report_cycles.png)", ""]
    if b.get("steps"):
        lines += ["## Steps", "", "| step | seconds |", "|---|---|"]
        lines += [f"| {k} | {v:.1f} |" for k, v in b["steps"].items()]
    if b.get("notes"):
        lines += ["", "## Notes", ""] + [f"- {n}" for n in b["notes"]]
    return "\n".join(lines) + "\n"


def energy_markdown(e: dict) -> list[str]:
    if not e.get("run"):
        return ["", f"Energy estimate: not run ({e.get('reason', '')})."]
    terms = e["terms_joules_per_image"]
    lines = ["", "## Energy per image (ESTIMATE)", "",
             "An estimate, not a measurement: toggle activity of the design on the test inputs "
             f"(Verilator toggle coverage, {e['activity']['frames']} images back to back) times 7-series "
             "per-resource figures derived from public sources (one input, the toggle rate behind the "
             "per-toggle figure, assumed), plus the part's static power (flow/energy.py; the figures and "
             "their sources: hw/boards/, energy/energy.json).", "",
             "| term | uJ per image (estimate) |", "|---|---|"]
    lines += [f"| {name} | {terms[name] * 1e6:,.4f} |" for name in terms]
    lines += [f"| **total** | **{e['joules_per_image'] * 1e6:,.4f}** |", "",
              f"Images per joule (estimate): {e['images_per_joule']:,.0f} at {e['images_per_second']:,.1f} "
              f"images/s; PL power (estimate) {e['dynamic_watts']:.3f} W dynamic + {e['static_watts']:.3f} W "
              f"static; {e['toggles_per_image']:,.0f} signal-bit toggles per image; FF from {e['ff_source']}."]
    return lines


def plot_cycles(r: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ops = [o for o in r["ops"] if o["op_type"] != "FIFO"]
    names = [o["name"] for o in ops]
    xs = np.arange(len(ops))
    fig, ax = plt.subplots(figsize=(max(6, 0.45 * len(ops)), 4))
    ax.bar(xs - 0.2, [o["analytic_cycles"] for o in ops], 0.4, label="analytic")
    ax.bar(xs + 0.2, [o["measured_cycles"] or 0 for o in ops], 0.4, label="measured (rtlsim)")
    ax.set_xticks(xs, names, rotation=70, ha="right", fontsize=7)
    ax.set_ylabel("cycles per frame")
    ax.set_title(f"{r['build']['name']}: cycles per op (bottleneck {r['performance']['bottleneck']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    import argparse

    ap = argparse.ArgumentParser(prog="python -m flow.report", description=(
        "Rewrite a finished build's report.json, report.md, report_cycles.png and report.html "
        "from its files, rerunning no step."))
    ap.add_argument("build", type=Path, help="a build directory (holds report.json and build_state.json)")
    args = ap.parse_args(argv)
    missing = [f for f in ("report.json", "build_state.json", "30_folded.onnx") if not (args.build / f).exists()]
    if missing:
        raise SystemExit(f"{args.build}: not a finished build (no {', '.join(missing)})")
    rewrite_report(args.build)
    print(f"{args.build / 'report.html'}")


if __name__ == "__main__":
    main()
