"""The SiamFC tracker accelerator: the crop engine, the folded backbone, the cross-correlation.

The backbone's hardware graph (20_hw.onnx) gains a SlidingWindow of the exemplar's size
(17x17) over its 49x49xC output and a Correlation op (flow/ops/correlation.py), whose exemplar
memory is written at run time by a capture frame: a 255x255 canvas holding the 127x127
exemplar crop at its top-left, whose top-left 17x17 features are the exemplar's own (the
backbone is unpadded). The graph gets a second input, `exemplar_capture`, one flag per frame.
The backbone keeps the folding and FIFO depths of the build's fold step; the correlation gets
the least SIMD that reaches the same frame rate.

In front goes the crop engine (flow/ops/bilinear_crop.py): the accelerator takes a crop's header
and the whole video frame (deploy/crop_stream.py) and cuts the crop itself, with Pillow's bytes,
so that the board's host does not; a capture frame is the canvas cut from a frame holding the
exemplar (crop_stream.canvas_stream). Its FIFOs are named apart (FIFO_crop_*), so the backbone's
keep their names and depths.
"""

from __future__ import annotations

from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_shapes import InferShapes

from flow.estimate import total_resources
from flow.fold import DOT_TREE_ATTRS, apply_folding, auto_folding, fit_to_board
from flow.insert_plumbing import insert_plumbing
from flow.lower import make_attribute
from flow.ops import DOMAIN
from flow.ops.base import divisors
from flow.ops.correlation import CAPTURE_INPUT, score_dtype
from flow.streamline.errors import UnsupportedGraph

EXEMPLAR_FEATURES = 17  # side of the exemplar's feature map (models/siamfc.py: 127 -> 17)
CROP_INPUT = "crop_stream"   # the crop engine's input: a crop's header and the frame
# the crop engine's output FIFO: the engine pauses between output rows to fetch frame rows (a
# few hundred cycles at 320 x 240), while the backbone takes a pixel every few cycles
CROP_FIFO_DEPTH = 512


def append_correlation(hw: ModelWrapper, exemplar_side: int = EXEMPLAR_FEATURES) -> ModelWrapper:
    """Backbone hardware graph (N, H, W, C) -> tracker graph (N, H-k+1, W-k+1, 1) of scores."""
    hw = ModelWrapper(hw.model, make_deepcopy=True)
    out = hw.graph.output[0]
    shape = hw.get_tensor_shape(out.name)
    dtype = hw.get_tensor_datatype(out.name)
    if len(shape) != 4 or not dtype.signed() or dtype == DataType["BIPOLAR"]:
        raise UnsupportedGraph(None, f"backbone output {out.name} of shape {shape}, {dtype.name}",
                               "a signed integer feature map (N, H, W, C) to correlate")
    _, h, w, c = shape
    k = exemplar_side
    if h < k or w < k:
        raise UnsupportedGraph(None, f"feature map {h}x{w} smaller than the exemplar's {k}x{k}")
    features = "backbone_features"
    for node in hw.graph.node:
        node.output[:] = [features if o == out.name else o for o in node.output]
    oh, ow, mw = h - k + 1, w - k + 1, k * k * c
    window = _node("SlidingWindow", [features], "SlidingWindow_correlation",
                   ifm_dims=[h, w], channels=c, kernel=[k, k], stride=[1, 1], pads=[0, 0, 0, 0],
                   out_dtype=dtype.name)
    score = _node("Correlation", [window.output[0], CAPTURE_INPUT], "Correlation_0",
                  MW=mw, in_dtype=dtype.name, out_dtype=score_dtype(dtype, mw).name,
                  vector_dims=[oh, ow], out=out.name)
    hw.graph.node.extend([window, score])
    hw.graph.input.append(helper.make_tensor_value_info(CAPTURE_INPUT, TensorProto.FLOAT, [shape[0]]))
    out.type.tensor_type.shape.dim[3].dim_value = 1
    for d, v in zip(out.type.tensor_type.shape.dim[1:3], (oh, ow), strict=True):
        d.dim_value = v
    hw = hw.transform(InferShapes())
    for node in hw.graph.node:
        getCustomOp(node).infer_node_datatype(hw)
    return hw


def _node(op_type, inputs, name, out=None, **attrs):
    node = helper.make_node(op_type, inputs, [out or f"{name}_out"], name=name, domain=DOMAIN)
    node.attribute.extend(make_attribute(k, v) for k, v in attrs.items())
    node.doc_string = "SiamFC tracker (flow/targets/siamfc/tracker_graph.py)"
    return node


def correlation_simd(tracker: ModelWrapper, target_cycles: float) -> int:
    """The least SIMD (dividing the features' channels) at which the correlation keeps pace."""
    window = getCustomOp(tracker.get_node_from_name("SlidingWindow_correlation"))
    corr = getCustomOp(tracker.get_node_from_name("Correlation_0"))
    channels = window.attr("channels")
    for simd in divisors(channels):
        corr.set_nodeattr("SIMD", simd)
        if corr.cycles() <= target_cycles:
            break
    corr.set_nodeattr("SIMD", 1)
    return simd


