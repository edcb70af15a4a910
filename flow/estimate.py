"""Analytic resource estimates per hardware op (LUT, FF, BRAM36, DSP) for 7-series parts.

First-principles models of the RTL in hw/rtl/, with constants calibrated against Yosys
synth_xilinx on those modules (benchmarks/calibrate_estimates.py). Memories are the ones each
op declares (op.memories(), with the RAM style its RTL is given): block RAM counted by the
RAMB36/RAMB18 aspect ratios, distributed ROM as 64 bits per LUT, distributed RAM as 48.
"""

from __future__ import annotations

import math

from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.ops import (
    FIFO,
    MVAU,
    DataWidthConverter,
    LabelSelect,
    MaxPool,
    SlidingWindow,
    Thresholding,
)
from flow.ops.base import Memory, dtype_attr

# RAMB36E1 simple-dual-port aspect ratios (width, depth)
BRAM36_SHAPES = ((1, 32768), (2, 16384), (4, 8192), (9, 4096), (18, 2048), (36, 1024), (72, 512))
# bits one LUT holds as distributed memory: 64 as a ROM (LUT6), about 48 as a dual-port
# RAM (RAM64M: 4 LUTs, 64 words x 3 bits)
ROM_BITS_PER_LUT, RAM_BITS_PER_LUT = 64, 48


def bram36_count(width: int, depth: int) -> float:
    """RAMB36 blocks for a width x depth memory (best aspect ratio; a RAMB18 counts half)."""
    if width * depth == 0:
        return 0
    full = min(math.ceil(width / w) * math.ceil(depth / d) for w, d in BRAM36_SHAPES)
    half = min(math.ceil(width / w) * math.ceil(depth / (d // 2)) for w, d in BRAM36_SHAPES if w <= 36)
    return min(full, half / 2)


def memory_resources(mem: Memory) -> dict:
    if mem.style == "block":
        return {"LUT": 0, "FF": 0, "BRAM36": bram36_count(mem.width, mem.depth), "DSP": 0}
    per_lut = RAM_BITS_PER_LUT if mem.writable else ROM_BITS_PER_LUT
    return {"LUT": math.ceil(mem.bits / per_lut), "FF": 0, "BRAM36": 0, "DSP": 0}


def memories_resources(op) -> dict:
    return _add(*(memory_resources(m) for m in op.memories()))


def _add(*parts: dict) -> dict:
    total = {"LUT": 0, "FF": 0, "BRAM36": 0, "DSP": 0}
    for p in parts:
        for k in total:
            total[k] += p.get(k, 0)
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in total.items()}


def _comparator_luts(bits: int) -> float:
    # a >= compare runs on the carry chain: about one LUT per two bits
    return bits / 2 + 1


def mvau_resources(op: MVAU) -> dict:
    mw, simd, pe = (op.attr(k) for k in ("MW", "SIMD", "PE"))
    mode = op.attr("mode")
    in_bits = dtype_attr(op, "in_dtype").bitwidth()
    w_bits = dtype_attr(op, "w_dtype").bitwidth()
    acc_bits = dtype_attr(op, "acc_dtype").bitwidth()
    if mode == "xnor":
        lanes = simd * 1.0                                # xnor folded into the popcount tree
        acc_bits = int(mw).bit_length()
    elif mode in ("binary_weight", "binary_input"):
        bits = in_bits if mode == "binary_weight" else w_bits
        lanes = simd * (bits + 1) + (simd - 1) * (bits + math.log2(simd) / 2 + 1)
    else:
        lanes = simd * in_bits * w_bits * 1.1 + (simd - 1) * (in_bits + w_bits + math.log2(simd) / 2)
    per_pe_luts = lanes + acc_bits + 2
    per_pe_ff = acc_bits * 2 + (int(simd).bit_length() + (1 if mode == "xnor" else in_bits + w_bits))
    if op.has_thresholds:
        out_bits = op.out_dtype().bitwidth()
        per_pe_luts += op.threshold_count() * _comparator_luts(op.threshold_width()) + out_bits
        per_pe_ff += out_bits
    logic = {"LUT": 60 + pe * per_pe_luts, "FF": 40 + simd * in_bits + pe * per_pe_ff}
    return _add(logic, memories_resources(op))


def sliding_window_resources(op: SlidingWindow) -> dict:
    bits = op.out_dtype().bitwidth() * op.attr("SIMD")
    return _add(memories_resources(op), {"LUT": 120 + bits * 0.5, "FF": 100 + 2 * bits})


def maxpool_resources(op: MaxPool) -> dict:
    pe, bits = op.attr("PE"), op.out_dtype().bitwidth()
    return _add(memories_resources(op), {"LUT": 50 + pe * _comparator_luts(bits) * 2, "FF": 40 + 2 * pe * bits})


def thresholding_resources(op: Thresholding) -> dict:
    pe = op.attr("PE")
    in_bits = dtype_attr(op, "in_dtype").bitwidth()
    out = op.out_dtype()
    count = 1 if out == DataType["BIPOLAR"] else 2 ** out.bitwidth() - 1
    return _add(memories_resources(op), {"LUT": 30 + pe * (count * _comparator_luts(in_bits + 1) + out.bitwidth()),
                                         "FF": 20 + pe * (in_bits + out.bitwidth())})


def label_select_resources(op: LabelSelect) -> dict:
    in_bits = dtype_attr(op, "in_dtype").bitwidth()
    idx_bits = op.out_dtype().bitwidth()
    k, pe = op.attr("K"), op.attr("PE")
    entry = in_bits + idx_bits
    return {"LUT": 40 + k * (_comparator_luts(in_bits) + entry) + pe * in_bits,
            "FF": 30 + k * entry + pe * in_bits, "BRAM36": 0, "DSP": 0}


def dwc_resources(op: DataWidthConverter) -> dict:
    bits = op.out_dtype().bitwidth()
    i, o = op.attr("in_elems"), op.attr("out_elems")
    buffer_bits = (i + o) * bits
    return {"LUT": 20 + buffer_bits * (1 if i % o and o % i else 0.5), "FF": 20 + buffer_bits,
            "BRAM36": 0, "DSP": 0}


def fifo_resources(op: FIFO) -> dict:
    width, depth = op.stream().bits, op.attr("depth")
    return _add(memories_resources(op), {"LUT": 15, "FF": width + 2 * (int(depth).bit_length() + 1)})


ESTIMATORS = {
    "MVAU": mvau_resources,
    "SlidingWindow": sliding_window_resources,
    "MaxPool": maxpool_resources,
    "Thresholding": thresholding_resources,
    "LabelSelect": label_select_resources,
    "DataWidthConverter": dwc_resources,
    "FIFO": fifo_resources,
}


def op_resources(node) -> dict:
    op = getCustomOp(node)
    return ESTIMATORS[node.op_type](op)


def total_resources(model) -> dict:
    return _add(*(op_resources(n) for n in model.graph.node))
