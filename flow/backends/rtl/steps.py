"""The RTL backend's steps: Verilog generation, the stitched design in Verilator (L4), each op's
RTL alone, and Yosys synthesis."""

from __future__ import annotations

import json
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
from flow.backends.rtl.stitched import build_design, fifo_fills, simulate_design
from flow.backends.rtl.verilator import SimulationTimeout, verilator_version
from flow.backends.rtl.x_seeds import X_SEEDS, x_seed_check
from flow.backends.taps import merge_checks, stream_checks
from flow.config import BUILD_DESIGN, BuildConfig, DesignFiles
from flow.reference import CORE_IN, CORE_OUT
from flow.step import Step
from flow.tasks import jobs

SIM_GAP, SIM_STALL = 0.2, 0.3   # L4 run: random input gaps and output back-pressure
PERF_FRAMES = 4                 # frames streamed back to back for the throughput figure


def step_codegen(cfg: BuildConfig, files: DesignFiles = BUILD_DESIGN) -> None:
    """The folded graph -> rtl/: memory files, the used modules, the stitched accelerator.v."""
    generate_rtl(cfg.load_model(files.folded), files.path(cfg, "rtl"), files.name(cfg)).save()


def load_design(cfg: BuildConfig, files: DesignFiles = BUILD_DESIGN) -> Design:
    return Design.load(files.path(cfg, "rtl"))


