"""The build steps. Each reads what earlier steps wrote in the build directory and writes its own
files there, so a build can stop and resume at any step and every stage can be opened."""

from __future__ import annotations

import copy

import numpy as np
import onnx
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.insert_topk import InsertTopK

from flow import float_error, rounding_boundary, verdict, verify
from flow.accuracy import L0_OUTPUTS, LABELS_FILE
from flow.board.spec import load_board
from flow.config import BuildConfig
from flow.declared_input import declared_input, insert_input_quantizer
from flow.estimate import total_resources
from flow.fold import apply_folding, auto_folding, fit_to_board, folding_of, load_folding
from flow.frontend import clean, export_brevitas, load_qonnx
from flow.insert_plumbing import insert_plumbing
from flow.lower import lower_to_hardware
from flow.ops import FoldingError
from flow.reference import CORE_IN, CORE_OUT, make_reference, run_reference, session
from flow.size_fifos import fifo_depths_by_simulation
from flow.step import Step
from flow.streamline import integerize

# --- 1. front end --------------------------------------------------------------------------

def step_export(cfg: BuildConfig) -> None:
    """Brevitas (or --model) -> 00_qonnx.onnx, and the test inputs (inputs.npy)."""
    if cfg.model_path is not None:
        model = load_qonnx(cfg.model_path)
        shape = model.get_tensor_shape(model.graph.input[0].name)
        declared = declared_input(model, cfg.input_datatype)
        if declared is not None:
            model = clean(insert_input_quantizer(model, declared))
        if cfg.input_data is not None:
            x = np.load(cfg.input_data).astype(np.float32)
            if tuple(x.shape[1:]) != tuple(shape[1:]):
                raise ValueError(f"--input-data {cfg.input_data}: frames of shape {x.shape[1:]}, "
                                 f"the model takes {tuple(shape[1:])}")
            if declared is not None:
                declared.check(x[: cfg.inputs], f"--input-data {cfg.input_data}")
        elif declared is not None:
            x = declared.codes(np.random.default_rng(cfg.seed), (cfg.inputs, *shape[1:]))
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
    labels = cfg.path(LABELS_FILE)
    labels.unlink(missing_ok=True)
    if cfg.model_path is None and cfg.target.make_labels is not None:
        np.save(labels, cfg.target.make_labels(cfg.inputs, cfg.seed + 100))


def build_torch_model(cfg: BuildConfig):
    import torch

    if cfg.torch_model is not None:   # a copy: L0 runs it in float64, the caller keeps theirs
        return copy.deepcopy(cfg.torch_model).eval()
    if cfg.weights_seed is not None:
        return cfg.target.random_model(cfg.weights_seed).eval()
    if cfg.checkpoint is not None and cfg.target.load_checkpoint is not None:
        return cfg.target.load_checkpoint(cfg.checkpoint).eval()
    model = cfg.target.make_model()
    if cfg.checkpoint is not None:
        state = torch.load(cfg.checkpoint, map_location="cpu")
        model.load_state_dict(state.get("model", state))
    return model.eval()


def run_torch_model(cfg: BuildConfig, x: np.ndarray, model=None) -> np.ndarray:
    """L0: the target's torch model (or `model`, already in float64) on x, in float64. In float32
    a value that sits on a quantizer's rounding boundary can round to the other side (seen once
    in 20 siamfc_int4 search crops: one feature one step off); the integer levels' sums are exact
    in float64. One input at a time, as its rounding evidence reruns it: torch sums a batch in
    another order than one input, so a value exactly on a boundary (an XNOR accumulator of 0 times
    a per-channel scale) comes out +-1e-17 and rounds to either side, differently in the two runs."""
    import torch

    model = model if model is not None else build_torch_model(cfg).double()
    with torch.no_grad():
        return np.concatenate([model(torch.from_numpy(x[i:i + 1]).double()).numpy() for i in range(len(x))])


# --- 2-4. streamline, reference, lower ------------------------------------------------------------

