"""The build steps. Each reads what earlier steps wrote in the build directory and writes its own
files there, so a build can stop and resume at any step and every stage can be opened."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import onnx
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.insert_topk import InsertTopK
from tqdm import tqdm

from flow import verify
from flow.board import load_board
from flow.codegen_rtl import RTLDesign, generate_rtl
from flow.estimate import op_resources, total_resources
from flow.fold import apply_folding, auto_folding, fit_memories, folding_of, load_folding
from flow.frontend import clean, export_brevitas, load_qonnx
from flow.insert_plumbing import insert_plumbing
from flow.lower import lower_to_hardware
from flow.ops import FoldingError
from flow.reference import CORE_IN, CORE_OUT, make_reference, run_reference, session
from flow.sim.op_sim import simulate_op, steady_state_cycles
from flow.sim.stitched import build_design, simulate_design
from flow.size_fifos import fifo_depths_by_simulation
from flow.steps_hls import BACKENDS
from flow.streamline import integerize
from flow.targets import Target

SIM_GAP, SIM_STALL = 0.2, 0.3   # L4 run: random input gaps and output back-pressure
PERF_FRAMES = 4                 # frames streamed back to back for the throughput figure


@dataclass
class BuildConfig:
    name: str
    out: Path
    target: Target | None = None
    model_path: Path | None = None
    checkpoint: Path | None = None
    folding_path: Path | None = None
    target_fps: float | str | None = None
    clock_mhz: float = 100.0
    inputs: int = 100
    input_data: Path | None = None
    per_op_sim: bool = True
    synth: bool = False
    dynamo: bool = False
    board: str = "pynq_z2"
    seed: int = 0
    backend: str = "both"  # rtl, hls or both (flow/steps_hls.py)
    notes: list[str] = field(default_factory=list)

    def path(self, *parts) -> Path:
        return self.out.joinpath(*parts)

    def fingerprint(self, keys) -> dict:
        return {k: str(getattr(self, k)) for k in keys}


def _load(cfg, name) -> ModelWrapper:
    return ModelWrapper(str(cfg.path(name)))


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, default=_json_default) + "\n")


def _json_default(value):
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def read_json(path: Path):
    return json.loads(Path(path).read_text())


# --- 1. front end --------------------------------------------------------------------------

def step_export(cfg: BuildConfig) -> None:
    """Brevitas (or --model) -> 00_qonnx.onnx, and the test inputs (inputs.npy)."""
    if cfg.model_path is not None:
        model = load_qonnx(cfg.model_path)
        shape = model.get_tensor_shape(model.graph.input[0].name)
        if cfg.input_data is not None:
            x = np.load(cfg.input_data).astype(np.float32)
            if tuple(x.shape[1:]) != tuple(shape[1:]):
                raise ValueError(f"--input-data {cfg.input_data}: frames of shape {x.shape[1:]}, "
                                 f"the model takes {tuple(shape[1:])}")
        else:
            x = np.random.default_rng(cfg.seed).random((cfg.inputs, *shape[1:]), dtype=np.float32)
    else:
        torch_model = build_torch_model(cfg)
        x = cfg.target.make_inputs(cfg.inputs, cfg.seed + 100)
        import torch

        model = export_brevitas(torch_model, torch.from_numpy(x[:1]), cfg.path("00_qonnx.onnx"),
                                dynamo=cfg.dynamo)
        if cfg.target.top_k:
            model = clean(model.transform(InsertTopK(k=cfg.target.top_k)))
    model.save(str(cfg.path("00_qonnx.onnx")))
    np.save(cfg.path("inputs.npy"), x[: cfg.inputs])


def build_torch_model(cfg: BuildConfig):
    import torch

    if cfg.checkpoint is not None and cfg.target.load_checkpoint is not None:
        return cfg.target.load_checkpoint(cfg.checkpoint).eval()
    model = cfg.target.make_model()
    if cfg.checkpoint is not None:
        state = torch.load(cfg.checkpoint, map_location="cpu")
        model.load_state_dict(state.get("model", state))
    return model.eval()


def run_torch_model(cfg: BuildConfig, x: np.ndarray) -> np.ndarray:
    """L0: the target's torch model on x, in float64. In float32 a value that sits on a
    quantizer's rounding boundary can round to the other side (seen once in 20 siamfc_int4 search
    crops: one feature one step off); the integer levels' sums are exact in float64."""
    import torch

    with torch.no_grad():
        return build_torch_model(cfg).double()(torch.from_numpy(x).double()).numpy()


# --- 2-4. streamline, reference, lower ------------------------------------------------------------

def step_streamline(cfg: BuildConfig) -> None:
    """00_qonnx.onnx -> 10_integer.onnx (integer weights, thresholds, edge scales only)."""
    integerize(_load(cfg, "00_qonnx.onnx")).save(str(cfg.path("10_integer.onnx")))


