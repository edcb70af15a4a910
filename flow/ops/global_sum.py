"""GlobalSum: each channel of a channels-last feature map summed over its pixels. A global average
pool lowers to it: streamlining folds the division by the pixel count into the scale that the next
thresholds (or the output edge) take. Folding: PE channels per word."""

from __future__ import annotations

import numpy as np
from qonnx.core.datatype import DataType

from flow.estimate import add_resources, memories_resources
from flow.ops.base import HWOp, Memory, Stream, dtype_attr, require_divisible


def global_sum(x: np.ndarray) -> np.ndarray:
    """x (N, H, W, C) -> (N, 1, 1, C)."""
    return np.asarray(x, dtype=np.int64).sum(axis=(1, 2), keepdims=True)


class GlobalSum(HWOp):
    rtl_module = "global_sum"
    folding_attrs = ("PE",)

    def op_attrs(self):
        return {
            "ifm_dims": ("ints", True, []),  # [H, W]
            "channels": ("i", True, 0),
            "PE": ("i", False, 1),
            "in_dtype": ("s", True, ""),
            "out_dtype": ("s", True, ""),
        }

    def pixels(self) -> int:
        h, w = self.attr("ifm_dims")
        return h * w

    def in_shape(self, batch):
        return (batch, *self.attr("ifm_dims"), self.attr("channels"))

    def out_shape(self, batch):
        return (batch, 1, 1, self.attr("channels"))

    def compute(self, x):
        return global_sum(x)

    def in_stream(self):
        pe = self.attr("PE")
        return Stream(pe, dtype_attr(self, "in_dtype"), self.pixels() * self.attr("channels") // pe)

    def out_stream(self):
        pe = self.attr("PE")
        return Stream(pe, self.out_dtype(), self.attr("channels") // pe)

    def check_folding(self):
        require_divisible(self, self.attr("channels"), "channels", self.attr("PE"), "PE")

    def cycles(self):
        return self.in_stream().words

    def sums(self) -> Memory:
        """The RTL's running sums: one word of PE sums per channel group."""
        pe = self.attr("PE")
        return Memory("sums", pe * self.out_dtype().bitwidth(), self.attr("channels") // pe, "distributed")

    def memories(self):
        return [self.sums()]

    def resources(self):
        width = self.attr("PE") * self.out_dtype().bitwidth()
        # an adder and the output queue's 4-way read per sum bit, counters; input, forward and
        # read registers, the queue's 4 words
        return add_resources(memories_resources(self), {"LUT": 30 + 2 * width, "FF": 40 + 7 * width})

    def auto_fold(self, model, target_cycles, folding):
        return {"PE": self.least_parallelism("PE", self.attr("channels"), target_cycles)}

    def rtl_params(self, model, memdir):
        in_dt = dtype_attr(self, "in_dtype")
        return {
            "PIXELS": self.pixels(), "C": self.attr("channels"), "PE": self.attr("PE"),
            "IN_BITS": in_dt.bitwidth(), "IN_SIGNED": int(in_dt.signed() and in_dt != DataType["BIPOLAR"]),
            "OUT_BITS": self.out_dtype().bitwidth(),
        }
