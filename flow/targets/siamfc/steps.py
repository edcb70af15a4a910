"""Build step `tracker`: the SiamFC tracker accelerator (backbone + correlation), verified on
exemplar/search pairs at every level (flow/targets/siamfc/pairs.py), simulated, estimated.

The siamfc targets add it to their builds (flow/targets/siamfc/__init__.py tracker_step).
Writes 40_tracker.onnx, reference_xcorr.onnx and tracker/: rtl/, tracker.json, with the HLS
backend hls/ and the level L2_L5 (flow/targets/siamfc/hls.py), and the board design with its L6 run
(flow/targets/siamfc/board.py): vivado/, deploy/, board.json.
"""

from __future__ import annotations

import json
import time

import numpy as np
import onnx
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_shapes import InferShapes

from flow import verdict, verify
from flow.backends import BACKENDS
from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.op_sim import steady_state_cycles
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.board.package import package_checks
from flow.board.spec import load_board
from flow.estimate import total_resources
from flow.ops.correlation import CAPTURE_INPUT
from flow.reference import CORE_OUT, run_reference, session
from flow.steps import check_budget, run_torch_model
from flow.targets.siamfc.board import board_l6
from flow.targets.siamfc.hls import hls_level
from flow.targets.siamfc.host import time_host
from flow.targets.siamfc.pairs import (
    correlate_pairs,
    interleaved_scores,
    pair_frames,
    to_integers,
    xcorr_reference,
)
from flow.targets.siamfc.tracker_graph import (
    EXEMPLAR_FEATURES,
    append_correlation,
    fold_tracker_to_fit,
)

PAIRS_SEED_OFFSET = 200   # pairs differ from the backbone's test inputs
PERF_SEARCH_FRAMES = 4    # search frames after one capture frame for the throughput figure


def step_tracker(cfg, pairs: int) -> list[dict]:
    """Tracker accelerator (backbone + correlation): L0..L6 on exemplar/search pairs, rtlsim."""
    out = cfg.path("tracker")
    out.mkdir(parents=True, exist_ok=True)
    board = load_board(cfg.board)
    backbone = ModelWrapper(str(cfg.path("30_folded.onnx")))
    target_cycles = max(getCustomOp(n).cycles() for n in backbone.graph.node)
    folding = json.loads(cfg.path("folding.json").read_text())
    tracker, refolded_fps = fold_tracker_to_fit(
        append_correlation(ModelWrapper(str(cfg.path("20_hw.onnx")))), folding, target_cycles,
        cfg.clock_mhz, board)
    check_budget(tracker, board)
    tracker.save(str(cfg.path("40_tracker.onnx")))
    search_size = backbone.get_tensor_shape(backbone.graph.input[0].name)[1]
    exemplars, frames, capture = pair_frames(pairs, cfg.seed + PAIRS_SEED_OFFSET, search_size)
    levels, l2, timing = ladder(cfg, tracker, exemplars, frames, capture)
    started = time.time()
    design = generate_rtl(tracker, out / "rtl", f"{cfg.name}_tracker")
    design.save()
    sim = build_design(design)
    timing["verilator_build"] = time.time() - started
    x = verify.to_channels_last(run_reference(session(cfg.path("reference.onnx")), frames)["core_in"])
    started = time.time()
    l4, stats = simulate_design(sim, design, tracker, x, seed=cfg.seed + 1, in_gap=0.2, out_stall=0.3,
                                capture=capture)
    timing["l4_rtlsim"] = time.time() - started
    levels["L2_L4"] = verify.compare(l2, verify.to_channels_first(l4), exact=True)
    l5_run = None
    if "hls" in BACKENDS[cfg.backend]:
        levels["L2_L5"], l5_run = hls_level(cfg, tracker, x, capture, l2)
    perf = throughput_run(sim, design, tracker, x)
    started = time.time()
    levels["L2_L6"] = board_l6(cfg, tracker, design, frames, x, capture, l2, perf)
    timing["l6_board"] = time.time() - started
    host = time_host(cfg.out, search_size)
    write_results(cfg, tracker, levels, timing, stats, perf, len(frames), refolded_fps, l5_run, host)
    if cfg.synth:
        from flow.backends.rtl.synth import synthesize

        result = synthesize(design.directory, design.sources, design.top)
        (out / "yosys.json").write_text(json.dumps({"run": True, **result}, indent=2) + "\n")
    return ([verdict.level(name, comparison, scope="tracker") for name, comparison in levels.items()]
            + package_checks(out / "vivado"))


