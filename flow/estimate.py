"""Analytic resource estimates per hardware op (LUT, FF, BRAM36, DSP) for 7-series parts.

First-principles models of the RTL in hw/rtl/, with constants calibrated against Yosys
synth_xilinx on those modules (flow/synth.py reports both side by side). Memories follow the
op's RAM style: block RAM counted by the 7-series RAMB36 aspect ratios, LUTRAM/ROM as
64 bits per LUT.
"""

from __future__ import annotations

import math

from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.ops import MVAU, FIFO, DataWidthConverter, LabelSelect, MaxPool, SlidingWindow, Thresholding
from flow.ops.base import dtype_attr

# RAMB36E1 simple-dual-port aspect ratios (width, depth)
BRAM36_SHAPES = ((1, 32768), (2, 16384), (4, 8192), (9, 4096), (18, 2048), (36, 1024), (72, 512))
# a memory this small (bits) goes to LUTs when its style is "auto"
AUTO_BLOCK_MIN_BITS = 8192
LUTRAM_BITS_PER_LUT = 64


def bram36_count(width: int, depth: int) -> int:
    """RAMB36 blocks for a width x depth memory (best single aspect ratio, cascaded)."""
    if width * depth == 0:
        return 0
    return min(math.ceil(width / w) * math.ceil(depth / d) for w, d in BRAM36_SHAPES)


def memory_style(style: str, width: int, depth: int) -> str:
    if style in ("block", "distributed"):
        return style
    return "block" if width * depth >= AUTO_BLOCK_MIN_BITS and depth >= 64 else "distributed"


def memory_resources(style: str, width: int, depth: int) -> dict:
    style = memory_style(style, width, depth)
    if style == "block":
        return {"LUT": 0, "FF": 0, "BRAM36": bram36_count(width, depth), "DSP": 0}
    return {"LUT": math.ceil(width * depth / LUTRAM_BITS_PER_LUT), "FF": width, "BRAM36": 0, "DSP": 0}


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
    mw, mh, simd, pe = (op.attr(k) for k in ("MW", "MH", "SIMD", "PE"))
    mode = op.attr("mode")
    in_bits = dtype_attr(op, "in_dtype").bitwidth()
    w_bits = dtype_attr(op, "w_dtype").bitwidth()
    acc_bits = dtype_attr(op, "acc_dtype").bitwidth()
    if mode == "xnor":
        lanes = simd * 1.0                                # xnor folded into the popcount tree
        acc_bits = int(mw).bit_length()
    elif mode == "binary_weight":
        lanes = simd * (in_bits + 1) + (simd - 1) * (in_bits + math.log2(simd) / 2 + 1)
    else:
        lanes = simd * in_bits * w_bits * 1.1 + (simd - 1) * (in_bits + w_bits + math.log2(simd) / 2)
    per_pe_luts = lanes + acc_bits + 2
    per_pe_ff = acc_bits * 2 + (int(simd).bit_length() + (1 if mode == "xnor" else in_bits + w_bits))
    n_thres = 0
    thres = {}
    if op.has_thresholds:
        out_bits = op.out_dtype().bitwidth()
        n_thres = (2 ** out_bits) - 1 if op.out_dtype() != DataType["BIPOLAR"] else 1
        per_pe_luts += n_thres * _comparator_luts(acc_bits + 1) + out_bits
        per_pe_ff += out_bits
        thres = memory_resources("auto", pe * n_thres * (acc_bits + 1), mh // pe)
    depth, width = op.weight_memory_shape()
    weights = memory_resources(op.attr("weight_ram_style"), width, depth)
    input_buffer = memory_resources("distributed", simd * in_bits, mw // simd) if mh > pe else {}
    control = {"LUT": 60, "FF": 40 + simd * in_bits}
    datapath = {"LUT": pe * per_pe_luts, "FF": pe * per_pe_ff}
    return _add(datapath, control, weights, thres, input_buffer)


def sliding_window_resources(op: SlidingWindow) -> dict:
    (h, w), (kh, kw), (sh, sw), _ = op.geometry()
    simd, c = op.attr("SIMD"), op.attr("channels")
    bits = op.out_dtype().bitwidth() * simd
    rows = kh + sh
    buffer = memory_resources("auto", bits, rows * w * (c // simd))
    return _add(buffer, {"LUT": 120 + bits * 0.5, "FF": 100 + 2 * bits})


def maxpool_resources(op: MaxPool) -> dict:
    h, w = op.attr("ifm_dims")
    k, pe, c = op.attr("kernel"), op.attr("PE"), op.attr("channels")
    bits = op.out_dtype().bitwidth()
    buffer = memory_resources("auto", pe * bits, (w // k) * (c // pe))
    return _add(buffer, {"LUT": 50 + pe * _comparator_luts(bits) * 2, "FF": 40 + 2 * pe * bits})


def thresholding_resources(op: Thresholding) -> dict:
    pe, c = op.attr("PE"), op.attr("channels")
    in_bits = dtype_attr(op, "in_dtype").bitwidth()
    out_bits = op.out_dtype().bitwidth()
    n_thres = (2 ** out_bits) - 1 if op.out_dtype() != DataType["BIPOLAR"] else 1
    mem = memory_resources("auto", pe * n_thres * (in_bits + 1), c // pe)
    return _add(mem, {"LUT": 30 + pe * (n_thres * _comparator_luts(in_bits + 1) + out_bits),
                      "FF": 20 + pe * (in_bits + out_bits)})


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
    mem = memory_resources(op.attr("ram_style"), width, depth)
    return _add(mem, {"LUT": 15, "FF": width + 2 * (int(depth).bit_length() + 1)})


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
