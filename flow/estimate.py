"""Analytic resource estimates per hardware op (LUT, FF, BRAM36, DSP) for 7-series parts.

Structural models of the RTL in hw/rtl/ (the registers each module declares, the primitives its
memories map to), with the logic constants fitted to Yosys synth_xilinx on every op of the
BNN-PYNQ builds (benchmarks/calibrate_estimates.py; its table in benchmarks/results/). Memories
are the ones each op declares (op.memories(), with the RAM style its RTL is given): block RAM by
the RAMB36/RAMB18 aspect ratios; distributed RAM by the LUTRAM primitive its depth needs;
distributed ROM as LUT logic, one LUT6 per output bit and 64 words.
"""

from __future__ import annotations

import math

from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.ops import (
    FIFO,
    MVAU,
    Correlation,
    DataWidthConverter,
    LabelSelect,
    MaxPool,
    SlidingWindow,
    Thresholding,
)
from flow.ops.base import Memory, dtype_attr

# RAMB36E1 simple-dual-port aspect ratios (width, depth)
BRAM36_SHAPES = ((1, 32768), (2, 16384), (4, 8192), (9, 4096), (18, 2048), (36, 1024), (72, 512))
# dual-port LUTRAM primitives, (depth, data bits, LUTs): RAM32M, RAM64M, RAM128X1D
LUTRAM_SHAPES = ((32, 6, 4), (64, 3, 4), (128, 1, 4))


