"""Exemplar/search pairs through the tracker accelerator: the verification ladder of the score map.

Each pair is streamed as two frames, as the tracker streams them: a capture frame (a canvas the
size of the search crop holding the 127x127 exemplar at its top-left, exemplar_capture = 1) and
the search crop (exemplar_capture = 0). The accelerator cuts both itself (its crop engine,
deploy/crop_stream.py): it takes the search crop's header and video frame, and the canvas'
header and a frame holding the exemplar (pair_streams). Levels, all as integer score maps:

  L0  torch: the backbone on the 127x127 exemplar itself and on the search crop, correlated
  L1  qonnx (00_qonnx.onnx) on the canvas and the search crop, correlated
  L2  reference.onnx on both frames, then reference_xcorr.onnx (standard ONNX, float64): the
      canvas' top-left 17x17 features correlated with each frame's features
  L3  the tracker's hardware graph (40_tracker.onnx) in numpy, capture flags included
  L4  the stitched RTL in Verilator, capture flags driven as the host drives them

L0 uses the exemplar at its own size while L1..L4 use the canvas: L0 = L2 proves that the canvas'
top-left features are the exemplar's. L0 has the search frames only (a capture frame's map is
the canvas' self-correlation, which has no torch counterpart).
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from deploy import crop_stream
from deploy.crop import fill_colour, region
from flow.targets.siamfc.inputs import benchmark_pairs, pixels_to_model_input

OPSET = 17


def pair_frames(count: int, seed: int, search_size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(exemplar crops N x 3 x 127 x 127, interleaved frames 2N x 3 x S x S, capture flags 2N),
    network inputs; frame 2i is pair i's canvas, frame 2i + 1 its search crop."""
    pairs = benchmark_pairs(count, seed, search_size)
    exemplars = pixels_to_model_input(np.stack([pairs[i]["exemplar"].numpy() for i in range(count)]))
    searches = pixels_to_model_input(np.stack([pairs[i]["search"].numpy() for i in range(count)]))
    e = exemplars.shape[-1]
    canvases = np.zeros_like(searches)  # 0.0 is the int8 code 0 (pixel value 128)
    canvases[:, :, :e, :e] = exemplars
    frames = np.stack([canvases, searches], axis=1).reshape(2 * count, *searches.shape[1:])
    capture = np.tile(np.array([1, 0], dtype=np.uint8), count)
    return exemplars, frames, capture


def pair_streams(count: int, seed: int, search_size: int, frame_shape) -> np.ndarray:
    """pair_frames' frames as the crop engine's inputs (2N, bytes) uint8: frame 2i pair i's
    canvas, cut from a frame holding the exemplar, frame 2i + 1 its search crop's header and
    video frame (frame_shape (H, W), the benchmark's)."""
    pairs = benchmark_pairs(count, seed, search_size)
    streams = []
    for i in range(count):
        frame, centre, side = pairs.regions(i)["search"]
        if frame.shape[:2] != tuple(frame_shape):
            raise ValueError(f"the crop engine takes {frame_shape[0]} x {frame_shape[1]} frames, the "
                             f"benchmark's are {frame.shape[0]} x {frame.shape[1]}")
        streams.append(crop_stream.canvas_stream(pairs[i]["exemplar"].numpy(), search_size, frame_shape))
        streams.append(crop_stream.pack(region(frame.shape, centre, side, search_size), search_size, frame,
                                        fill_colour(frame)))
    return np.stack(streams)


def xcorr_reference(channels: int, side: int, exemplar_side: int) -> onnx.ModelProto:
    """Standard ONNX: exemplar features (N, C, k, k) and feature maps (N, C, H, H) -> score maps
    (N, 1, H-k+1, H-k+1), pair by pair, as im2col Slices and a float64 MatMul (onnxruntime has
    no float64 Conv; every product and sum is an integer far below 2^53, so it is exact)."""
    k, o = exemplar_side, side - exemplar_side + 1
    nodes, inits = [], []

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.int64), name))
        return name

    columns = []
    const("axes", [2, 3])
    for i in range(k):
        for j in range(k):
            s, e, u = f"s{i}_{j}", f"e{i}_{j}", f"u{i}_{j}"
            const(s, [i, j])
            const(e, [i + o, j + o])
            nodes.append(helper.make_node("Slice", ["features", s, e, "axes"], [f"w{i}_{j}"]))
            nodes.append(helper.make_node("Unsqueeze", [f"w{i}_{j}", const(f"a{u}", [2])], [u]))
            columns.append(u)
    nodes.append(helper.make_node("Concat", columns, ["patches5"], axis=2))  # (N, C, k*k, o, o)
    nodes.append(helper.make_node("Reshape", ["patches5", const("pshape", [0, channels * k * k, o * o])],
                                  ["patches"]))
    nodes.append(helper.make_node("Reshape", ["exemplar", const("zshape", [0, 1, channels * k * k])],
                                  ["z"]))
    nodes.append(helper.make_node("MatMul", ["z", "patches"], ["flat"]))
    nodes.append(helper.make_node("Reshape", ["flat", const("oshape", [0, 1, o, o])], ["scores"]))
    graph = helper.make_graph(
        nodes, "siamfc_xcorr_reference",
        [helper.make_tensor_value_info("exemplar", TensorProto.DOUBLE, ["N", channels, k, k]),
         helper.make_tensor_value_info("features", TensorProto.DOUBLE, ["N", channels, side, side])],
        [helper.make_tensor_value_info("scores", TensorProto.DOUBLE, ["N", 1, o, o])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])


def correlate_pairs(session, exemplar_features: np.ndarray, features: np.ndarray) -> np.ndarray:
    """Run reference_xcorr.onnx: (N, C, k, k) and (N, C, H, H) integer features -> int64 scores."""
    out = session.run(None, {"exemplar": exemplar_features.astype(np.float64),
                             "features": features.astype(np.float64)})[0]
    return out.astype(np.int64)


def interleaved_scores(session, canvas_features: np.ndarray, search_features: np.ndarray,
                       exemplar_side: int) -> np.ndarray:
    """Score maps of the interleaved frames (2N, 1, o, o): each canvas against its own top-left
    features (the capture frame), each search map against its pair's canvas' top-left."""
    z = canvas_features[:, :, :exemplar_side, :exemplar_side]
    own = correlate_pairs(session, z, canvas_features)
    search = correlate_pairs(session, z, search_features)
    return np.stack([own, search], axis=1).reshape(-1, *own.shape[1:])


def to_integers(features: np.ndarray, step) -> np.ndarray:
    """Float features of a level (multiples of the output step) -> their integer codes."""
    codes = np.asarray(features, dtype=np.float64) / np.asarray(step, dtype=np.float64)
    rounded = np.rint(codes)
    if np.abs(codes - rounded).max(initial=0.0) > 1e-3:
        raise ValueError("features are not multiples of the output step")
    return rounded.astype(np.int64)