def step_reference(cfg: BuildConfig) -> None:
    """10_integer.onnx -> reference.onnx (standard ops) and its outputs on the test inputs (L2)."""
    ref = make_reference(_load(cfg, "10_integer.onnx"))
    onnx.save(ref, str(cfg.path("reference.onnx")))
    outputs = run_reference(session(ref), np.load(cfg.path("inputs.npy")))
    np.savez(cfg.path("reference_outputs.npz"), **outputs)


def step_lower(cfg: BuildConfig) -> None:
    """10_integer.onnx -> 20_hw.onnx (hardware ops, channels-last, PE = SIMD = 1)."""
    lower_to_hardware(_load(cfg, "10_integer.onnx")).save(str(cfg.path("20_hw.onnx")))


# --- 5. fold ------------------------------------------------------------------------------------

def step_fold(cfg: BuildConfig) -> None:
    """20_hw.onnx -> 30_folded.onnx: PE/SIMD, width converters, FIFOs sized by simulation."""
    board = load_board(cfg.board)
    model = _load(cfg, "20_hw.onnx")
    if cfg.folding_path is not None:
        folding = load_folding(cfg.folding_path)
    elif cfg.target_fps == "max":
        folding = max_fps_folding(model, cfg.clock_mhz, board)
    elif cfg.target_fps is not None:
        folding = auto_folding(model, float(cfg.target_fps), cfg.clock_mhz)
    else:
        folding = {}
    model = insert_plumbing(apply_folding(model, folding, plumbing_later=True))
    fifos = {k: v for k, v in folding.items() if k.startswith("FIFO_")}
    apply_folding(model, fifos)
    fit_memories(model, board)
    check_budget(model, board)
    x = verify.to_channels_last(np.load(cfg.path("reference_outputs.npz"))[CORE_IN])
    apply_folding(model, fifo_depths_by_simulation(model, x, keep=set(fifos)))
    fit_memories(model, board)
    check_budget(model, board)
    model.save(str(cfg.path("30_folded.onnx")))
    _write_json(cfg.path("folding.json"), folding_of(model))


def check_budget(model: ModelWrapper, board) -> None:
    total, budget = total_resources(model), board.budget()
    over = [k for k in budget if total[k] > budget[k]]
    if over:
        per_op = sorted(((op_resources(n)[over[0]], n.name) for n in model.graph.node), reverse=True)[:3]
        raise FoldingError(
            "the folding exceeds the " + board.part + " budget by the estimate: "
            + ", ".join(f"{k} {total[k]:,.0f} > {budget[k]:,.0f}" for k in over)
            + "; largest " + over[0] + ": " + ", ".join(f"{name} ({v:,.0f})" for v, name in per_op))


def max_fps_folding(model: ModelWrapper, clock_mhz: float, board) -> dict:
    """The automatic folding of the highest fps that still fits the board by the estimate."""
    def fits(fps):
        trial = ModelWrapper(model.model, make_deepcopy=True)
        trial = insert_plumbing(apply_folding(trial, auto_folding(trial, fps, clock_mhz)))
        fit_memories(trial, board)
        try:
            check_budget(trial, board)
            return True
        except FoldingError:
            return False

    lo, hi = 1.0, 1.0
    while fits(hi * 2) and hi < 1e7:
        hi *= 2
    lo, hi = hi, hi * 2
    for _ in range(12):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if fits(mid) else (lo, mid)
    return auto_folding(model, lo, clock_mhz)


# --- 6-8. RTL ------------------------------------------------------------------------------------

def step_codegen(cfg: BuildConfig) -> None:
    """30_folded.onnx -> rtl/: memory files, the used modules, the stitched accelerator.v."""
    design = generate_rtl(_load(cfg, "30_folded.onnx"), cfg.path("rtl"), cfg.name)
    _write_json(cfg.path("rtl", "design.json"), {
        "top": design.top, "sources": [p.name for p in design.sources],
        "in_bits": design.in_bits, "out_bits": design.out_bits})


def load_design(cfg) -> RTLDesign:
    d = read_json(cfg.path("rtl", "design.json"))
    return RTLDesign(d["top"], cfg.path("rtl"), [cfg.path("rtl", s) for s in d["sources"]],
                     d["in_bits"], d["out_bits"])