def step_streamline(cfg: BuildConfig) -> None:
    """00_qonnx.onnx -> 10_integer.onnx (integer weights, thresholds, edge scales only)."""
    integerize(cfg.load_model("00_qonnx.onnx")).save(str(cfg.path("10_integer.onnx")))


def step_reference(cfg: BuildConfig) -> None:
    """10_integer.onnx -> reference.onnx (standard ops) and its outputs on the test inputs (L2)."""
    ref = make_reference(cfg.load_model("10_integer.onnx"))
    onnx.save(ref, str(cfg.path("reference.onnx")))
    outputs = run_reference(session(ref), np.load(cfg.path("inputs.npy")))
    np.savez(cfg.path("reference_outputs.npz"), **outputs)


def step_lower(cfg: BuildConfig) -> None:
    """10_integer.onnx -> 20_hw.onnx (hardware ops, channels-last, PE = SIMD = 1)."""
    lower_to_hardware(cfg.load_model("10_integer.onnx")).save(str(cfg.path("20_hw.onnx")))


# --- 5. fold ------------------------------------------------------------------------------------

def step_fold(cfg: BuildConfig) -> None:
    """20_hw.onnx -> 30_folded.onnx: PE/SIMD, width converters, FIFOs sized by simulation."""
    board = load_board(cfg.board)
    model = cfg.load_model("20_hw.onnx")
    if cfg.folding_path is not None:
        folding = load_folding(cfg.folding_path)
    elif cfg.target_fps == "max":
        folding = max_fps_folding(model, cfg.clock_mhz, board)
    elif cfg.target_fps is not None:
        folding = auto_folding(model, float(cfg.target_fps), cfg.clock_mhz)
    else:
        folding = {}
    model = insert_plumbing(apply_folding(model, folding, plumbing_later=True))
    if cfg.runtime_weights:
        load_weights_at_run_time(model)
    fifos = {k: v for k, v in folding.items() if k.startswith("FIFO_")}
    apply_folding(model, fifos)
    fit_to_board(model, board)
    if not cfg.ignore_budget:
        check_budget(model, board)
    x = verify.to_channels_last(np.load(cfg.path("reference_outputs.npz"))[CORE_IN])
    apply_folding(model, fifo_depths_by_simulation(model, x, keep=set(fifos)))
    fit_to_board(model, board)
    if not cfg.ignore_budget:
        check_budget(model, board)
    model.save(str(cfg.path("30_folded.onnx")))
    cfg.write_json("folding.json", folding_of(model))


def load_weights_at_run_time(model: ModelWrapper) -> None:
    for node in model.graph.node:
        op = getCustomOp(node)
        if op.runtime_loadable:
            op.set_nodeattr("weight_load", "runtime")


def check_budget(model: ModelWrapper, board) -> None:
    total, budget = total_resources(model), board.budget()
    # a kind the board lacks has a budget of 0 (UltraRAM on a Zynq-7000)
    over = [k for k in total if total[k] > budget.get(k, 0)]
    if over:
        per_op = sorted(((getCustomOp(n).resources()[over[0]], n.name) for n in model.graph.node),
                        reverse=True)[:3]
        raise FoldingError(
            "the folding exceeds the " + board.part + " budget by the estimate: "
            + ", ".join(f"{k} {total[k]:,.0f} > {budget.get(k, 0):,.0f}" for k in over)
            + "; largest " + over[0] + ": " + ", ".join(f"{name} ({v:,.0f})" for v, name in per_op))


