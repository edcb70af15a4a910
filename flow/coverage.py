"""python -m flow.coverage: which ONNX and QONNX ops, with which attributes, the compiler builds,
found by trying.

Each case is a small graph around one op: an input quantizer, the op (a layer with quantized
weights; a join of two branches where the op joins), an output quantizer. Every case goes through
the whole build on a few random inputs, both backends and the emulated board (flow.api.build:
L1 to L6); a case either builds with every check passed, or fails a check, or stops at a step
with that step's one-line message, which the table shows.

    python -m flow.coverage                       # every case: the table, and op_coverage.json
    python -m flow.coverage --cases Conv MaxPool  # the cases whose op is one of these
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.util.basic import qonnx_make_model

QONNX = "qonnx.custom_op.general"


class Graph:
    """A graph under construction: a current tensor that each op takes as its first input."""

    def __init__(self, shape):
        self.nodes, self.inits, self.count = [], {}, 0
        self.shape = list(shape)
        self.tensor = "x"
        self.out_type = TensorProto.FLOAT
        self.annotations = {}

    def const(self, value) -> str:
        self.count += 1
        name = f"c{self.count}"
        self.inits[name] = np.asarray(value, dtype=np.float32)
        return name

    def const_int(self, value) -> str:
        self.count += 1
        name = f"c{self.count}"
        self.inits[name] = np.asarray(value, dtype=np.int64)
        return name

    def op(self, op_type, *inputs, domain="", first=None, **attrs) -> str:
        self.count += 1
        out = f"t{self.count}"
        self.nodes.append(helper.make_node(op_type, [first or self.tensor, *inputs], [out], domain=domain,
                                           name=f"{op_type}_{self.count}", **attrs))
        self.tensor = out
        return out

    def quant(self, scale=0.125, bits=4, signed=True, zero_point=0, narrow=False, rounding="ROUND", first=None):
        return self.op("Quant", self.const(scale), self.const(zero_point), self.const(bits), domain=QONNX,
                       first=first, signed=int(signed), narrow=int(narrow), rounding_mode=rounding)

    def weights(self, shape, bits=4, seed=0) -> str:
        """A constant behind its weight quantizer, as Brevitas exports weights."""
        values = np.random.default_rng(seed).integers(-7, 8, shape) * 0.25
        self.count += 1
        out = f"w{self.count}"
        self.nodes.append(helper.make_node(
            "Quant", [self.const(values), self.const(0.25), self.const(0), self.const(bits)], [out],
            domain=QONNX, name=f"WeightQuant_{self.count}", signed=1, narrow=1, rounding_mode="ROUND"))
        return out

    def model(self) -> ModelWrapper:
        graph = helper.make_graph(
            self.nodes, "coverage", [helper.make_tensor_value_info("x", TensorProto.FLOAT, self.shape)],
            [helper.make_tensor_value_info(self.tensor, self.out_type, None)])
        model = ModelWrapper(qonnx_make_model(graph, opset_imports=[
            helper.make_opsetid("", 13), helper.make_opsetid(QONNX, 1)]))
        for name, value in self.inits.items():
            model.set_initializer(name, value)   # float32 constants, int64 shapes and counts
        for name, dtype in self.annotations.items():
            model.set_tensor_datatype(name, DataType[dtype])
        return model


@dataclass(frozen=True)
class Case:
    op: str
    attributes: str
    make: Callable[[], Graph]


def _feature_map(channels=4, side=6, **quant) -> Graph:
    g = Graph((1, channels, side, side))
    g.quant(**quant)
    return g


def _conv(channels_out=4, kernel=3, seed=0, group=1, channels_in=4, **attrs) -> Callable[[], Graph]:
    def make():
        g = _feature_map(channels_in)
        g.op("Conv", g.weights((channels_out, channels_in // group, kernel, kernel), seed=seed),
             kernel_shape=[kernel, kernel], group=group, **attrs)
        g.quant(0.5)
        return g
    return make


def _then(op_type, *consts, channels=4, **attrs) -> Callable[[], Graph]:
    """A quantized feature map, the op (with constant inputs), an output quantizer."""
    def make():
        g = _feature_map(channels)
        g.op(op_type, *[g.const(c) if c is not None else "" for c in consts], **attrs)
        g.quant(0.5)
        return g
    return make


def _dense(then=None, **attrs) -> Callable[[], Graph]:
    def make():
        g = Graph((1, 16))
        g.quant()
        g.op("MatMul", g.weights((16, 10)))
        if then is not None:
            then(g)
        else:
            g.quant(0.5)
        return g
    return make


def _join(op_type, **attrs) -> Callable[[], Graph]:
    """Two branches of one feature map joined: the map itself and a convolution of it."""
    def make():
        g = _feature_map()
        skip = g.tensor
        g.op("Conv", g.weights((4, 4, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        g.quant()
        g.op(op_type, skip, **attrs)
        g.quant(0.5)
        return g
    return make


def _bipolar(**attrs) -> Callable[[], Graph]:
    """W1A1: bipolar inputs and weights (BipolarQuant), as BNN-PYNQ's networks."""
    def make():
        g = Graph((1, 4, 6, 6))
        g.op("BipolarQuant", g.const(1.0), domain=QONNX)
        g.count += 1
        w = f"w{g.count}"
        g.nodes.append(helper.make_node(
            "BipolarQuant", [g.const(np.random.default_rng(0).normal(size=(4, 4, 3, 3))), g.const(1.0)], [w],
            domain=QONNX, name="WeightQuant_bipolar"))
        g.op("Conv", w, kernel_shape=[3, 3], **attrs)
        g.op("BipolarQuant", g.const(1.0), domain=QONNX)
        return g
    return make


