"""The RTL backend's steps: Verilog generation, the stitched design in Verilator (L4), each op's
RTL alone, and Yosys synthesis."""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from qonnx.custom_op.registry import getCustomOp
from tqdm import tqdm

from flow import verdict, verify
from flow.backends.design import Design
from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.op_sim import simulate_op, steady_state_cycles
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.backends.rtl.taps import stream_checks
from flow.backends.rtl.verilator import SimulationTimeout
from flow.config import BuildConfig
from flow.reference import CORE_IN, CORE_OUT
from flow.step import Step

SIM_GAP, SIM_STALL = 0.2, 0.3   # L4 run: random input gaps and output back-pressure
PERF_FRAMES = 4                 # frames streamed back to back for the throughput figure


def step_codegen(cfg: BuildConfig) -> None:
    """30_folded.onnx -> rtl/: memory files, the used modules, the stitched accelerator.v."""
    generate_rtl(cfg.load_model("30_folded.onnx"), cfg.path("rtl"), cfg.name).save()


def load_design(cfg: BuildConfig) -> Design:
    return Design.load(cfg.path("rtl"))


def step_rtlsim(cfg: BuildConfig) -> list[dict]:
    """Verilator: every test input through the stitched design (L4, each op's stream checked), then the throughput run."""
    model = cfg.load_model("30_folded.onnx")
    design = load_design(cfg)
    started = time.time()
    sim = build_design(design)
    build_seconds = time.time() - started
    ref = np.load(cfg.path("reference_outputs.npz"))
    x = verify.to_channels_last(ref[CORE_IN])
    cfg.path("sim").mkdir(exist_ok=True)
    started = time.time()
    with tempfile.TemporaryDirectory(dir=cfg.path("sim")) as taps:
        try:
            y, stats = simulate_design(sim, design, model, x, seed=cfg.seed + 1, in_gap=SIM_GAP,
                                       out_stall=SIM_STALL, taps=Path(taps))
        except SimulationTimeout as err:  # the streams up to the stall show which op stopped
            return [*stream_checks(model, Path(taps), x), verdict.deadlock("L4_run", err.cycles)]
        l4_seconds = time.time() - started
        op_checks = stream_checks(model, Path(taps), x)
    np.save(cfg.path("sim", "l4_outputs.npy"), y)
    frames = x[np.arange(PERF_FRAMES) % len(x)]
    started = time.time()
    try:
        _, perf = simulate_design(sim, design, model, frames)
    except SimulationTimeout as err:
        return [*op_checks, verdict.deadlock("throughput_run", err.cycles)]
    perf_seconds = time.time() - started
    analytic = max(getCustomOp(n).cycles() for n in model.graph.node)
    measured = steady_state_cycles(perf)
    cfg.write_json("sim/rtlsim.json", {
        "verilator_build_seconds": round(build_seconds, 1),
        "l4_run": {"frames": len(x), "cycles": stats["cycles"], "seconds": round(l4_seconds, 2),
                   "frames_per_second": len(x) / l4_seconds, "input_gap": SIM_GAP, "output_stall": SIM_STALL},
        # simulated frames per second once the pipeline is full (the run also fills it)
        "throughput_run": {"frames": PERF_FRAMES, "cycles": perf["cycles"], "seconds": round(perf_seconds, 2),
                           "frames_per_second": perf["cycles"] / perf_seconds / measured,
                           "latency_cycles": perf["frame_last_output"][0] - perf["frame_first_input"][0],
                           "cycles_per_frame": measured,
                           "frame_last_output": perf["frame_last_output"]},
        "fifo_max_fill": _fifo_fills(perf["log"]),
    })
    core_out = ref[CORE_OUT]
    # the op checks first: the verdict's first failure is then the op where a fault occurs
    return [*op_checks,
            verdict.level("L2_L4", verify.compare(core_out, verify.to_channels_first(y).reshape(core_out.shape),
                                                  exact=True)),
            verdict.cycles("cycles_per_frame", measured, analytic)]


def _fifo_fills(log: str) -> dict:
    fills = {}
    for line in log.splitlines():
        if line.startswith("FIFO_MAX_FILL"):
            _, path, value = line.split()
            fills[path.split(".")[-1]] = int(value)
    return fills


def step_op_rtlsim(cfg: BuildConfig) -> list[dict]:
    """Each op's RTL alone on its real input: bit-exactness per op and measured cycles per frame."""
    if not cfg.per_op_sim:
        cfg.write_json("sim/ops.json", {"run": False})
        return []
    model = cfg.load_model("30_folded.onnx")
    ref = np.load(cfg.path("reference_outputs.npz"))
    x = verify.to_channels_last(ref[CORE_IN])[np.arange(PERF_FRAMES - 1) % len(ref[CORE_IN])]
    context = verify.execute_batch(model, x, full_context=True)
    nodes = [n for n in model.graph.node if n.op_type != "FIFO"]
    workdir = cfg.path("sim", "ops")
    workdir.mkdir(parents=True, exist_ok=True)

    def run(node):
        y, stats = simulate_op(model, node, context[node.input[0]], workdir / node.name)
        comparison = verify.compare(context[node.output[0]], y, exact=True)
        return node.name, {"op_type": node.op_type, "equal": comparison["equal"],
                           "mismatches": comparison["mismatches"], "comparison": comparison,
                           "analytic_cycles": getCustomOp(node).cycles(),
                           "measured_cycles": steady_state_cycles(stats)}

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(tqdm(pool.map(run, nodes), total=len(nodes), desc="per-op RTL", leave=False))
    cfg.write_json("sim/ops.json", {"run": True, "frames": len(x), "ops": results})
    return [verdict.level(name, r.pop("comparison"), scope="op RTL vs L3") for name, r in results.items()]


def step_synth(cfg: BuildConfig) -> None:
    """Yosys synth_xilinx of the stitched design (only with --synth)."""
    from flow.backends.rtl.synth import synthesize

    if not cfg.synth:
        cfg.write_json("synth/yosys.json", {"run": False, "reason": "not requested (--synth)"})
        return
    design = load_design(cfg)
    result = synthesize(design.directory, design.sources, design.top)
    cfg.write_json("synth/yosys.json", {"run": True, "tool": "yosys synth_xilinx -family xc7", **result})


SIMULATION = (
    Step("codegen", step_codegen, ("rtl",), backend="rtl"),                         # Verilog top + memory files
    Step("rtlsim", step_rtlsim, ("sim/rtlsim.json", "sim/l4_outputs.npy"), backend="rtl"),  # L4 + throughput
    Step("op_rtlsim", step_op_rtlsim, ("sim/ops.json",), ("per_op_sim",), backend="rtl"),  # per-op RTL
)
SYNTHESIS = (
    Step("synth", step_synth, ("synth/yosys.json",), ("synth",), backend="rtl"),   # Yosys (--synth)
)