def bram36_count(width: int, depth: int) -> float:
    """RAMB36 blocks for a width x depth memory (best aspect ratio; a RAMB18 counts half)."""
    if width * depth == 0:
        return 0
    full = min(math.ceil(width / w) * math.ceil(depth / d) for w, d in BRAM36_SHAPES)
    half = min(math.ceil(width / w) * math.ceil(depth / (d // 2)) for w, d in BRAM36_SHAPES if w <= 36)
    return min(full, half / 2)


def lutram_luts(width: int, depth: int) -> int:
    """LUTs of a width x depth dual-port distributed RAM: the primitive its depth needs."""
    for prim_depth, prim_bits, luts in LUTRAM_SHAPES:
        if depth <= prim_depth:
            return math.ceil(width / prim_bits) * luts
    depth_luts = LUTRAM_SHAPES[-1][2] * math.ceil(depth / LUTRAM_SHAPES[-1][0])
    return width * depth_luts + width * math.ceil(depth / 128)  # plus the read multiplexers


def memory_resources(mem: Memory) -> dict:
    if mem.style == "block":
        return {"LUT": 0, "FF": 0, "BRAM36": bram36_count(mem.width, mem.depth), "DSP": 0}
    if mem.writable:
        return {"LUT": lutram_luts(mem.width, mem.depth), "FF": 0, "BRAM36": 0, "DSP": 0}
    # a ROM is logic: a LUT6 per output bit per 64 words (MUXF7/F8 join up to 256)
    return {"LUT": mem.width * math.ceil(mem.depth / 64), "FF": 0, "BRAM36": 0, "DSP": 0}


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


def tree_levels(addends: int) -> range:
    return range(1, max(1, math.ceil(math.log2(addends))) + 1)


def tree_register_bits(addends: int, in_bits: int, levels_per_reg: int) -> int:
    """Pipeline register bits of one lane of adder_tree over `addends` inputs."""
    levels = tree_levels(addends)
    return sum(math.ceil(addends / 2 ** lvl) * (in_bits + lvl) for lvl in levels
               if lvl % levels_per_reg == 0 or lvl == levels[-1])


def tree_adder_luts(addends: int, in_bits: int) -> int:
    """LUTs of one lane of adder_tree: an adder per node, one LUT per result bit."""
    return sum(math.ceil(addends / 2 ** lvl) * (in_bits + lvl) for lvl in tree_levels(addends)
               if addends > 1)


def mvau_terms(op: MVAU) -> tuple[int, int]:
    """(terms per lane, bits per term) that mvau.v's adder tree sums: in xnor the match
    counts of three bit pairs, else the products (mvau.v TERMS, TERM_BITS)."""
    in_dt, w_dt = dtype_attr(op, "in_dtype"), dtype_attr(op, "w_dtype")
    mode, simd = op.attr("mode"), op.attr("SIMD")
    if mode == "xnor":
        return math.ceil(simd / 3), 2
    if mode == "binary_weight":
        return simd, in_dt.bitwidth() + 1
    if mode == "binary_input":
        return simd, w_dt.bitwidth() + 1
    return simd, in_dt.bitwidth() + w_dt.bitwidth() + (0 if in_dt.signed() or w_dt.signed() else 1)


def mvau_accumulator_bits(op: MVAU) -> int:
    if op.attr("mode") == "xnor":
        return int(op.attr("MW")).bit_length()
    return dtype_attr(op, "acc_dtype").bitwidth()


def mvau_registers(op: MVAU) -> int:
    """Flip-flops of mvau.v, stage by stage."""
    mh, simd, pe = (op.attr(k) for k in ("MH", "SIMD", "PE"))
    in_bits = dtype_attr(op, "in_dtype").bitwidth()
    terms, term_bits = mvau_terms(op)
    ff = 60 + simd * in_bits * (2 if mh > pe else 1)   # input word (+ replay buffer read)
    if op.weight_ram_style() != "block":                 # in BRAM the block's output register
        ff += pe * simd * dtype_attr(op, "w_dtype").bitwidth()
    ff += pe * terms * term_bits
    ff += pe * tree_register_bits(terms, term_bits, 4 if op.attr("mode") == "xnor" else 3)
    ff += pe * mvau_accumulator_bits(op)
    if op.has_thresholds:
        ff += pe * op.threshold_count() * op.threshold_width()  # the fold's thresholds
    return ff + pe * op.out_dtype().bitwidth()


def mvau_term_luts(op: MVAU) -> float:
    """LUTs of one lane's terms: a LUT per term bit (a LUT6 per match-count bit in xnor, a
    negation in the binary modes), radix-4 partial products in int."""
    if op.attr("mode") == "int":
        in_bits = dtype_attr(op, "in_dtype").bitwidth()
        return op.attr("SIMD") * in_bits * dtype_attr(op, "w_dtype").bitwidth() * 1.1
    terms, term_bits = mvau_terms(op)
    return terms * term_bits


def mvau_resources(op: MVAU) -> dict:
    pe = op.attr("PE")
    terms, term_bits = mvau_terms(op)
    per_pe_luts = mvau_term_luts(op) + tree_adder_luts(terms, term_bits) + mvau_accumulator_bits(op)
    if op.has_thresholds:
        out_bits = op.out_dtype().bitwidth()
        per_pe_luts += op.threshold_count() * _comparator_luts(op.threshold_width()) + out_bits
    logic = {"LUT": 60 + pe * per_pe_luts, "FF": mvau_registers(op)}
    return _add(logic, memories_resources(op))


def correlation_resources(op: Correlation) -> dict:
    """correlation.v: a DSP48 per product (synthesis infers one for each signed multiply of
    the 8-bit features), then mvau's adder tree, accumulator and registers."""
    simd, in_bits = op.attr("SIMD"), dtype_attr(op, "in_dtype").bitwidth()
    prod_bits = 2 * in_bits + (0 if dtype_attr(op, "in_dtype").signed() else 1)
    acc_bits = op.out_dtype().bitwidth()
    luts = 60 + tree_adder_luts(simd, prod_bits) + acc_bits + simd * in_bits  # + the operand mux
    ff = (60 + 3 * simd * in_bits + simd * prod_bits + tree_register_bits(simd, prod_bits, 3)
          + 2 * acc_bits)
    return _add(memories_resources(op), {"LUT": luts, "FF": ff, "DSP": simd})


def sliding_window_resources(op: SlidingWindow) -> dict:
    # address counters and control, plus a register and a read multiplexer per output bit
    bits = op.out_dtype().bitwidth() * op.attr("SIMD")
    return _add(memories_resources(op), {"LUT": 160 + bits, "FF": 105 + bits})


def maxpool_resources(op: MaxPool) -> dict:
    pe, bits = op.attr("PE"), op.out_dtype().bitwidth()
    return _add(memories_resources(op), {"LUT": 50 + pe * (4 * bits + 2), "FF": 60 + 2 * pe * bits})


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
    # a word register as wide as the wider side; narrowing selects a slice of it (a multiplexer
    # per input bit), widening only enables registers
    luts = 6 + (i * bits if i > o else 0) + (o * bits if i % o and o % i else 0)
    return {"LUT": luts, "FF": max(i, o) * bits + 2 * int(max(i, o)).bit_length() + 4,
            "BRAM36": 0, "DSP": 0}


def fifo_resources(op: FIFO) -> dict:
    width, depth = op.stream().bits, op.attr("depth")
    # pointers and the output register (a block RAM's own register in BRAM)
    out_reg = 0 if op.memory().style == "block" else width
    return _add(memories_resources(op), {"LUT": 10, "FF": out_reg + 2 * int(depth).bit_length() + 3})


ESTIMATORS = {
    "MVAU": mvau_resources,
    "Correlation": correlation_resources,
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