def ladder(cfg, tracker, exemplars, frames, capture):
    """L0..L3 score maps of the interleaved frames; returns (comparisons, L2 scores, seconds)."""
    timing = {}
    int_model = ModelWrapper(str(cfg.path("10_integer.onnx")))
    step = verify.output_step(int_model)
    xcorr = xcorr_reference(*_feature_geometry(tracker))
    onnx.save(xcorr, str(cfg.path("reference_xcorr.onnx")))
    xcorr_session = session(xcorr)
    k = EXEMPLAR_FEATURES

    started = time.time()
    ref = run_reference(session(cfg.path("reference.onnx")), frames)
    features = ref[CORE_OUT].astype(np.int64)
    l2 = interleaved_scores(xcorr_session, features[0::2], features[1::2], k)
    timing["l2"] = time.time() - started

    started = time.time()
    l1_features = to_integers(verify.run_qonnx(ModelWrapper(str(cfg.path("00_qonnx.onnx"))), frames), step)
    l1 = interleaved_scores(xcorr_session, l1_features[0::2], l1_features[1::2], k)
    timing["l1"] = time.time() - started

    started = time.time()
    z = to_integers(run_torch_model(cfg, exemplars), step)
    xs = to_integers(run_torch_model(cfg, frames[1::2]), step)
    l0 = correlate_pairs(xcorr_session, z, xs)
    timing["l0"] = time.time() - started

    started = time.time()
    l3 = run_tracker_graph(tracker, verify.to_channels_last(ref["core_in"]), capture)
    timing["l3"] = time.time() - started
    levels = {
        "L0_L2": verify.compare(l0, l2[1::2], exact=True),
        "L1_L2": verify.compare(l1, l2, exact=True),
        "L2_L3": verify.compare(l2, verify.to_channels_first(l3), exact=True),
    }
    return levels, l2, timing


def _feature_geometry(tracker) -> tuple[int, int, int]:
    window = getCustomOp(tracker.get_node_from_name("SlidingWindow_correlation"))
    return window.attr("channels"), window.attr("ifm_dims")[0], EXEMPLAR_FEATURES


def run_tracker_graph(tracker: ModelWrapper, x_hw: np.ndarray, capture: np.ndarray,
                      frames_per_batch: int = 2) -> np.ndarray:
    """L3: the tracker graph's numpy ops over frames (channels-last) and their capture flags.
    Batches start at capture frames, so the exemplar memory never has to cross a batch."""
    starts = [i for i in range(0, len(x_hw), frames_per_batch)]
    if any(not capture[s] for s in starts):
        raise ValueError(f"every {frames_per_batch}th frame must be a capture frame")
    outs = []
    for s in starts:
        batch = x_hw[s:s + frames_per_batch]
        model = ModelWrapper(tracker.model, make_deepcopy=True)
        model.set_tensor_shape(model.graph.input[0].name, list(batch.shape))
        model.set_tensor_shape(CAPTURE_INPUT, [len(batch)])
        del model.graph.value_info[:]
        model = model.transform(InferShapes())
        with verify.unsanitized():
            context = execute_onnx(model, {model.graph.input[0].name: batch.astype(np.float32),
                                           CAPTURE_INPUT: capture[s:s + len(batch)].astype(np.float32)})
        outs.append(context[model.graph.output[0].name])
    return np.concatenate(outs).astype(np.int64)


def throughput_run(sim, design, tracker, x) -> dict:
    """One capture frame, then search frames back to back: cycles per search frame."""
    frames = np.concatenate([x[:1], x[1:2].repeat(PERF_SEARCH_FRAMES, axis=0)])
    flags = np.array([1] + [0] * PERF_SEARCH_FRAMES, dtype=np.uint8)
    started = time.time()
    _, perf = simulate_design(sim, design, tracker, frames, capture=flags)
    seconds = time.time() - started
    ends = perf["frame_last_output"][1:]
    return {"frames": len(frames), "cycles": perf["cycles"], "seconds": round(seconds, 2),
            "cycles_per_search_frame": steady_state_cycles({"frame_last_output": ends}),
            "capture_frame_latency_cycles": perf["frame_last_output"][0] - perf["frame_first_input"][0]}


def write_results(cfg, tracker, levels, timing, stats, perf, frames, refolded_fps, l5_run, host) -> None:
    clock = cfg.clock_mhz * 1e6
    nodes = [n for n in tracker.graph.node]
    ops = {n.name: {"op_type": n.op_type, "analytic_cycles": getCustomOp(n).cycles(),
                    "resources": getCustomOp(n).resources()} for n in nodes}
    bottleneck = max(ops, key=lambda k: ops[k]["analytic_cycles"])
    measured = perf["cycles_per_search_frame"]
    result = {
        "run": True, "pairs": frames // 2, "levels": levels,
        # set when backbone + correlation did not fit at the backbone's folding
        "refolded_for_fps": refolded_fps,
        "equal": all(v["equal"] for v in levels.values()),
        "bottleneck": bottleneck, "analytic_cycles_per_search_frame": ops[bottleneck]["analytic_cycles"],
        "measured_cycles_per_search_frame": measured,
        "search_frames_per_second": clock / measured,
        "resources": total_resources(tracker), "ops": ops,
        "l4_run": {"frames": frames, "cycles": stats["cycles"], "seconds": round(timing["l4_rtlsim"], 2),
                   "frames_per_second": frames / timing["l4_rtlsim"]},
        "l5_run": l5_run,  # the HLS C-simulation (None without the HLS backend)
        "host": host,  # the tracking loop's host work per frame (flow/targets/siamfc/host.py)
        "throughput_run": perf, "seconds": {k: round(v, 2) for k, v in timing.items()},
    }
    cfg.path("tracker", "tracker.json").write_text(json.dumps(result, indent=2, default=float) + "\n")