def _input_edge(op_type) -> Callable[[], Graph]:
    def make():
        g = Graph((1, 4, 6, 6))
        g.op(op_type)
        g.quant(0.125, bits=5, signed=False)
        g.op("Conv", g.weights((4, 4, 3, 3)), kernel_shape=[3, 3])
        g.quant(0.5)
        return g
    return make


def _declared_input() -> Graph:
    g = Graph((1, 3, 6, 6))
    g.annotations["x"] = "UINT8"
    g.op("Conv", g.const(np.random.default_rng(0).integers(-127, 128, (4, 3, 3, 3))), kernel_shape=[3, 3])
    g.op("Mul", g.const(2.0**-12))
    g.quant(1.0, signed=False)
    return g


def _float_quant() -> Graph:
    g = Graph((1, 16))
    g.op("FloatQuant", g.const(1.0), g.const(4), g.const(3), g.const(7), g.const(448.0), domain=QONNX)
    g.op("MatMul", g.weights((16, 10)))
    g.quant(0.5)
    return g


CASES = [
    Case("Conv", "3x3, pads 1", _conv(pads=[1, 1, 1, 1])),
    Case("Conv", "3x3, stride 2", _conv(strides=[2, 2])),
    Case("Conv", "1x1", _conv(kernel=1)),
    Case("Conv", "3x3, pads 1 on a bipolar map (W1A1)", _bipolar(pads=[1, 1, 1, 1])),
    Case("Conv", "3x3, dilation 2", _conv(dilations=[2, 2])),
    Case("Conv", "3x3, group 2", _conv(group=2)),
    Case("Conv", "3x3 depthwise (group = channels)", _conv(group=4)),
    Case("Conv", "3x3, bipolar inputs and weights (XNOR)", _bipolar()),
    Case("MatMul", "(N, 16) x (16, 10)", _dense()),
    Case("Gemm", "transB, alpha, beta, bias", lambda: _gemm(transB=1, alpha=0.5, beta=2.0)),
    Case("Gemm", "transA", lambda: _gemm(transA=1)),
    Case("BatchNormalization", "after Conv, negative scales", lambda: _batchnorm()),
    Case("Mul, Add, Sub, Div", "by per-channel constants", lambda: _arith()),
    Case("Mul", "of two branches", _join("Mul")),
    Case("Relu", "between Conv and Quant", lambda: _relu()),
    Case("Relu", "before the input quantizer", _input_edge("Relu")),
    Case("Sigmoid", "", _then("Sigmoid")),
    Case("Tanh", "", _then("Tanh")),
    Case("Clip", "0..6 (ReLU6)", _then("Clip", 0.0, 6.0)),
    Case("MaxPool", "2x2, stride 2", _then("MaxPool", kernel_shape=[2, 2], strides=[2, 2])),
    Case("MaxPool", "3x3, stride 2", _then("MaxPool", kernel_shape=[3, 3], strides=[2, 2])),
    Case("MaxPool", "2x2, ceil_mode", _then("MaxPool", kernel_shape=[2, 2], strides=[2, 2], ceil_mode=1)),
    Case("AveragePool", "2x2, stride 2", _then("AveragePool", kernel_shape=[2, 2], strides=[2, 2])),
    Case("GlobalAveragePool", "", _then("GlobalAveragePool")),
    Case("Add", "of two branches (residual)", _join("Add")),
    Case("Concat", "of two branches, channels", _join("Concat", axis=1)),
    Case("DepthToSpace", "DCR, block 2", _then("DepthToSpace", blocksize=2, mode="DCR")),
    Case("DepthToSpace", "CRD, block 2, after Conv", lambda: _conv_then("DepthToSpace", blocksize=2, mode="CRD")),
    Case("SpaceToDepth", "block 2", _then("SpaceToDepth", blocksize=2)),
    Case("Resize", "nearest x2 (asymmetric, floor)",
         _then("Resize", None, [1, 1, 2, 2], mode="nearest", coordinate_transformation_mode="asymmetric",
               nearest_mode="floor")),
    Case("Resize", "linear x2", _then("Resize", None, [1, 1, 2, 2], mode="linear")),
    Case("Pad", "1 pixel, constant 0", lambda: _pad()),
    Case("Transpose", "NCHW -> NHWC", _then("Transpose", perm=[0, 2, 3, 1])),
    Case("Softmax", "over classes", _dense(then=lambda g: (g.quant(0.5), g.op("Softmax", axis=-1)))),
    Case("TopK", "k = 3, the indices out", _dense(then=lambda g: _top(g, "TopK", g.const_int([3])))),
    Case("ArgMax", "", _dense(then=lambda g: _top(g, "ArgMax", axis=1, keepdims=1))),
    Case("Quant", "zero point 2, FLOOR rounding, narrow", lambda: _quant_variant()),
    Case("Quant", "input declared UINT8 (qonnx annotation), integer weights", _declared_input),
    Case("FloatQuant", "fp8 e4m3", _float_quant),
]


