"""Correlation: SiamFC's cross-correlation of a streaming feature map with a run-time exemplar.

A SlidingWindow of the exemplar's size (17x17) over the search features (49x49xC) streams one
window vector of MW = 17 * 17 * C elements per score-map cell; this op takes the dot product of
each with the exemplar features held in its exemplar memory, one signed score per cell (33x33).
It is an MVAU with one output channel whose weights are written at run time, not baked in.

The memory is written by the accelerator itself. A 1-bit control input, exemplar_capture
(a control register on the board), is sampled as each frame's first word reaches the op; in
such a capture frame the first window, window (0, 0), is stored as the new exemplar while it
streams, and every window of the frame, the first included, is scored against it. The backbone
is unpadded, so window (0, 0) of a 255x255 canvas holding the 127x127 exemplar crop at its
top-left is exactly the exemplar's 17x17xC features (models/siamfc.py): one datapath embeds
exemplars and search images. The host raises exemplar_capture only between frames, once the
accelerator has drained (flow/sim and the driver do so), once per sequence.

Folding: SIMD elements per cycle, one score per MW / SIMD cycles.
"""

from __future__ import annotations

import numpy as np
from qonnx.core.datatype import DataType

from flow.estimate import add_resources, memories_resources, tree_adder_luts, tree_register_bits
from flow.ops.base import (
    HWOp,
    Memory,
    Stream,
    Workload,
    dtype_attr,
    ram_style_for,
    require_divisible,
)
from flow.ops.thresholds import signed_bits

# graph input of the hardware graph: one flag per frame, 1 = capture this frame's exemplar
CAPTURE_INPUT = "exemplar_capture"


def correlation(windows: np.ndarray, capture: np.ndarray, exemplar: np.ndarray):
    """windows (N, V, MW), capture flags (N,), exemplar memory (MW,) before the first frame
    -> (scores (N, V), exemplar memory after the last frame)."""
    windows = np.asarray(windows, dtype=np.int64)
    memory = np.asarray(exemplar, dtype=np.int64).copy()
    scores = np.empty(windows.shape[:2], dtype=np.int64)
    for f, frame in enumerate(windows):
        if capture[f]:
            memory = frame[0].copy()
        # float64 BLAS is exact: every product and partial sum is an integer far below 2^53
        scores[f] = (frame.astype(np.float64) @ memory.astype(np.float64)).astype(np.int64)
    return scores, memory


def score_dtype(in_dtype: DataType, mw: int) -> DataType:
    """The narrowest signed type holding any score of MW products of two in_dtype values."""
    lo, hi = int(in_dtype.min()), int(in_dtype.max())
    products = (lo * lo, lo * hi, hi * hi)
    return DataType[f"INT{signed_bits(mw * min(products), mw * max(products))}"]


class Correlation(HWOp):
    rtl_module = "correlation"
    folding_attrs = ("SIMD",)
    control_ports = (CAPTURE_INPUT,)

    def op_attrs(self):
        return {
            "MW": ("i", True, 0),               # elements per window: KH * KW * C
            "SIMD": ("i", False, 1),
            "in_dtype": ("s", True, ""),
            "out_dtype": ("s", True, ""),
            "vector_dims": ("ints", True, []),  # [OH, OW]: the score map
        }

    def num_vectors(self) -> int:
        return int(np.prod(self.attr("vector_dims"), dtype=np.int64))

    def in_shape(self, batch):
        return (batch, *self.attr("vector_dims"), self.attr("MW"))

    def out_shape(self, batch):
        return (batch, *self.attr("vector_dims"), 1)

    def compute(self, x, capture=None):
        if capture is None:
            raise ValueError(f"Correlation node '{self.name}' needs the per-frame capture flags "
                             f"(graph input '{CAPTURE_INPUT}')")
        n = x.shape[0]
        scores, _ = correlation(x.reshape(n, self.num_vectors(), -1), np.asarray(capture).reshape(n),
                                np.zeros(self.attr("MW"), dtype=np.int64))
        return scores.reshape(self.out_shape(n))

    def in_stream(self):
        simd = self.attr("SIMD")
        return Stream(simd, dtype_attr(self, "in_dtype"), self.num_vectors() * self.attr("MW") // simd)

    def out_stream(self):
        return Stream(1, self.out_dtype(), self.num_vectors())

    def check_folding(self):
        require_divisible(self, self.attr("MW"), "MW", self.attr("SIMD"), "SIMD")

    def cycles(self):
        return self.num_vectors() * self.attr("MW") // self.attr("SIMD")

    def exemplar_memory(self) -> Memory:
        simd = self.attr("SIMD")
        width = simd * dtype_attr(self, "in_dtype").bitwidth()
        depth = self.attr("MW") // simd
        return Memory("exemplar", width, depth, ram_style_for(width * depth))

    def memories(self):
        return [self.exemplar_memory()]

    def resources(self):
        """correlation.v: a DSP48 per product (synthesis infers one for each signed multiply of
        the 8-bit features), then mvau's adder tree, accumulator and registers."""
        simd, in_bits = self.attr("SIMD"), dtype_attr(self, "in_dtype").bitwidth()
        prod_bits = 2 * in_bits + (0 if dtype_attr(self, "in_dtype").signed() else 1)
        acc_bits = self.out_dtype().bitwidth()
        luts = 60 + tree_adder_luts(simd, prod_bits) + acc_bits + simd * in_bits  # + the operand mux
        ff = (60 + 3 * simd * in_bits + simd * prod_bits + tree_register_bits(simd, prod_bits, 3)
              + 2 * acc_bits)
        return add_resources(memories_resources(self), {"LUT": luts, "FF": ff, "DSP": simd})

    def workload(self):
        # the run-time exemplar counts as the weights
        bits = dtype_attr(self, "in_dtype").bitwidth()
        return Workload(macs=self.num_vectors() * self.attr("MW"), weights=self.attr("MW"),
                        in_bits=bits, w_bits=bits)

    def rtl_params(self, model, memdir):
        in_dt, out_dt = dtype_attr(self, "in_dtype"), self.out_dtype()
        return {
            "MW": self.attr("MW"), "SIMD": self.attr("SIMD"), "IN_BITS": in_dt.bitwidth(),
            "IN_SIGNED": int(in_dt.signed()), "ACC_BITS": out_dt.bitwidth(),
            "NUM_VECTORS": self.num_vectors(), "RAM_STYLE": self.exemplar_memory().style,
        }