def step_rtlsim(cfg: BuildConfig) -> None:
    """Verilator: every test input through the stitched design (L4), then the throughput run."""
    model = _load(cfg, "30_folded.onnx")
    design = load_design(cfg)
    started = time.time()
    sim = build_design(design)
    build_seconds = time.time() - started
    ref = np.load(cfg.path("reference_outputs.npz"))
    x = verify.to_channels_last(ref[CORE_IN])
    started = time.time()
    y, stats = simulate_design(sim, design, model, x, seed=cfg.seed + 1, in_gap=SIM_GAP, out_stall=SIM_STALL)
    l4_seconds = time.time() - started
    np.save(_mkdir(cfg.path("sim")) / "l4_outputs.npy", y)
    frames = x[np.arange(PERF_FRAMES) % len(x)]
    started = time.time()
    _, perf = simulate_design(sim, design, model, frames)
    perf_seconds = time.time() - started
    _write_json(cfg.path("sim", "rtlsim.json"), {
        "verilator_build_seconds": round(build_seconds, 1),
        "l4_run": {"frames": len(x), "cycles": stats["cycles"], "seconds": round(l4_seconds, 2),
                   "frames_per_second": len(x) / l4_seconds, "input_gap": SIM_GAP, "output_stall": SIM_STALL},
        # simulated frames per second once the pipeline is full (the run also fills it)
        "throughput_run": {"frames": PERF_FRAMES, "cycles": perf["cycles"], "seconds": round(perf_seconds, 2),
                           "frames_per_second": perf["cycles"] / perf_seconds / steady_state_cycles(perf),
                           "latency_cycles": perf["frame_last_output"][0] - perf["frame_first_input"][0],
                           "cycles_per_frame": steady_state_cycles(perf),
                           "frame_last_output": perf["frame_last_output"]},
        "fifo_max_fill": _fifo_fills(perf["log"]),
    })


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def _fifo_fills(log: str) -> dict:
    fills = {}
    for line in log.splitlines():
        if line.startswith("FIFO_MAX_FILL"):
            _, path, value = line.split()
            fills[path.split(".")[-1]] = int(value)
    return fills


def step_op_rtlsim(cfg: BuildConfig) -> None:
    """Each op's RTL alone on its real input: bit-exactness per op and measured cycles per frame."""
    if not cfg.per_op_sim:
        _write_json(_mkdir(cfg.path("sim")) / "ops.json", {"run": False})
        return
    model = _load(cfg, "30_folded.onnx")
    ref = np.load(cfg.path("reference_outputs.npz"))
    x = verify.to_channels_last(ref[CORE_IN])[np.arange(PERF_FRAMES - 1) % len(ref[CORE_IN])]
    context = verify.execute_batch(model, x, full_context=True)
    nodes = [n for n in model.graph.node if n.op_type != "FIFO"]
    workdir = _mkdir(cfg.path("sim", "ops"))

    def run(node):
        y, stats = simulate_op(model, node, context[node.input[0]], workdir / node.name)
        expected = context[node.output[0]]
        return node.name, {
            "op_type": node.op_type,
            "equal": bool(np.array_equal(y, expected)),
            "mismatches": int((y != expected).sum()),
            "analytic_cycles": getCustomOp(node).cycles(),
            "measured_cycles": steady_state_cycles(stats),
        }

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(tqdm(pool.map(run, nodes), total=len(nodes), desc="per-op RTL", leave=False))
    _write_json(cfg.path("sim", "ops.json"), {"run": True, "frames": len(x), "ops": results})


# --- 9. verification ladder ------------------------------------------------------------------

def step_verify(cfg: BuildConfig) -> None:
    """L0..L5 on the same inputs; writes verification.json."""
    x = np.load(cfg.path("inputs.npy"))
    ref = dict(np.load(cfg.path("reference_outputs.npz")))
    qonnx_model = _load(cfg, "00_qonnx.onnx")
    out_name = qonnx_model.graph.output[0].name
    step = verify.output_step(_load(cfg, "10_integer.onnx"))
    levels = {}
    l1 = verify.run_qonnx(qonnx_model, x)
    if cfg.target is not None:
        l0 = run_torch_model(cfg, x)
        if cfg.target.top_k:
            l0 = verify.stable_topk(l0, cfg.target.top_k)
        levels["L0_L1"] = verify.compare(l0, l1, step, exact=cfg.target.top_k is not None)
    levels["L1_L2"] = verify.compare(l1, ref[out_name], step, exact=bool(ref[CORE_OUT].dtype == np.int64))
    hw = _load(cfg, "30_folded.onnx")
    l3 = verify.run_hardware_graph(hw, verify.to_channels_last(ref[CORE_IN]))
    core_out = ref[CORE_OUT]
    levels["L2_L3"] = verify.compare(core_out, verify.to_channels_first(l3).reshape(core_out.shape), exact=True)
    for level, backend, outputs in verify.SIMULATED_LEVELS:
        if backend in BACKENDS[cfg.backend]:
            y = np.load(cfg.path("sim", outputs))
            levels[level] = verify.compare(core_out, verify.to_channels_first(y).reshape(core_out.shape), exact=True)
    _write_json(cfg.path("verification.json"), levels)


# --- 10. synthesis ---------------------------------------------------------------------------

def step_synth(cfg: BuildConfig) -> None:
    """Yosys synth_xilinx of the stitched design (only with --synth)."""
    from flow.synth import synthesize

    out = _mkdir(cfg.path("synth")) / "yosys.json"
    if not cfg.synth:
        _write_json(out, {"run": False, "reason": "not requested (--synth)"})
        return
    design = load_design(cfg)
    result = synthesize(design.directory, design.sources, design.top)
    _write_json(out, {"run": True, "tool": "yosys synth_xilinx -family xc7", **result})