def _top(g: Graph, op_type, *inputs, **attrs):
    """Class scores, then the op's indices as the graph's output (as qonnx's InsertTopK does)."""
    g.quant(0.5)
    scores = g.tensor
    g.count += 1
    indices = f"t{g.count}"
    outputs = [f"{indices}_values", indices] if op_type == "TopK" else [indices]
    g.nodes.append(helper.make_node(op_type, [scores, *inputs], outputs, name=f"{op_type}_{g.count}", **attrs))
    g.tensor, g.out_type = indices, TensorProto.INT64


def _gemm(**attrs) -> Graph:
    g = Graph((1, 16))
    g.quant()
    shape = (1, 10) if attrs.get("transA") else (10, 16) if attrs.get("transB") else (16, 10)
    g.op("Gemm", g.weights(shape), g.const(np.arange(10) * 0.25), **attrs)
    g.quant(0.5)
    return g


def _batchnorm() -> Graph:
    g = _feature_map()
    g.op("Conv", g.weights((4, 4, 3, 3)), kernel_shape=[3, 3])
    g.op("BatchNormalization", g.const([1.5, -0.7, 0.9, -2.0]), g.const([0.1, 0.2, -0.3, 0.0]),
         g.const([0.5, -0.5, 0.25, 0.0]), g.const([1.0, 2.0, 0.5, 1.5]))
    g.quant(0.5)
    return g


def _arith() -> Graph:
    g = _feature_map()
    g.op("Conv", g.weights((4, 4, 3, 3)), kernel_shape=[3, 3])
    g.op("Mul", g.const(np.array([0.5, 2.0, 1.0, 0.25]).reshape(1, 4, 1, 1)))
    g.op("Add", g.const(np.array([0.5, -1.0, 0.0, 0.25]).reshape(1, 4, 1, 1)))
    g.op("Sub", g.const(0.125))
    g.op("Div", g.const(2.0))
    g.quant(0.5)
    return g


