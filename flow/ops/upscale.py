"""Upscale: a channels-last feature map B times higher and wider.

"depth_to_space": ONNX DepthToSpace in DCR order, an input pixel holding its B x B output
pixels' channels, block position (i, j) at channels (i*B + j)*C (a CRD DepthToSpace after a
layer is lowered to DCR by reordering that layer's output channels, flow/lower.py).
"nearest": ONNX Resize in nearest mode by an integer factor, each pixel repeated over its block.
Folding: PE channels per word.
"""

from __future__ import annotations

import numpy as np

from flow.estimate import add_resources, memories_resources
from flow.ops.base import HWOp, Memory, Stream, ram_style_for, require_divisible

MODES = ("depth_to_space", "nearest")
# the RTL's row banks: one written, one read, one complete and waiting (hw/rtl/upscale.v)
ROW_BANKS = 3


def upscale(x: np.ndarray, block: int, mode: str) -> np.ndarray:
    """x (N, H, W, C_in) -> (N, H*B, W*B, C): DCR depth to space, or nearest repetition."""
    n, h, w, c_in = x.shape
    if mode == "nearest":
        return np.repeat(np.repeat(x, block, axis=1), block, axis=2)
    c = c_in // (block * block)
    blocks = np.asarray(x).reshape(n, h, w, block, block, c)
    return blocks.transpose(0, 1, 3, 2, 4, 5).reshape(n, h * block, w * block, c)


class Upscale(HWOp):
    rtl_module = "upscale"
    folding_attrs = ("PE",)

    def op_attrs(self):
        return {
            "ifm_dims": ("ints", True, []),  # [H, W] of the input
            "channels": ("i", True, 0),      # of an output pixel
            "block": ("i", True, 2),
            "mode": ("s", True, "", set(MODES)),
            "PE": ("i", False, 1),
            "out_dtype": ("s", True, ""),
        }

    def in_channels(self) -> int:
        block = self.attr("block")
        return self.attr("channels") * (block * block if self.attr("mode") == "depth_to_space" else 1)

    def in_shape(self, batch):
        return (batch, *self.attr("ifm_dims"), self.in_channels())

    def out_shape(self, batch):
        h, w = self.attr("ifm_dims")
        block = self.attr("block")
        return (batch, h * block, w * block, self.attr("channels"))

    def compute(self, x):
        return upscale(x, self.attr("block"), self.attr("mode"))

    def in_stream(self):
        h, w = self.attr("ifm_dims")
        pe = self.attr("PE")
        return Stream(pe, self.out_dtype(), h * w * self.in_channels() // pe)

    def out_stream(self):
        _, oh, ow, c = self.out_shape(1)
        pe = self.attr("PE")
        return Stream(pe, self.out_dtype(), oh * ow * c // pe)

    def check_folding(self):
        require_divisible(self, self.attr("channels"), "channels", self.attr("PE"), "PE")

    def cycles(self):
        # the banks let the next row in while one is read: the busier side sets the rate
        return max(self.in_stream().words, self.out_stream().words)

    def row_banks(self) -> Memory:
        pe = self.attr("PE")
        width = pe * self.out_dtype().bitwidth()
        depth = ROW_BANKS * self.attr("ifm_dims")[1] * self.in_channels() // pe
        return Memory("row_banks", width, depth, ram_style_for(width * depth))

    def memories(self):
        return [self.row_banks()]

    def resources(self):
        # counters and read address (about 40 LUTs), the output queue's 4-way read per bit
        width = self.attr("PE") * self.out_dtype().bitwidth()
        return add_resources(memories_resources(self), {"LUT": 40 + width, "FF": 70 + 5 * width})

    def auto_fold(self, model, target_cycles, folding):
        return {"PE": self.least_parallelism("PE", self.attr("channels"), target_cycles)}

    def rtl_params(self, model, memdir):
        h, w = self.attr("ifm_dims")
        return {
            "IFM_H": h, "IFM_W": w, "C": self.attr("channels"), "B": self.attr("block"),
            "MODE": MODES.index(self.attr("mode")), "PE": self.attr("PE"),
            "BITS": self.out_dtype().bitwidth(), "RAM_STYLE": self.row_banks().style,
        }
