"""The SiamFC tracker accelerator (backbone + correlation) as a second design of the build, with
steps of its own that the siamfc targets add after the generic ones (flow/targets/siamfc/__init__.py
tracker_steps). Its files: 40_tracker.onnx, reference_xcorr.onnx and, under tracker/, the files
a build keeps for its own design (reference_outputs.npz, rtl/, sim/, hls/, synth/, vivado/,
deploy/, board/), made by the same backend and board steps (TRACKER, a flow.config.DesignFiles).

  tracker_fold         40_tracker.onnx, tracker/fold.json     crop engine + backbone + correlation
  tracker_verify       reference_xcorr.onnx, tracker/reference_outputs.npz
                                                             L0..L3 on exemplar/search pairs
  tracker_host         tracker/host.json                      the tracking loop's host work
  tracker_codegen      tracker/rtl/                           Verilog (rtl)
  tracker_rtlsim       tracker/sim/rtlsim.json                L4, cycles per frame (rtl)
  tracker_hls_codegen  tracker/hls/                           HLS C++ (hls)
  tracker_hlssim       tracker/sim/hlssim.json                L5, g++ C-simulation (hls)
  tracker_package      tracker/vivado/, tracker/deploy/       board design, CAPTURE register (rtl)
  tracker_board        tracker/board/board.json               L6 on the emulated board (rtl)
  tracker_synth        tracker/synth/yosys.json               Yosys, with --synth (rtl)
"""

from __future__ import annotations

import dataclasses

import numpy as np
import onnx
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from deploy import crop_stream
from flow import rounding_boundary, verdict, verify
from flow.board.spec import load_board
from flow.config import DesignFiles
from flow.reference import CORE_IN, CORE_OUT, run_reference, session
from flow.steps import check_budget, run_torch_model
from flow.targets.siamfc.board import check_input_edge
from flow.targets.siamfc.host import time_host
from flow.targets.siamfc.pairs import (
    correlate_pairs,
    interleaved_scores,
    pair_frames,
    pair_streams,
    to_integers,
    xcorr_reference,
)
from flow.targets.siamfc.tracker_graph import (
    EXEMPLAR_FEATURES,
    append_correlation,
    fold_tracker_to_fit,
)

TRACKER = DesignFiles(folded="40_tracker.onnx", root="tracker", suffix="_tracker", scope="tracker")
PAIRS_SEED_OFFSET = 200   # pairs differ from the backbone's test inputs


def step_tracker_fold(cfg, frame_shape: tuple[int, int]) -> None:
    """Crop engine (frames of frame_shape), backbone and correlation at the backbone's folding
    (refolded to fit if need be)."""
    board = load_board(cfg.board)
    backbone = cfg.load_model("30_folded.onnx")
    target_cycles = max(getCustomOp(n).cycles() for n in backbone.graph.node)
    tracker, refolded_fps = fold_tracker_to_fit(
        append_correlation(cfg.load_model("20_hw.onnx")), cfg.read_json("folding.json"), target_cycles,
        cfg.clock_mhz, board, frame_shape)
    check_budget(tracker, board)
    tracker.save(str(cfg.path(TRACKER.folded)))
    # None unless backbone + correlation did not fit at the backbone's folding
    cfg.write_json(TRACKER.file("fold.json"), {"refolded_for_fps": refolded_fps})


def step_tracker_verify(cfg, pairs: int, frame_shape: tuple[int, int]) -> list[dict]:
    """L0..L3 on exemplar/search pairs; their L2 score maps are the tracker's reference outputs,
    their crop engine inputs its reference inputs."""
    tracker = cfg.load_model(TRACKER.folded)
    seed, side = cfg.seed + PAIRS_SEED_OFFSET, search_size(tracker)
    exemplars, frames, capture = pair_frames(pairs, seed, side)
    streams = pair_streams(pairs, seed, side, frame_shape)
    levels, codes, l2 = ladder(cfg, tracker, exemplars, frames, capture, streams)
    check_input_edge(frames, codes)
    check_crop_engine(streams, codes, side, frame_shape)
    np.savez(TRACKER.path(cfg, "reference_outputs.npz"),
             **{CORE_IN: streams.astype(np.int16), CORE_OUT: l2, "capture": capture})
    return [verdict.level(name, comparison, scope=TRACKER.scope,
                          rule="rounding_boundary" if "boundary_cases" in comparison else "exact")
            for name, comparison in levels.items()]