def max_fps_folding(model: ModelWrapper, clock_mhz: float, board, adjust=None) -> dict:
    """The automatic folding of the highest fps that still fits the board by the estimate;
    adjust(model, folding) -> folding changes each trial's (flow/explore: folding bounds)."""
    def folding_for(m, fps):
        folding = auto_folding(m, fps, clock_mhz)
        return adjust(m, folding) if adjust else folding

    def fits(fps):
        trial = ModelWrapper(model.model, make_deepcopy=True)
        trial = insert_plumbing(apply_folding(trial, folding_for(trial, fps)))
        fit_to_board(trial, board)
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
    # an op at its most parallel (a window fed one pixel a cycle) may bound the rate below lo:
    # the others need only reach the rate it gives, with less parallelism and fewer resources
    trial = apply_folding(ModelWrapper(model.model, make_deepcopy=True), folding_for(model, lo))
    reached = clock_mhz * 1e6 / max(getCustomOp(n).cycles() for n in trial.graph.node)
    return folding_for(model, min(lo, reached))


# --- 6. verification ladder, float and numpy levels ----------------------------------------------

def step_verify(cfg: BuildConfig) -> list[dict]:
    """L0, L1 and L3 against L2 on the test inputs (L4..L6 come from their own steps)."""
    x = np.load(cfg.path("inputs.npy"))
    ref = dict(np.load(cfg.path("reference_outputs.npz")))
    qonnx_model = cfg.load_model("00_qonnx.onnx")
    out_name = qonnx_model.graph.output[0].name
    int_model = cfg.load_model("10_integer.onnx")
    step = verify.output_step(int_model)
    integer_output = bool(ref[CORE_OUT].dtype == np.int64)
    l2 = ref[out_name]
    checks = []
    l1 = verify.run_qonnx(qonnx_model, x)
    # a float level's differences from L2 pass only where shown to be rounding-boundary cases
    l1_evidence = rounding_boundary.evidence("L1", qonnx_model, int_model, x, l1, l2, step, integer_output,
                                             rounding_boundary.qonnx_values(qonnx_model))
    if cfg.torch_level:
        torch_model = build_torch_model(cfg).double()
        l0 = run_torch_model(cfg, x, torch_model)
        if cfg.target is not None and cfg.target.top_k:
            l0 = verify.stable_topk(l0, cfg.target.top_k)
        np.save(cfg.path(L0_OUTPUTS), l0)
        l0_evidence = rounding_boundary.evidence(
            "L0", qonnx_model, int_model, x, l0, l2, step, integer_output,
            rounding_boundary.torch_values(torch_model, qonnx_model), float_error.FLOAT64)
        checks.append(verdict.level("L0_L1", rounding_boundary.boundary_cases(
            verify.compare(l0, l1, step, exact=integer_output), l0, l1, step, integer_output,
            l0_evidence, l1_evidence), rule="rounding_boundary"))
    checks.append(verdict.level("L1_L2", rounding_boundary.boundary_cases(
        verify.compare(l1, l2, step, exact=integer_output), l1, l2, step, integer_output, l1_evidence),
        rule="rounding_boundary"))
    l3 = verify.run_hardware_graph(cfg.load_model("30_folded.onnx"), verify.to_channels_last(ref[CORE_IN]))
    core_out = ref[CORE_OUT]
    checks.append(verdict.level("L2_L3", verify.compare(
        core_out, verify.to_channels_first(l3).reshape(core_out.shape), exact=True)))
    return checks


FRONT_END = (
    Step("export", step_export, ("00_qonnx.onnx", "inputs.npy"),                     # Brevitas/QONNX in
         ("name", "model_path", "checkpoint", "weights_seed", "inputs", "input_data", "input_datatype",
          "dynamo", "seed")),
    Step("streamline", step_streamline, ("10_integer.onnx",)),                      # integer weights, thresholds
    Step("reference", step_reference, ("reference.onnx", "reference_outputs.npz")),  # L2 in onnxruntime
    Step("lower", step_lower, ("20_hw.onnx",)),                                     # hardware ops, channels-last
    Step("fold", step_fold, ("30_folded.onnx", "folding.json"),                      # PE/SIMD, DWCs, FIFOs, budget
         ("folding_path", "target_fps", "clock_mhz", "board", "ignore_budget", "runtime_weights")),
    Step("verify", step_verify, (), ("torch_level",)),                              # L0, L1, L3 against L2
)
