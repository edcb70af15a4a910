"""Stream plumbing: DataWidthConverter and FIFO. Both pass values through unchanged."""

from __future__ import annotations

import math

from flow.estimate import add_resources, memories_resources
from flow.ops.base import HWOp, Memory, Stream, ram_style_for, require_divisible


class _PassThrough(HWOp):
    """Shared by the plumbing ops: the tensor passes unchanged, only the stream differs."""

    plumbing = True

    def common_attrs(self):
        return {
            "shape": ("ints", True, []),  # one frame's shape, without the batch axis
            "out_dtype": ("s", True, ""),
        }

    def frame_elems(self) -> int:
        n = 1
        for d in self.attr("shape"):
            n *= d
        return n

    def in_shape(self, batch):
        return (batch, *self.attr("shape"))

    def out_shape(self, batch):
        return self.in_shape(batch)

    def compute(self, x):
        return x


class DataWidthConverter(_PassThrough):
    """Regroups a stream from in_elems to out_elems elements per word (any ratio)."""

    rtl_module = "dwc"

    def op_attrs(self):
        return {**self.common_attrs(), "in_elems": ("i", True, 1), "out_elems": ("i", True, 1)}

    def in_stream(self):
        e = self.attr("in_elems")
        return Stream(e, self.out_dtype(), self.frame_elems() // e)

    def out_stream(self):
        e = self.attr("out_elems")
        return Stream(e, self.out_dtype(), self.frame_elems() // e)

    def check_folding(self):
        require_divisible(self, self.frame_elems(), "frame elements", self.attr("in_elems"), "in_elems")
        require_divisible(self, self.frame_elems(), "frame elements", self.attr("out_elems"), "out_elems")

    def cycles(self):
        return max(self.in_stream().words, self.out_stream().words)

    def resources(self):
        bits = self.out_dtype().bitwidth()
        i, o = self.attr("in_elems"), self.attr("out_elems")
        # a word register as wide as the wider side; narrowing selects its pieces in turn (an
        # i/o-to-1 multiplexer per output bit: a LUT6 per four inputs), widening only enables
        # registers
        luts = 6 + (o * bits * math.ceil(i // o / 4) if i > o and i % o == 0 else 0) + (
            o * bits if i % o and o % i else 0)
        return {"LUT": luts, "FF": max(i, o) * bits + 2 * int(max(i, o)).bit_length() + 4,
                "BRAM36": 0, "DSP": 0}

    def rtl_params(self, model, memdir):
        return {"IN_ELEMS": self.attr("in_elems"), "OUT_ELEMS": self.attr("out_elems"),
                "BITS": self.out_dtype().bitwidth()}


class FIFO(_PassThrough):
    """A FIFO of `depth` words between two ops (depth from FIFO sizing); depth 0 is none, the
    stream passing straight through (before a narrowing converter, where sizing finds that the
    throughput holds without one: the converter holds a whole word itself)."""

    rtl_module = "fifo"
    folding_attrs = ("depth",)
    implementation_attrs = ("ram_style",)
    movable_memory_attr = "ram_style"

    def op_attrs(self):
        return {**self.common_attrs(), "elems": ("i", True, 1), "depth": ("i", False, 2),
                "ram_style": ("s", False, "auto", {"auto", "block", "distributed"})}

    def stream(self):
        e = self.attr("elems")
        return Stream(e, self.out_dtype(), self.frame_elems() // e)

    def in_stream(self):
        return self.stream()

    def out_stream(self):
        return self.stream()

    def check_folding(self):
        depth = self.attr("depth")
        if depth != 0 and (depth < 2 or depth & (depth - 1)):
            raise self.fold_error(f"depth={depth} must be 0 (no FIFO) or a power of two >= 2")

    def cycles(self):
        return self.stream().words

    def memory(self) -> Memory:
        width, depth = self.stream().bits, self.attr("depth")
        return Memory("fifo", width, depth, ram_style_for(width * depth, self.attr("ram_style")))

    def memories(self):
        return [self.memory()] if self.attr("depth") else []

    def resources(self):
        width, depth = self.stream().bits, self.attr("depth")
        if depth == 0:
            return add_resources()
        # pointers and the output register (a block RAM's own register in BRAM)
        out_reg = 0 if self.memory().style == "block" else width
        return add_resources(memories_resources(self), {"LUT": 10, "FF": out_reg + 2 * int(depth).bit_length() + 3})

    def rtl_params(self, model, memdir):
        return {"WIDTH": self.stream().bits, "DEPTH": self.attr("depth"), "RAM_STYLE": self.memory().style}