def pair_evidence(frames: rounding_boundary.Evidence) -> rounding_boundary.Evidence:
    """Evidence per frame -> per score map: a pair's maps (its capture and its search frame)
    are explained only when both frames' features are."""
    pairs = frames.explained[0::2] & frames.explained[1::2]
    return dataclasses.replace(frames, explained=np.repeat(pairs, 2))


def step_tracker_host(cfg) -> None:
    """The tracking loop's host work per frame, timed with the bit-exact reference scoring."""
    cfg.write_json(TRACKER.file("host.json"), time_host(cfg.out, search_size(cfg.load_model(TRACKER.folded))))


def search_size(tracker: ModelWrapper) -> int:
    """The side of the crops the tracker accelerator scores (its crop engine's out_size)."""
    return getCustomOp(tracker.get_node_from_name("BilinearCrop_0")).attr("out_size")


def check_crop_engine(streams: np.ndarray, codes: np.ndarray, side: int, frame_shape) -> None:
    """The crop engine's model cuts from its inputs the very crops reference.onnx took (codes:
    N x C x S x S INT8 codes), so L3 and below verify against the ladder's crops."""
    cut = np.stack([crop_stream.crop_codes(s.astype(np.uint8), side, *frame_shape) for s in streams])
    if not np.array_equal(cut.view(np.int8).transpose(0, 3, 1, 2), codes):
        raise RuntimeError("the crop engine's model does not cut the ladder's crops from its inputs")


def ladder(cfg, tracker, exemplars, frames, capture, streams) -> tuple[dict, np.ndarray, np.ndarray]:
    """L0..L3 score maps of the interleaved frames (L3 from their crop engine inputs, streams);
    returns (comparisons, the frames' integer codes at the backbone's input (N, C, H, W), their
    L2 score maps)."""
    step = verify.output_step(cfg.load_model("10_integer.onnx"))
    xcorr = xcorr_reference(*_feature_geometry(tracker))
    onnx.save(xcorr, str(cfg.path("reference_xcorr.onnx")))
    xcorr_session = session(xcorr)
    k = EXEMPLAR_FEATURES

    ref = run_reference(session(cfg.path("reference.onnx")), frames)
    features = ref[CORE_OUT].astype(np.int64)
    l2 = interleaved_scores(xcorr_session, features[0::2], features[1::2], k)
    qonnx_model = cfg.load_model("00_qonnx.onnx")
    l1_raw = verify.run_qonnx(qonnx_model, frames)
    l1_features = to_integers(l1_raw, step)
    l1 = interleaved_scores(xcorr_session, l1_features[0::2], l1_features[1::2], k)
    l1_evidence = pair_evidence(rounding_boundary.evidence(
        "L1", qonnx_model, cfg.load_model("10_integer.onnx"), frames, l1_raw,
        ref[qonnx_model.graph.output[0].name], step, False, rounding_boundary.qonnx_values(qonnx_model)))
    z = to_integers(run_torch_model(cfg, exemplars), step)
    xs = to_integers(run_torch_model(cfg, frames[1::2]), step)
    l0 = correlate_pairs(xcorr_session, z, xs)
    l3 = verify.run_hardware_graph(tracker, streams, capture=capture).astype(np.int64)
    levels = {
        "L0_L2": verify.compare(l0, l2[1::2], exact=True),
        # the backbone's features follow the backbone's rule; the correlation is exact, so a
        # score map differs only through features whose differences are shown on a boundary
        "L1_L2": rounding_boundary.boundary_cases(verify.compare(l1, l2, exact=True), l1, l2, 1, True,
                                                  l1_evidence),
        "L2_L3": verify.compare(l2, verify.to_channels_first(l3), exact=True),
    }
    return levels, ref[CORE_IN].astype(np.int64), l2


def _feature_geometry(tracker) -> tuple[int, int, int]:
    window = getCustomOp(tracker.get_node_from_name("SlidingWindow_correlation"))
    return window.attr("channels"), window.attr("ifm_dims")[0], EXEMPLAR_FEATURES
