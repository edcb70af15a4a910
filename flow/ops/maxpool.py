"""MaxPool: streaming max pooling of a channels-last feature map, kernel = stride.

Rows and columns past the last whole window are read and dropped (ONNX floor mode).
A bipolar input pools as bits: max of {-1, +1} is the OR of their bits.
Folding: PE channels per word.
"""

from __future__ import annotations

import numpy as np
from qonnx.core.datatype import DataType

from flow.estimate import add_resources, memories_resources
from flow.ops.base import HWOp, Memory, Stream, ram_style_for, require_divisible


def maxpool(x: np.ndarray, k: int) -> np.ndarray:
    """x (N, H, W, C) -> (N, H // k, W // k, C)."""
    n, h, w, c = x.shape
    oh, ow = h // k, w // k
    windows = np.asarray(x)[:, : oh * k, : ow * k, :].reshape(n, oh, k, ow, k, c)
    return windows.max(axis=(2, 4))


class MaxPool(HWOp):
    rtl_module = "maxpool"
    folding_attrs = ("PE",)

    def op_attrs(self):
        return {
            "ifm_dims": ("ints", True, []),  # [H, W]
            "channels": ("i", True, 0),
            "kernel": ("i", True, 0),        # kernel = stride
            "PE": ("i", False, 1),
            "out_dtype": ("s", True, ""),
        }

    def ofm_dims(self):
        h, w = self.attr("ifm_dims")
        k = self.attr("kernel")
        return h // k, w // k

    def in_shape(self, batch):
        return (batch, *self.attr("ifm_dims"), self.attr("channels"))

    def out_shape(self, batch):
        return (batch, *self.ofm_dims(), self.attr("channels"))

    def compute(self, x):
        return maxpool(x, self.attr("kernel"))

    def in_stream(self):
        h, w = self.attr("ifm_dims")
        pe = self.attr("PE")
        return Stream(pe, self.out_dtype(), h * w * self.attr("channels") // pe)

    def out_stream(self):
        oh, ow = self.ofm_dims()
        pe = self.attr("PE")
        return Stream(pe, self.out_dtype(), oh * ow * self.attr("channels") // pe)

    def check_folding(self):
        require_divisible(self, self.attr("channels"), "channels", self.attr("PE"), "PE")

    def cycles(self):
        return self.in_stream().words

    def buffer(self) -> Memory:
        """The RTL's partial-maxima memory: one output row."""
        pe = self.attr("PE")
        width = pe * self.out_dtype().bitwidth()
        depth = self.ofm_dims()[1] * (self.attr("channels") // pe)
        return Memory("partial_maxima", width, depth, ram_style_for(width * depth))

    def memories(self):
        return [self.buffer()]

    def resources(self):
        pe, bits = self.attr("PE"), self.out_dtype().bitwidth()
        return add_resources(memories_resources(self), {"LUT": 50 + pe * (4 * bits + 2), "FF": 60 + 2 * pe * bits})

    def auto_fold(self, model, target_cycles, folding):
        return {"PE": self.least_parallelism("PE", self.attr("channels"), target_cycles)}

    def rtl_params(self, model, memdir):
        h, w = self.attr("ifm_dims")
        dt = self.out_dtype()
        return {
            "IFM_H": h, "IFM_W": w, "C": self.attr("channels"), "K": self.attr("kernel"),
            "PE": self.attr("PE"), "BITS": dt.bitwidth(),
            "SIGNED": int(dt.signed() and dt != DataType["BIPOLAR"]),
            "RAM_STYLE": self.buffer().style,
        }