def _relu() -> Graph:
    g = _feature_map()
    g.op("Conv", g.weights((4, 4, 3, 3)), kernel_shape=[3, 3])
    g.op("Relu")
    g.quant(0.5, signed=False)
    return g


def _conv_then(op_type, **attrs) -> Graph:
    g = _feature_map()
    g.op("Conv", g.weights((8, 4, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    g.op(op_type, **attrs)
    g.quant(0.5)
    return g


def _pad() -> Graph:
    g = _feature_map()
    g.op("Pad", g.const_int([0, 0, 1, 1, 0, 0, 1, 1]))
    g.op("Conv", g.weights((4, 4, 3, 3)), kernel_shape=[3, 3])
    g.quant(0.5)
    return g


def _quant_variant() -> Graph:
    g = Graph((1, 4, 6, 6))
    g.quant(0.125, bits=5, signed=False, zero_point=2, rounding="FLOOR")
    g.op("Conv", g.weights((4, 4, 3, 3)), kernel_shape=[3, 3])
    g.quant(0.5, narrow=True, rounding="HALF_UP")
    return g


def run_case(case: Case, workdir: Path, inputs: int) -> dict:
    """Build the case's graph; what happened, in the table's terms."""
    from flow.api import build
    from flow.pipeline import StepFailed

    path = workdir / "model.onnx"
    case.make().model().save(str(path))
    entry = {"op": case.op, "attributes": case.attributes}
    try:
        result = build(str(path), out=workdir / "build", inputs=inputs, fps=20000, op_sim=False, verbose=False)
    except (StepFailed, ValueError) as err:
        text = str(err).strip().splitlines()[0]
        step = text.split("'")[1] if text.startswith("step '") else "configure"
        message = text.split(" failed: ", 1)[1] if " failed: " in text else text
        return {**entry, "result": "stops", "step": step, "message": message}
    hardware = [op["name"].rsplit("_", 1)[0] for op in result.report["ops"]
                if not op["name"].startswith(("FIFO", "DataWidthConverter"))]
    levels = sorted(result.report["verification"])
    return {**entry, "result": "builds" if result.passed else "fails a check",
            "hardware": list(dict.fromkeys(hardware)), "levels": levels, "inputs": inputs,
            "failures": result.failures}


def table(entries: list[dict]) -> str:
    lines = ["| op | attributes | result | hardware ops, or where it stops and why |", "|---|---|---|---|"]
    for e in entries:
        if e["result"] == "stops":   # what it supports instead is in the JSON
            detail = f"{e['step']}: {e['message'].split(' (supported: ')[0]}"
        else:
            detail = ", ".join(e["hardware"]) + f"; {', '.join(e['levels'])} on {e['inputs']} inputs"
            if e["failures"]:
                detail += "; failed: " + "; ".join(e["failures"])
        lines.append(f"| {e['op']} | {e['attributes'] or '-'} | {e['result']} | {detail.replace('|', '/')} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m flow.coverage", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cases", nargs="+", metavar="OP", help="only the cases of these ops")
    ap.add_argument("--inputs", type=int, default=3, help="random test inputs per build (default 3)")
    ap.add_argument("--json", type=Path, help="write the entries here")
    args = ap.parse_args(argv)
    cases = [c for c in CASES if not args.cases or c.op in args.cases]
    if not cases:
        ap.error(f"--cases {' '.join(args.cases)}: no such op among the cases "
                 f"({', '.join(sorted({c.op for c in CASES}))})")
    entries = []
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases):
            print(f"[{i + 1}/{len(cases)}] {case.op} {case.attributes}", file=sys.stderr, flush=True)
            workdir = Path(tmp) / str(i)
            workdir.mkdir()
            entries.append(run_case(case, workdir, args.inputs))
    print(table(entries))
    if args.json:
        args.json.write_text(json.dumps({"command": "python -m flow.coverage", "entries": entries},
                                        indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
