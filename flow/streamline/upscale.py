"""DepthToSpace and nearest Resize: data movement, applied alike to the integer tensor and to the
scale and offset of its affine form (a Relu moves with the values, so it stays)."""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper, numpy_helper

from flow.streamline.affine import Affine
from flow.streamline.builder import Builder, compact, input_form
from flow.streamline.errors import UnsupportedGraph

SUPPORTED_RESIZE = "Resize in nearest mode by one integer factor >= 2 along height and width, " \
                   "whose coordinate mapping repeats each pixel"


def depth_to_space_nchw(x: np.ndarray, block: int, mode: str) -> np.ndarray:
    """ONNX DepthToSpace of an NCHW array, DCR or CRD."""
    n, c_in, h, w = x.shape
    c = c_in // (block * block)
    if mode == "DCR":
        moved = x.reshape(n, block, block, c, h, w).transpose(0, 3, 4, 1, 5, 2)
    else:
        moved = x.reshape(n, c, block, block, h, w).transpose(0, 1, 4, 2, 5, 3)
    return moved.reshape(n, c, h * block, w * block)


def nearest_nchw(x: np.ndarray, factor: int) -> np.ndarray:
    return np.repeat(np.repeat(x, factor, axis=2), factor, axis=3)


def depth_to_space(b: Builder, node):
    block = int(next(helper.get_attribute_value(a) for a in node.attribute if a.name == "blocksize"))
    mode = string_attribute(node, "mode", "DCR")
    _move(b, node, lambda a: depth_to_space_nchw(a, block, mode), "DepthToSpace",
          {"blocksize": block, "mode": mode}, [])


def resize(b: Builder, node):
    factor = nearest_factor(b, node)
    scales = b.const(f"{node.name}_scales", np.array([1, 1, factor, factor], np.float32))
    _move(b, node, lambda a: nearest_nchw(a, factor), "Resize",
          {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"},
          ["", scales])


def _move(b: Builder, node, move, op_type: str, attrs: dict, params: list[str]):
    form = input_form(b, node)
    in_shape = b.shape(node.input[0])
    if len(in_shape) != 4:
        raise UnsupportedGraph(node, f"input of rank {len(in_shape)}", "feature maps (N, C, H, W)")
    scale, offset = form.full(in_shape)
    int_out = b.fresh(f"{node.name}_out")
    b.emit(op_type, [form.int_name, *params], [int_out], node.name, **attrs)
    b.dtypes[int_out] = form.dtype
    b.forms[node.output[0]] = Affine(int_out, form.dtype, compact(move(np.asarray(scale))),
                                     compact(move(np.asarray(offset))), form.relu)


def string_attribute(node, name: str, default: str) -> str:
    """A string attribute of the node (ONNX stores bytes)."""
    value = next((helper.get_attribute_value(a) for a in node.attribute if a.name == name), default)
    return value.decode() if isinstance(value, bytes) else value


def nearest_factor(b: Builder, node) -> int:
    """The factor of a Resize that repeats every pixel over a square block; UnsupportedGraph
    otherwise. The node's own coordinate mapping decides, run by onnxruntime on pixel indices."""
    mode = string_attribute(node, "mode", "nearest")
    if mode != "nearest":
        raise UnsupportedGraph(node, f"mode '{mode}'", SUPPORTED_RESIZE)
    n, c, h, w = b.shape(node.input[0])
    out = b.shape(node.output[0])
    factor = out[2] // h
    if out[:2] != (n, c) or out[2] != h * factor or out[3] != w * factor or factor < 2:
        raise UnsupportedGraph(node, f"{(n, c, h, w)} resized to {out}", SUPPORTED_RESIZE)
    inputs = list(node.input) + [""] * (4 - len(node.input))
    params = [None if not name else b.source.get_initializer(name) for name in inputs[1:]]
    if any(name and value is None for name, value in zip(inputs[1:], params, strict=True)):
        raise UnsupportedGraph(node, "roi, scales or sizes computed at run time", "constants")
    pixels = np.arange(h * w, dtype=np.float32).reshape(1, 1, h, w)
    if not np.array_equal(_run_resize(node, pixels, inputs, params), nearest_nchw(pixels, factor)):
        raise UnsupportedGraph(node, "its coordinate mapping does not repeat each pixel "
                               f"{factor} x {factor} times", SUPPORTED_RESIZE)
    return factor


def _run_resize(node, pixels, inputs, params):
    """The node alone on a (1, 1, H, W) image: its roi and scales as given, its sizes (if any)
    those of one image and channel."""
    import onnxruntime as ort

    names, initializers = ["x"], []
    for i, (name, value) in enumerate(zip(inputs[1:], params, strict=True)):
        if i == 2 and value is not None:
            value = np.concatenate([[1, 1], np.asarray(value, dtype=np.int64)[2:]])
        names.append(f"p{i}" if name else "")
        if name:
            initializers.append(numpy_helper.from_array(np.asarray(value), f"p{i}"))
    while names[-1] == "":
        names.pop()
    graph = helper.make_graph(
        [helper.make_node("Resize", names, ["y"], **{a.name: helper.get_attribute_value(a)
                                                      for a in node.attribute})], "resize",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(pixels.shape))],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {"x": pixels})[0]