def fold_tracker(tracker: ModelWrapper, backbone_folding: dict, target_cycles: float, board,
                 frame_shape: tuple[int, int]) -> ModelWrapper:
    """The backbone's folding (its FIFOs included, which keep their names: the new ops come
    last) plus the correlation's SIMD; plumbing; the crop engine for frames of frame_shape
    (H, W) in front; DSP slices and weight memories fitted to the board. The backbone's dot
    products get their slices anew, from what the crop engine leaves."""
    tracker = ModelWrapper(tracker.model, make_deepcopy=True)
    simd = correlation_simd(tracker, target_cycles)
    ops = {k: {a: v for a, v in attrs.items() if a not in DOT_TREE_ATTRS}
           for k, attrs in backbone_folding.items() if not k.startswith("FIFO_")}
    ops.update({"SlidingWindow_correlation": {"SIMD": simd}, "Correlation_0": {"SIMD": simd}})
    tracker = insert_plumbing(apply_folding(tracker, ops, plumbing_later=True))
    fifos = {k: v for k, v in backbone_folding.items() if k.startswith("FIFO_")
             and tracker.get_node_from_name(k) is not None}
    apply_folding(tracker, fifos)
    tracker = prepend_crop(tracker, frame_shape)
    fit_to_board(tracker, board)
    return tracker


def fold_tracker_to_fit(tracker: ModelWrapper, backbone_folding: dict, target_cycles: float,
                        clock_mhz: float, board, frame_shape: tuple[int, int]) -> tuple[ModelWrapper, float | None]:
    """fold_tracker; when the tracker's ops together exceed the board's budget by the
    estimate, the whole graph is refolded automatically (flow/fold.py) for the highest frame
    rate that fits. Returns (folded graph, that frame rate or None when none was needed)."""
    folded = fold_tracker(tracker, backbone_folding, target_cycles, board, frame_shape)
    if fits(folded, board):
        return folded, None
    lo, hi = 1.0, clock_mhz * 1e6 / target_cycles
    best = None
    for _ in range(10):
        fps = (lo + hi) / 2
        trial = fold_tracker(tracker, auto_folding(tracker, fps, clock_mhz), clock_mhz * 1e6 / fps, board,
                             frame_shape)
        lo, hi, best = (fps, hi, (trial, fps)) if fits(trial, board) else (lo, fps, best)
    if best is None:
        raise UnsupportedGraph(None, "the tracker accelerator exceeds the board's budget at any folding")
    return best


def fits(model: ModelWrapper, board) -> bool:
    total, budget = total_resources(model), board.budget()
    return all(total[k] <= budget[k] for k in budget)


def prepend_crop(tracker: ModelWrapper, frame_shape: tuple[int, int]) -> ModelWrapper:
    """The folded tracker graph (plumbing in) behind a crop engine for frames of frame_shape
    (H, W): its input becomes the crop stream (N, bytes) UINT8."""
    tracker = ModelWrapper(tracker.model, make_deepcopy=True)
    graph_in = tracker.graph.input[0]
    n, side = tracker.get_tensor_shape(graph_in.name)[:2]
    first = getCustomOp(tracker.find_consumer(graph_in.name))
    crop_attrs = dict(out_size=side, frame_height=frame_shape[0], frame_width=frame_shape[1])
    engine = _node("BilinearCrop", [f"{CROP_INPUT}_fifo"], "BilinearCrop_0", **crop_attrs)
    stream = getCustomOp(engine).in_stream()
    nodes = [_fifo("FIFO_crop_in", CROP_INPUT, engine.input[0], [stream.words * stream.elems], stream, 2)]
    pixels = getCustomOp(engine).out_stream()
    crop_out, shape = engine.output[0], [side, side, 3]
    wanted = first.in_stream().elems
    fifo_out = graph_in.name if wanted == pixels.elems else "crop_fifo_out"
    nodes += [engine, _fifo("FIFO_crop", crop_out, fifo_out, shape, pixels, CROP_FIFO_DEPTH)]
    if wanted != pixels.elems:
        nodes.append(_node("DataWidthConverter", [fifo_out], "DataWidthConverter_crop", out=graph_in.name,
                           shape=shape, out_dtype=pixels.dtype.name, in_elems=pixels.elems, out_elems=wanted))
    for node in reversed(nodes):
        tracker.graph.node.insert(0, node)
    new_in = helper.make_tensor_value_info(CROP_INPUT, TensorProto.FLOAT, [n, stream.words * stream.elems])
    tracker.graph.input.remove(graph_in)
    tracker.graph.input.insert(0, new_in)
    tracker.set_tensor_datatype(CROP_INPUT, DataType["UINT8"])
    tracker = tracker.transform(InferShapes())
    for node in tracker.graph.node:
        getCustomOp(node).infer_node_datatype(tracker)
    return tracker


def _fifo(name, tensor, out, shape, stream, depth):
    return _node("FIFO", [tensor], name, out=out, shape=list(shape), out_dtype=stream.dtype.name,
                 elems=stream.elems, depth=depth)
