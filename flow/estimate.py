"""Analytic resource estimates (LUT, FF, BRAM36, URAM, DSP) for 7-series parts (and the
UltraRAM of a Zynq UltraScale+): what the ops share.

Each op models its own RTL in `resources()` (flow/ops/): the registers its module declares,
its logic, with constants fitted to Yosys synth_xilinx on every op of the BNN-PYNQ builds
(benchmarks/calibrate_estimates.py; its table in benchmarks/results/), plus its memories
(op.memories(), with the RAM style its RTL is given). This file holds what they share: memories
as primitives (block RAM by the RAMB36/RAMB18 aspect ratios; distributed RAM by the LUTRAM
primitive its depth needs; distributed ROM as LUT logic, see rom_luts), comparators, adder
trees, and the sum over a graph.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from qonnx.custom_op.registry import getCustomOp

from flow.board.spec import ALL_RESOURCE_KINDS

if TYPE_CHECKING:  # the ops import this file
    from flow.ops.base import Memory

# RAMB36E1 simple-dual-port aspect ratios (width, depth)
BRAM36_SHAPES = ((1, 32768), (2, 16384), (4, 8192), (9, 4096), (18, 2048), (36, 1024), (72, 512))
# URAM288: 4K words of 72 bits, no other aspect ratio (AMD UG573)
URAM_SHAPE = (72, 4096)
# dual-port LUTRAM primitives, (depth, data bits, LUTs): RAM32M, RAM64M, RAM128X1D
LUTRAM_SHAPES = ((32, 6, 4), (64, 3, 4), (128, 1, 4))


def bram36_count(width: int, depth: int) -> float:
    """RAMB36 blocks for a width x depth memory (best aspect ratio; a RAMB18 counts half)."""
    if width * depth == 0:
        return 0
    full = min(math.ceil(width / w) * math.ceil(depth / d) for w, d in BRAM36_SHAPES)
    half = min(math.ceil(width / w) * math.ceil(depth / (d // 2)) for w, d in BRAM36_SHAPES if w <= 36)
    return min(full, half / 2)


def uram_count(width: int, depth: int) -> int:
    """URAM288 blocks for a width x depth memory: columns of 72 bits, rows of 4K words."""
    if width * depth == 0:
        return 0
    return math.ceil(width / URAM_SHAPE[0]) * math.ceil(depth / URAM_SHAPE[1])


def loader_resources(width: int) -> dict:
    """hw/rtl/weight_loader.v of a memory of `width`-bit words: the staged lanes, the write word
    and its counters, and the two 32-bit address compares (register counts from the module;
    LUTs a count of its compares and lane multiplexers, not fitted to synthesis)."""
    lanes = math.ceil(width / 32)
    return {"LUT": 2 * comparator_luts(32) + 2 * lanes + 16,
            "FF": (lanes - 1) * 32 + width + 2 * 16}


def lutram_luts(width: int, depth: int) -> int:
    """LUTs of a width x depth dual-port distributed RAM: the primitive its depth needs."""
    for prim_depth, prim_bits, luts in LUTRAM_SHAPES:
        if depth <= prim_depth:
            return math.ceil(width / prim_bits) * luts
    depth_luts = LUTRAM_SHAPES[-1][2] * math.ceil(depth / LUTRAM_SHAPES[-1][0])
    return width * depth_luts + width * math.ceil(depth / 128)  # plus the read multiplexers


def rom_luts(width: int, depth: int) -> int:
    """LUTs of a width x depth ROM mapped to logic, as Yosys's synth_xilinx -abc9 maps random
    contents (benchmarks/rom_luts.py measures it; 0.70 and 0.23 alike): per output bit a LUT6 per
    64 words, MUXF7/MUXF8 joining up to four of them (no LUT, a partial group filled up), and
    above 256 words about 3/8 of a LUT more per 64 words for the joins (fitted; 0.23's plain abc
    needs about 10 % fewer)."""
    leaves = math.ceil(depth / 64)
    if leaves <= 4:
        return width * (1 << (leaves - 1).bit_length())
    return width * math.ceil(leaves * 11 / 8)


def memory_resources(mem: Memory) -> dict:
    if mem.style == "ultra":
        return {"URAM": uram_count(mem.width, mem.depth)}
    if mem.style == "block":
        return {"LUT": 0, "FF": 0, "BRAM36": bram36_count(mem.width, mem.depth), "DSP": 0}
    if mem.writable:
        return {"LUT": lutram_luts(mem.width, mem.depth), "FF": 0, "BRAM36": 0, "DSP": 0}
    return {"LUT": rom_luts(mem.width, mem.depth), "FF": 0, "BRAM36": 0, "DSP": 0}


def memories_resources(op) -> dict:
    return add_resources(*(memory_resources(m) for m in op.memories()))


def add_resources(*parts: dict) -> dict:
    total = dict.fromkeys(ALL_RESOURCE_KINDS, 0)
    for p in parts:
        for k in total:
            total[k] += p.get(k, 0)
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in total.items()}


def comparator_luts(bits: int) -> float:
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


def pm_tree_resources(addends: int, value_bits: int) -> dict:
    """LUT/FF of one lane of hw/rtl/pm_tree.v: an add_chain per pair (a LUT per bit, the values
    one bit wider for their negation, one more per level), every level registered with its
    flip and debt bits."""
    luts = ff = 0
    n = addends
    for level in tree_levels(addends):
        width = value_bits + 1 + level
        luts += (n // 2) * width
        n = math.ceil(n / 2)
        ff += n * (width + 2)
    return {"LUT": luts, "FF": ff}


def dot_dsp_last_level(addends: int, lut_levels: int) -> int:
    """hw/rtl/dot_dsp.v's LAST: the level after which at most two values per lane are left."""
    levels = math.ceil(math.log2(addends)) if addends > 1 else 0
    return levels - 1 if levels > lut_levels + 1 else lut_levels


def dot_dsp_fits(addends: int, in_bits: int, lut_levels: int, acc_bits: int) -> bool:
    """Whether dot_dsp.v's accumulator fields (acc_bits wide) hold a step's sum and fit a slice."""
    last = dot_dsp_last_level(addends, lut_levels)
    two = math.ceil(addends / 2 ** last) > 1
    return in_bits + last + two <= acc_bits <= 48


def dot_dsp_resources(lanes: int, addends: int, in_bits: int, lut_levels: int, acc_bits: int) -> dict:
    """LUT/FF/DSP of hw/rtl/dot_dsp.v: its LUT adder levels as adder_tree's (a LUT per result
    bit), a register after them, then per level the pairs of all lanes packed into 48-bit
    slices (fields one bit wider than the addends), and the accumulating slices (acc_bits-wide
    fields, one per lane)."""
    last = dot_dsp_last_level(addends, lut_levels)
    luts = lanes * sum(math.ceil(addends / 2 ** k) * (in_bits + k) for k in range(1, lut_levels + 1)
                       if addends > 2 ** (k - 1))
    ff = lanes * math.ceil(addends / 2 ** lut_levels) * (in_bits + lut_levels) if lut_levels else 0
    dsp = sum(math.ceil(lanes * math.ceil(addends / 2 ** k) / (48 // (in_bits + k)))
              for k in range(lut_levels + 1, last + 1))
    dsp += math.ceil(lanes / (48 // acc_bits))
    return {"LUT": luts, "FF": ff, "DSP": dsp}


def total_resources(model) -> dict:
    return add_resources(*(getCustomOp(n).resources() for n in model.graph.node))