def step_rtlsim(cfg: BuildConfig, files: DesignFiles = BUILD_DESIGN) -> list[dict]:
    """Verilator: every test input through the stitched design (L4, each op's stream checked),
    then the throughput run."""
    model = cfg.load_model(files.folded)
    design = load_design(cfg, files)
    started = time.time()
    sim = build_design(design)
    build_seconds = time.time() - started
    ref = files.reference(cfg)
    x, capture = verify.to_channels_last(ref[CORE_IN]), ref.get("capture")
    files.path(cfg, "sim").mkdir(exist_ok=True)
    # L4 once per X seed: unreset or uninitialised state takes other values under each, so a
    # design that depends on it gives different outputs. The first run also taps every op's
    # output stream, checked against L3 (flow/backends/taps.py)
    started = time.time()
    shards = verify.batches(len(x), -(-len(x) // max(1, cfg.l4_shards)), capture)
    jobs = [{"rtl": str(design.directory), "folded": str(cfg.path(files.folded)),
             "x": x[r], "capture": None if capture is None else capture[r], "seed": cfg.seed + 1,
             "x_seed": x_seed, "taps": x_seed == X_SEEDS[0],
             "progress": f"{files.scope} L4 rtlsim, X seed {x_seed}" if len(shards) == 1 else None}
            for x_seed in X_SEEDS for r in shards]
    results = _run_shards(cfg, jobs)
    l4_seconds = time.time() - started
    op_checks = merge_checks([r["checks"] for r in results if r["checks"] is not None])
    stalled = [r["stalled"] for r in results if r["stalled"] is not None]
    if stalled:   # the streams up to the stall show which op stopped
        return [*op_checks, verdict.deadlock("L4_run", max(stalled), scope=files.scope)]
    runs = {}
    for x_seed in X_SEEDS:
        mine = [r for r, job in zip(results, jobs, strict=True) if job["x_seed"] == x_seed]
        runs[x_seed] = (np.concatenate([r["y"] for r in mine]), {"cycles": sum(r["cycles"] for r in mine)})
    y, stats = runs[X_SEEDS[0]]
    np.save(files.path(cfg, "sim", "l4_outputs.npy"), y)
    # frames back to back under one capture flag (a design with that control gets a capture
    # frame first): a change of flag waits for the pipeline to drain, as the host changes it
    first = 0 if capture is None else 1
    frames = x[np.arange(first + PERF_FRAMES) % len(x)]
    flags = None if capture is None else (np.arange(len(frames)) < first).astype(np.uint8)
    started = time.time()
    try:
        _, perf = simulate_design(sim, design, model, frames, capture=flags,
                                  progress=f"{files.scope} throughput run")
    except SimulationTimeout as err:
        return [*op_checks, verdict.deadlock("throughput_run", err.cycles, scope=files.scope)]
    perf_seconds = time.time() - started
    analytic = max(getCustomOp(n).cycles() for n in model.graph.node)
    measured = steady_state_cycles({"frame_last_output": perf["frame_last_output"][first:]})
    cfg.write_json(files.file("sim", "rtlsim.json"), {
        "verilator": verilator_version(),
        "verilator_build_seconds": round(build_seconds, 1),
        # both X seeds' runs; cycles summed over the shards, each starting with an empty pipeline
        "l4_run": {"frames": len(x), "cycles": stats["cycles"], "seconds": round(l4_seconds, 2),
                   "frames_per_second": len(X_SEEDS) * len(x) / l4_seconds, "input_gap": SIM_GAP,
                   "output_stall": SIM_STALL, "x_seeds": list(X_SEEDS), "shards": len(shards)},
        # simulated frames per second once the pipeline is full (the run also fills it)
        "throughput_run": {"frames": len(frames), "cycles": perf["cycles"], "seconds": round(perf_seconds, 2),
                           "frames_per_second": perf["cycles"] / perf_seconds / measured,
                           "latency_cycles": perf["frame_last_output"][0] - perf["frame_first_input"][0],
                           "cycles_per_frame": measured,
                           # when the design took each frame's first input word (a driver sending
                           # frame by frame has until then to send the next)
                           "frame_first_input": perf["frame_first_input"],
                           "frame_last_output": perf["frame_last_output"]},
        "fifo_max_fill": fifo_fills(perf["log"]),
    })
    core_out = ref[CORE_OUT]
    # the op checks first: the verdict's first failure is then the op where a fault occurs
    return [*op_checks,
            verdict.level("L2_L4", verify.compare(core_out, verify.to_channels_first(y).reshape(core_out.shape),
                                                  exact=True), scope=files.scope),
            x_seed_check({s: out for s, (out, _) in runs.items()}, f"{files.scope} X seeds"),
            verdict.cycles("cycles_per_frame", measured, analytic, scope=files.scope)]


def l4_shard(job: dict) -> dict:
    """One shard of the L4 frames under one X seed in Verilator (a Ray task when sharded): its
    outputs and cycles, and with taps its ops' stream checks; "stalled": the cycles run when it
    stopped short."""
    from qonnx.core.modelwrapper import ModelWrapper

    design = Design.load(Path(job["rtl"]))
    model = ModelWrapper(job["folded"])
    with tempfile.TemporaryDirectory() as folder:
        taps = Path(folder) if job["taps"] else None
        checks = None
        try:
            y, stats = simulate_design(build_design(design), design, model, job["x"], seed=job["seed"],
                                       in_gap=SIM_GAP, out_stall=SIM_STALL, capture=job["capture"],
                                       x_seed=job["x_seed"], progress=job["progress"], taps=taps)
        except SimulationTimeout as err:
            if taps:
                checks = stream_checks(model, list(model.graph.node), taps, job["x"], "L4 stream", job["capture"])
            return {"y": None, "cycles": err.cycles, "checks": checks, "stalled": err.cycles}
        if taps:
            checks = stream_checks(model, list(model.graph.node), taps, job["x"], "L4 stream", job["capture"])
    return {"y": y, "cycles": stats["cycles"], "checks": checks, "stalled": None}


def _run_shards(cfg: BuildConfig, jobs: list[dict]) -> list[dict]:
    """The L4 shards here, one after the other, or as Ray tasks with --l4-shards (flow/tasks.py)."""
    if cfg.l4_shards <= 1:
        return [l4_shard(job) for job in jobs]
    from flow.tasks import Pool, TaskError

    build_design(Design.load(Path(jobs[0]["rtl"])))   # compiled once here, then cached for the tasks
    results = [None] * len(jobs)
    with Pool(workers=None if cfg.ray_address else cfg.l4_shards, address=cfg.ray_address) as pool:
        for i, result in pool.run(l4_shard, jobs, desc="L4 shards"):
            if isinstance(result, TaskError):
                raise RuntimeError(f"L4 shard {i}: {result.message}")
            results[i] = result
    return results


def step_op_rtlsim(cfg: BuildConfig) -> list[dict]:
    """Each op's RTL alone on its real input: bit-exactness per op and measured cycles per frame.
    An op of two input or output streams (AddStreams, DuplicateStreams) does not fit the one-stream
    harness: the stitched design's stream taps check it (L4)."""
    if not cfg.per_op_sim:
        cfg.write_json("sim/ops.json", {"run": False})
        return []
    model = cfg.load_model("30_folded.onnx")
    ref = np.load(cfg.path("reference_outputs.npz"))
    x = verify.to_channels_last(ref[CORE_IN])[np.arange(PERF_FRAMES - 1) % len(ref[CORE_IN])]
    context = verify.execute_batch(model, x, full_context=True)
    nodes = [n for n in model.graph.node if n.op_type != "FIFO" and not getCustomOp(n).multi_stream()]
    workdir = cfg.path("sim", "ops")
    workdir.mkdir(parents=True, exist_ok=True)

    def run(node):
        y, stats = simulate_op(model, node, context[node.input[0]], workdir / node.name)
        comparison = verify.compare(context[node.output[0]], y, exact=True)
        return node.name, {"op_type": node.op_type, "equal": comparison["equal"],
                           "mismatches": comparison["mismatches"], "comparison": comparison,
                           "analytic_cycles": getCustomOp(node).cycles(),
                           "measured_cycles": steady_state_cycles(stats)}

    with ThreadPoolExecutor(max_workers=jobs()) as pool:
        results = dict(tqdm(pool.map(run, nodes), total=len(nodes), desc="per-op RTL", leave=False))
    cfg.write_json("sim/ops.json", {"run": True, "frames": len(x), "ops": results})
    return [verdict.level(name, r.pop("comparison"), scope="op RTL vs L3") for name, r in results.items()]


def step_synth(cfg: BuildConfig, files: DesignFiles = BUILD_DESIGN) -> list[dict] | None:
    """Yosys synth_xilinx -abc9 of the board top (the stitched design with its AXI-Lite control
    and DMA-width stream adapters, as the bitstream holds it; only with --synth): resources and
    the timing proxy, and a check that Yosys's counts stay within the board's budget."""
    from flow.backends.rtl.synth import synthesize
    from flow.board.spec import load_board
    from flow.board.top import generate_board_top

    out = files.file("synth", "yosys.json")
    if not cfg.synth:
        cfg.write_json(out, {"run": False, "reason": "not requested (--synth)"})
        return
    design, model = load_design(cfg, files), cfg.load_model(files.folded)
    first, last = getCustomOp(model.graph.node[0]), getCustomOp(model.graph.node[-1])
    board = generate_board_top(design, first.in_stream().words, last.out_stream().words,
                               files.path(cfg, "synth", "board_top"), files.name(cfg))
    part = load_board(cfg.board)
    result = synthesize(board.sources[-1].parent, board.sources, board.top, family=part.family)
    cfg.write_json(out, {"run": True, "tool": f"yosys {result['mapping']}",
                         "scope": f"board top {board.top}: core {board.core}, AXI-Lite control, "
                                  f"DMA-width stream adapters", **result})
    return [verdict.fits("yosys", result, part.budget())]


def step_energy(cfg: BuildConfig, files: DesignFiles = BUILD_DESIGN) -> None:
    """Energy per image, an estimate: the test inputs back to back through a toggle-coverage build
    of the stitched design, its toggles times the board's power figures (flow/energy.py; only
    with --energy)."""
    from flow.backends.rtl.activity import measure_activity
    from flow.board.spec import load_board
    from flow.energy import PowerFigures, energy_per_image
    from flow.estimate import total_resources

    out = files.file("energy", "energy.json")
    if not cfg.energy:
        cfg.write_json(out, {"run": False, "reason": "not requested (--energy)"})
        return
    model, design = cfg.load_model(files.folded), load_design(cfg, files)
    if "power" not in load_board(cfg.board).data:
        cfg.write_json(out, {"run": False, "reason": f"no power figures for {cfg.board} (hw/boards/{cfg.board}.json)"})
        return
    if design.controls:
        cfg.write_json(out, {"run": False, "reason": f"designs with control inputs ({', '.join(design.controls)}) "
                                                     "are not estimated"})
        return
    x = verify.to_channels_last(files.reference(cfg)[CORE_IN])
    started = time.time()
    activity = measure_activity(design, model, x, files.path(cfg, "energy"))
    synth = files.path(cfg, "synth", "yosys.json")
    synth = json.loads(synth.read_text()) if synth.exists() else {}
    ff, ff_source = ((synth["FF"], "Yosys synth_xilinx") if synth.get("run") else
                     (total_resources(model)["FF"], "the analytic estimate"))
    cycles = json.loads(files.path(cfg, "sim", "rtlsim.json").read_text())["throughput_run"]["cycles_per_frame"]
    ops = [(n.name, getCustomOp(n)) for n in model.graph.node]
    active = [{"op": name, "cycles": op.cycles(), "BRAM36": op.resources()["BRAM36"], "DSP": op.multiplying_dsps()}
              for name, op in ops]
    figures = PowerFigures.of_board(load_board(cfg.board))
    result = energy_per_image(activity.total / activity.frames, cycles, cfg.clock_mhz, ff, active, figures)
    cfg.write_json(out, {
        "run": True, **result, "ff_source": ff_source, "figures": figures.__dict__,
        "activity": {"frames": activity.frames, "run_cycles": activity.cycles, "toggles": activity.total,
                     "toggles_by_instance": activity.toggles, "input_gap": 0.0, "output_stall": 0.0,
                     "seconds": round(time.time() - started, 1),
                     "tool": "Verilator --coverage-toggle (a separate build; L4 runs without it)"},
    })


SIMULATION = (
    Step("codegen", step_codegen, ("rtl",), backend="rtl"),                         # Verilog top + memory files
    Step("rtlsim", step_rtlsim, ("sim/rtlsim.json", "sim/l4_outputs.npy"), backend="rtl"),  # L4 + throughput
    Step("op_rtlsim", step_op_rtlsim, ("sim/ops.json",), ("per_op_sim",), backend="rtl"),  # per-op RTL
)
SYNTHESIS = (
    Step("synth", step_synth, ("synth/yosys.json",), ("synth", "board"), backend="rtl"),   # Yosys (--synth)
)
ENERGY = (
    Step("energy", step_energy, ("energy/energy.json",), ("energy", "board", "clock_mhz"), backend="rtl"),  # estimate (--energy)
)
