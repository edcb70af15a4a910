"""A design's front end, built once, and a point's own build from it (fold, L0..L3, Verilog, L4
in Verilator and, with --synth, Yosys), each a Ray task (flow/tasks.py).

The front end's files travel to the points as bytes (Ray's object store), so a node with its own
build folder (QNNFLOW_NODE_BUILDS) starts a point from them: the steps they come from are then up
to date by their content keys, and only the point's own steps run. A point's folder is named by
the content of what it builds (design, board, clock, folding), so a point is never built twice;
the simulators it compiles are cached by content in QNNFLOW_CACHE (flow/backends/build_cache.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from flow.content_key import digest
from flow.pipeline import STATE_FILE, run_build
from flow.tasks import node_folder

FRONT_END = ("export", "streamline", "reference", "lower")
FRONT_END_FILES = ("00_qonnx.onnx", "inputs.npy", "10_integer.onnx", "reference.onnx",
                   "reference_outputs.npz", "20_hw.onnx", STATE_FILE)
POINT_STEPS = (*FRONT_END, "fold", "verify", "codegen", "rtlsim")


def design_name(design: str) -> str:
    """A design label as a build name: letters, digits, '_' and '-'."""
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in design).strip("_")


def _configure(job: dict, out: Path, **options):
    from flow.api import configure

    cfg = configure(job["model"], name=design_name(job["design"]), out=out, checkpoint=job["checkpoint"],
                    inputs=job["inputs"], backend="rtl", op_sim=False, **options)
    cfg.board = job.get("board", cfg.board)
    return cfg


def front_end(job: dict) -> dict:
    """Run a design's front end in <builds>/base/<design>; its files' bytes (relative path -> bytes)."""
    out = node_folder(job["out"]) / "base" / design_name(job["design"])
    cfg = _configure(job, out)
    run_build(cfg, only=FRONT_END, say=_silent)
    return {name: (out / name).read_bytes() for name in FRONT_END_FILES}


def point_key(design: str, board: str, clock_mhz: float, folding: dict, inputs: int, synth: bool) -> str:
    """What a point's build depends on besides its design's front end."""
    return digest(design, board, repr(float(clock_mhz)), json.dumps(folding, sort_keys=True),
                  str(inputs), str(synth))[:16]


def build_point(job: dict, bases: dict) -> dict:
    """Build one point from its design's front end (bases[design]); the build's figures."""
    started = time.time()
    out = node_folder(job["out"]) / "points" / job["key"]
    out.mkdir(parents=True, exist_ok=True)
    if not (out / STATE_FILE).exists():   # a first start; a resumed one keeps its own state
        for name, data in bases[job["design"]].items():
            (out / name).write_bytes(data)
    steps = (*POINT_STEPS, "synth") if job["synth"] else POINT_STEPS
    cfg = _configure(job, out, folding=job["folding"], clock_mhz=job["clock_mhz"], synth=job["synth"])
    result = run_build(cfg, only=steps, say=_silent)
    report = result.report
    html = out / "report.html"
    summary = {
        "directory": str(out), "report": str(html if html.exists() else out / "report.md"),
        "passed": result.passed, "failures": result.failures[:5], "seconds": round(time.time() - started, 1),
        "measured_fps": report["performance"].get("measured_fps"),
        "analytic_fps": report["performance"]["analytic_fps"],
        "resources": report["totals"]["estimate"],
        "ladder": {k: v["equal"] for k, v in report["verification"].items()},
    }
    if job["synth"]:
        synth = json.loads((out / "synth" / "yosys.json").read_text())
        summary["yosys"] = {k: synth.get(k) for k in ("LUT", "FF", "BRAM36", "DSP")}
    return summary


def _silent(_: str) -> None:
    pass
