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
from qonnx.core.modelwrapper import ModelWrapper

from flow.qonnx_graph import QONNX_DOMAIN, GraphBuilder


def _weights(g: GraphBuilder, shape, bits=4, seed=0) -> str:
    """Random 4-bit weights behind their quantizer."""
    return g.quantized_weight(np.random.default_rng(seed).integers(-7, 8, shape) * 0.25, 0.25, bits)


@dataclass(frozen=True)
class Case:
    op: str
    attributes: str
    make: Callable[[], ModelWrapper]


def _feature_map(channels=4, side=6) -> GraphBuilder:
    """A quantized feature map to put an op on."""
    return GraphBuilder((1, channels, side, side)).quant(0.125)


def _conv(channels_out=4, kernel=3, seed=0, group=1, channels_in=4, **attrs) -> Callable[[], ModelWrapper]:
    def make():
        g = _feature_map(channels_in)
        g.op("Conv", _weights(g, (channels_out, channels_in // group, kernel, kernel), seed=seed),
             kernel_shape=[kernel, kernel], group=group, **attrs)
        g.quant(0.5)
        return g.model()
    return make


def _then(op_type, *consts, channels=4, **attrs) -> Callable[[], ModelWrapper]:
    """A quantized feature map, the op (with constant inputs), an output quantizer."""
    def make():
        g = _feature_map(channels)
        g.op(op_type, *[g.const(c) if c is not None else "" for c in consts], **attrs)
        g.quant(0.5)
        return g.model()
    return make


def _dense(then=None) -> Callable[[], ModelWrapper]:
    """A dense layer on a quantized vector, then `then(g)`, else an output quantizer."""
    def make():
        g = GraphBuilder((1, 16))
        g.quant(0.125)
        g.op("MatMul", _weights(g, (16, 10)))
        if then is not None:
            then(g)
        else:
            g.quant(0.5)
        return g.model()
    return make


def _join(op_type, branch_scale=0.125, **attrs) -> Callable[[], ModelWrapper]:
    """Two branches of one feature map joined: the map itself (scale 0.125) and a convolution of it
    (quantized at branch_scale)."""
    def make():
        g = _feature_map()
        skip = g.tensor
        g.op("Conv", _weights(g, (4, 4, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
        g.quant(branch_scale)
        g.op(op_type, skip, **attrs)
        g.quant(0.5)
        return g.model()
    return make


def _bipolar(**attrs) -> Callable[[], ModelWrapper]:
    """W1A1: bipolar inputs and weights (BipolarQuant), as BNN-PYNQ's networks."""
    def make():
        g = GraphBuilder((1, 4, 6, 6)).bipolar()
        g.op("Conv", g.bipolar_weight(np.random.default_rng(0).normal(size=(4, 4, 3, 3))), kernel_shape=[3, 3],
             **attrs)
        return g.bipolar().model()
    return make


def _input_edge(op_type) -> Callable[[], ModelWrapper]:
    def make():
        g = GraphBuilder((1, 4, 6, 6))
        g.op(op_type)
        g.quant(0.125, bits=5, signed=False)
        g.op("Conv", _weights(g, (4, 4, 3, 3)), kernel_shape=[3, 3])
        g.quant(0.5)
        return g.model()
    return make


def _declared_input() -> ModelWrapper:
    g = GraphBuilder((1, 3, 6, 6))
    g.op("Conv", g.const(np.random.default_rng(0).integers(-127, 128, (4, 3, 3, 3))), kernel_shape=[3, 3])
    g.op("Mul", g.const(2.0**-12))
    g.quant(1.0, signed=False)
    return g.model(input_datatype="UINT8")


def _float_quant() -> ModelWrapper:
    g = GraphBuilder((1, 16))
    g.op("FloatQuant", g.const(1.0), g.const(4), g.const(3), g.const(7), g.const(448.0), domain=QONNX_DOMAIN)
    g.op("MatMul", _weights(g, (16, 10)))
    g.quant(0.5)
    return g.model()


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
    Case("AveragePool", "over the whole map, then Trunc (Brevitas' TruncAvgPool)", lambda: _trunc_avg_pool()),
    Case("Add", "of two branches (residual)", _join("Add")),
    Case("Add", "of two branches, scales 0.25 and 0.125", _join("Add", branch_scale=0.25)),
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
    Case("Softmax", "over classes", _dense(then=lambda g: g.quant(0.5).op("Softmax", axis=-1))),
    Case("TopK", "k = 3, the indices out", _dense(then=lambda g: g.quant(0.5).indices("TopK", g.const([3], np.int64)))),
    Case("ArgMax", "", _dense(then=lambda g: g.quant(0.5).indices("ArgMax", axis=1, keepdims=1))),
    Case("Quant", "zero point 2, FLOOR rounding, narrow", lambda: _quant_variant()),
    Case("Quant", "input declared UINT8 (qonnx annotation), integer weights", _declared_input),
    Case("FloatQuant", "fp8 e4m3", _float_quant),
]


def _gemm(**attrs) -> ModelWrapper:
    g = GraphBuilder((1, 16))
    g.quant(0.125)
    shape = (1, 10) if attrs.get("transA") else (10, 16) if attrs.get("transB") else (16, 10)
    g.op("Gemm", _weights(g, shape), g.const(np.arange(10) * 0.25), **attrs)
    g.quant(0.5)
    return g.model()


def _trunc_avg_pool() -> ModelWrapper:
    """The mean's 8-bit codes (scale 2^-3 / 36 rounded to 2^-8) truncated to 4 bits (QONNX opset 2)."""
    g = _feature_map()
    g.op("AveragePool", kernel_shape=[6, 6])
    g.op("Trunc", g.const(2.0**-8), g.const(0.0), g.const(8.0), g.const(2.0**-4), g.const(4.0),
         domain=QONNX_DOMAIN, rounding_mode="FLOOR", signed=1, narrow=0)
    return g.model(qonnx_opset=2)


def _batchnorm() -> ModelWrapper:
    g = _feature_map()
    g.op("Conv", _weights(g, (4, 4, 3, 3)), kernel_shape=[3, 3])
    g.op("BatchNormalization", g.const([1.5, -0.7, 0.9, -2.0]), g.const([0.1, 0.2, -0.3, 0.0]),
         g.const([0.5, -0.5, 0.25, 0.0]), g.const([1.0, 2.0, 0.5, 1.5]))
    g.quant(0.5)
    return g.model()


def _arith() -> ModelWrapper:
    g = _feature_map()
    g.op("Conv", _weights(g, (4, 4, 3, 3)), kernel_shape=[3, 3])
    g.op("Mul", g.const(np.array([0.5, 2.0, 1.0, 0.25]).reshape(1, 4, 1, 1)))
    g.op("Add", g.const(np.array([0.5, -1.0, 0.0, 0.25]).reshape(1, 4, 1, 1)))
    g.op("Sub", g.const(0.125))
    g.op("Div", g.const(2.0))
    g.quant(0.5)
    return g.model()


def _relu() -> ModelWrapper:
    g = _feature_map()
    g.op("Conv", _weights(g, (4, 4, 3, 3)), kernel_shape=[3, 3])
    g.op("Relu")
    g.quant(0.5, signed=False)
    return g.model()


def _conv_then(op_type, **attrs) -> ModelWrapper:
    g = _feature_map()
    g.op("Conv", _weights(g, (8, 4, 3, 3)), kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    g.op(op_type, **attrs)
    g.quant(0.5)
    return g.model()


def _pad() -> ModelWrapper:
    g = _feature_map()
    g.op("Pad", g.const([0, 0, 1, 1, 0, 0, 1, 1], np.int64))
    g.op("Conv", _weights(g, (4, 4, 3, 3)), kernel_shape=[3, 3])
    g.quant(0.5)
    return g.model()


def _quant_variant() -> ModelWrapper:
    g = GraphBuilder((1, 4, 6, 6))
    g.quant(0.125, bits=5, signed=False, zero_point=2, rounding="FLOOR")
    g.op("Conv", _weights(g, (4, 4, 3, 3)), kernel_shape=[3, 3])
    g.quant(0.5, narrow=True, rounding="HALF_UP")
    return g.model()


def run_case(case: Case, workdir: Path, inputs: int) -> dict:
    """Build the case's graph; what happened, in the table's terms."""
    from flow.api import build
    from flow.pipeline import StepFailed

    path = workdir / "model.onnx"
    case.make().save(str(path))
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
