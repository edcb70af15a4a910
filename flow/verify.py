"""The verification ladder: run each level on the same inputs and compare it with the level it must equal.

  L0  Brevitas model in torch, float64            (targets only)
  L1  QONNX (00_qonnx.onnx) executed by qonnx      must equal L0
  L2  reference.onnx in onnxruntime                must equal L1; a difference passes only where it
                                                   is shown on a rounding boundary (flow/rounding_boundary.py)
  L3  hardware graph (30_folded.onnx), numpy ops   must equal L2 bit-exactly
  L4  stitched RTL in Verilator                    must equal L2 bit-exactly
  L5  HLS C-simulation (g++)                       must equal L2 bit-exactly

Every comparison records inputs tried, max difference and mismatches. Float outputs (L0-L2)
count a mismatch where two levels disagree by half an output step (the output edge's scale)
or more; integer outputs (L2-L4) must match exactly.
"""

from __future__ import annotations

import os
from contextlib import contextmanager

import numpy as np
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_shapes import InferShapes
from tqdm import tqdm

from flow.ops.correlation import CAPTURE_INPUT


def compare(a: np.ndarray, b: np.ndarray, step: np.ndarray | float = 0.0, exact: bool = False) -> dict:
    """Compare two levels' outputs (N, ...); `step` is one integer step in output units."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return {"inputs": int(a.shape[0]), "shape_mismatch": [list(a.shape), list(b.shape)],
                "max_difference": None, "mismatches": int(a.shape[0]), "equal": False}
    bad = mismatch_mask(a, b, step, exact)
    return {
        "inputs": int(a.shape[0]),
        "max_difference": float(np.abs(a - b).max(initial=0.0)),
        "mismatches": int(bad.sum()),
        "inputs_with_mismatch": int(bad.reshape(len(bad), -1).any(axis=1).sum()) if bad.size else 0,
        # zero inputs show nothing: never "equal"
        "equal": bool(a.shape[0] > 0 and not bad.any()),
    }


def mismatch_mask(a: np.ndarray, b: np.ndarray, step: np.ndarray | float = 0.0, exact: bool = False) -> np.ndarray:
    """Where two levels' outputs of the same shape differ: at all when exact, else by half a step or more."""
    diff = np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))
    return diff > 0 if exact else diff >= np.broadcast_to(np.abs(step), diff.shape) / 2


def run_qonnx(model: ModelWrapper, x: np.ndarray, desc: str = "L1 qonnx") -> np.ndarray:
    """qonnx's executor, one input at a time (the QONNX graph has batch size 1)."""
    name_in, name_out = model.graph.input[0].name, model.graph.output[0].name
    outs = [execute_onnx(model, {name_in: x[i:i + 1]})[name_out]
            for i in tqdm(range(len(x)), desc=desc, leave=False)]
    return np.concatenate(outs)


@contextmanager
def unsanitized():
    """qonnx's executor rounds every integer-annotated tensor after each node (scanning it with
    Python's max, most of the time on large feature maps). Hardware ops compute exact integers,
    and a rounding would only hide an error, so it is off while they run."""
    old = os.environ.get("SANITIZE_QUANT_TENSORS")
    os.environ["SANITIZE_QUANT_TENSORS"] = "0"
    try:
        yield
    finally:
        if old is None:
            del os.environ["SANITIZE_QUANT_TENSORS"]
        else:
            os.environ["SANITIZE_QUANT_TENSORS"] = old


def execute_batch(model: ModelWrapper, x: np.ndarray, full_context: bool = False,
                  capture: np.ndarray | None = None):
    """qonnx's executor on a batch: the graph's batch-1 input shape is widened to x's; a design
    with an exemplar_capture input (flow/ops/correlation.py) takes the frames' flags."""
    model = ModelWrapper(model.model, make_deepcopy=True)
    name = model.graph.input[0].name
    model.set_tensor_shape(name, list(x.shape))
    inputs = {name: x.astype(np.float32)}
    if capture is not None:
        model.set_tensor_shape(CAPTURE_INPUT, [len(x)])
        inputs[CAPTURE_INPUT] = np.asarray(capture, np.float32)
    for value_info in list(model.graph.value_info):
        model.graph.value_info.remove(value_info)
    model = model.transform(InferShapes())
    with unsanitized():
        context = execute_onnx(model, inputs, return_full_exec_context=full_context)
    return context if full_context else context[model.graph.output[0].name]


def batches(frames: int, size: int, capture: np.ndarray | None = None) -> list[slice]:
    """Ranges of at most `size` frames (more only where one exemplar's frames are more) for the
    numpy ops; with capture flags each range starts at a capture frame, so the exemplar memory
    never has to cross from one range to the next."""
    if capture is None:
        return [slice(i, min(i + size, frames)) for i in range(0, frames, size)]
    starts = np.flatnonzero(capture).tolist()
    if frames and starts[:1] != [0]:
        raise ValueError("the first frame must be a capture frame: the exemplar memory starts empty")
    ranges, begin, previous = [], 0, 0
    for end in [*starts[1:], frames]:   # each exemplar's frames: previous .. end
        if end - begin > size and previous > begin:
            ranges.append(slice(begin, previous))
            begin = previous
        previous = end
    return ranges + [slice(begin, frames)] if frames else []


def run_hardware_graph(model: ModelWrapper, x_hw: np.ndarray, batch: int = 32,
                       capture: np.ndarray | None = None) -> np.ndarray:
    """L3: the hardware graph's numpy ops, node by node, over x (channels-last) in batches, with
    the frames' capture flags for a design that has them."""
    outs = [execute_batch(model, x_hw[r], capture=None if capture is None else capture[r])
            for r in tqdm(batches(len(x_hw), batch, capture), desc="L3 numpy ops", leave=False)]
    return np.concatenate(outs)


def output_step(int_model: ModelWrapper):
    """One integer step in output units: the output edge's Mul constant (1 when absent)."""
    for node in int_model.graph.node:
        if node.name.startswith("output_edge_Mul"):
            return np.asarray(int_model.get_initializer(node.input[1]), dtype=np.float64)
    return 1.0


def to_channels_last(x: np.ndarray) -> np.ndarray:
    return x.transpose(0, 2, 3, 1) if x.ndim == 4 else x


def to_channels_first(x: np.ndarray) -> np.ndarray:
    return x.transpose(0, 3, 1, 2) if x.ndim == 4 else x


def stable_topk(scores: np.ndarray, k: int) -> np.ndarray:
    """Top-k indices with ONNX TopK's order: largest first, lower index first among equals."""
    return np.argsort(-scores, axis=-1, kind="stable")[:, :k]
