"""Per-channel sums over K terms (hw/rtl/channel_sum.v): one weight set per channel, no mixing of
channels. Two ops use the module:

- VVAU, a depthwise convolution after its sliding window: each output pixel's channel c is the
  sum over the K kernel positions of the window's value of channel c times weight W[c, k]; the
  window streams position by position, channels fastest, so the K terms of a channel arrive
  C/PE words apart. Its activation, if any, follows as a Thresholding op.
- GlobalSum, a global average pool: each channel summed over the map's pixels (weights 1);
  streamlining folds the division by the pixel count into the next thresholds' scale.

Folding: PE channels per word.
"""

from __future__ import annotations

from abc import abstractmethod
from pathlib import Path

import numpy as np

from flow.estimate import add_resources, memories_resources
from flow.ops.base import (
    HWOp,
    Memory,
    Stream,
    Workload,
    dtype_attr,
    pack_fields,
    ram_style_for,
    read_memh_fields,
    require_divisible,
    write_memh,
)
from flow.packing import from_codes


def channel_sums(x: np.ndarray, terms: int, weights: np.ndarray | None = None) -> np.ndarray:
    """x (..., K*C) in (k, c) order -> (..., C): sum over k of x[k, c] (times weights[c, k])."""
    x = np.asarray(x, dtype=np.int64)
    by_term = x.reshape(*x.shape[:-1], terms, x.shape[-1] // terms)
    if weights is not None:
        by_term = by_term * np.asarray(weights, dtype=np.int64).T
    return by_term.sum(axis=-2)


class ChannelSum(HWOp):
    """What VVAU and GlobalSum share: K terms per sum, `vectors()` sums per frame."""

    rtl_module = "channel_sum"
    folding_attrs = ("PE",)

    @abstractmethod
    def terms(self) -> int:
        """K: the terms of one sum."""

    @abstractmethod
    def vectors(self) -> int:
        """The sums of one channel a frame."""

    def weighted(self) -> bool:
        return False

    def in_stream(self):
        pe = self.attr("PE")
        return Stream(pe, dtype_attr(self, "in_dtype"), self.vectors() * self.terms() * self.attr("channels") // pe)

    def out_stream(self):
        pe = self.attr("PE")
        return Stream(pe, self.out_dtype(), self.vectors() * self.attr("channels") // pe)

    def check_folding(self):
        require_divisible(self, self.attr("channels"), "channels", self.attr("PE"), "PE")

    def cycles(self):
        return self.in_stream().words

    def sums(self) -> Memory:
        """The running sums: one word of PE sums per channel group."""
        pe = self.attr("PE")
        return Memory("sums", pe * self.out_dtype().bitwidth(), self.attr("channels") // pe, "distributed")

    def memories(self):
        return [self.sums()]

    def resources(self):
        pe, out_bits = self.attr("PE"), self.out_dtype().bitwidth()
        width = pe * out_bits
        luts = 30 + 2 * width   # an adder and the output queue's 4-way read per sum bit, counters
        # a lane's `x * w` goes to a DSP48 (Yosys's synth_xilinx maps a product of two operands of
        # 2 bits or more there: 1 DSP and 143 LUT for a PE-1 VVAU of 4-bit values and weights)
        dsp = pe if self.weighted() and min(dtype_attr(self, "in_dtype").bitwidth(),
                                            dtype_attr(self, "w_dtype").bitwidth()) >= 2 else 0
        # input, forward and read registers, the queue's 4 words
        return add_resources(memories_resources(self), {"LUT": luts, "FF": 40 + 7 * width, "DSP": dsp})

    def auto_fold(self, model, target_cycles, folding):
        return {"PE": self.least_parallelism("PE", self.attr("channels"), target_cycles)}

    def rtl_params(self, model, memdir):
        in_dt = dtype_attr(self, "in_dtype")
        return {
            "K": self.terms(), "C": self.attr("channels"), "PE": self.attr("PE"),
            "IN_BITS": in_dt.bitwidth(), "IN_SIGNED": int(in_dt.signed()), "W_BITS": 1, "W_SIGNED": 0,
            "WEIGHT_FILE": "", "WEIGHT_RAM_STYLE": "distributed", "OUT_BITS": self.out_dtype().bitwidth(),
        }

    def hls_params(self, model, memdir):
        return {**self.rtl_params(model, memdir), "WEIGHTED": int(self.weighted()), "VECTORS": self.vectors()}


class VVAU(ChannelSum):
    """A depthwise convolution's products and sums; weights W (C, K) as a node input."""

    def op_attrs(self):
        return {
            "channels": ("i", True, 0),
            "kernel_positions": ("i", True, 0),
            "vector_dims": ("ints", True, []),   # [OH, OW]
            "PE": ("i", False, 1),
            "in_dtype": ("s", True, ""),
            "w_dtype": ("s", True, ""),
            "out_dtype": ("s", True, ""),       # the accumulators'
        }

    def terms(self):
        return self.attr("kernel_positions")

    def vectors(self):
        return int(np.prod(self.attr("vector_dims")))

    def weighted(self):
        return True

    def in_shape(self, batch):
        return (batch, *self.attr("vector_dims"), self.terms() * self.attr("channels"))

    def out_shape(self, batch):
        return (batch, *self.attr("vector_dims"), self.attr("channels"))

    def compute(self, x, weights):
        return channel_sums(x, self.terms(), weights)

    def workload(self):
        return Workload(macs=self.vectors() * self.terms() * self.attr("channels"),
                        weights=self.terms() * self.attr("channels"),
                        in_bits=dtype_attr(self, "in_dtype").bitwidth(),
                        w_bits=dtype_attr(self, "w_dtype").bitwidth())

    def weight_memory(self) -> Memory:
        pe = self.attr("PE")
        width = pe * dtype_attr(self, "w_dtype").bitwidth()
        depth = self.terms() * self.attr("channels") // pe
        return Memory("weights", width, depth, ram_style_for(width * depth), writable=False)

    def memories(self):
        return [self.sums(), self.weight_memory()]

    def rtl_params(self, model, memdir: Path):
        w_dt = dtype_attr(self, "w_dtype")
        pe, k, c = self.attr("PE"), self.terms(), self.attr("channels")
        weights = np.asarray(model.get_initializer(self.onnx_node.input[1]), dtype=np.int64)   # (C, K)
        # word k*CF + cf: field pe holds W[cf*PE + pe, k]
        words = weights.T.reshape(k * c // pe, pe) & ((1 << w_dt.bitwidth()) - 1)
        weight_file = f"{self.name}_weights.mem"
        write_memh(Path(memdir) / weight_file, pack_fields(words, w_dt.bitwidth()), pe * w_dt.bitwidth())
        return {**super().rtl_params(model, memdir), "W_BITS": w_dt.bitwidth(), "W_SIGNED": int(w_dt.signed()),
                "WEIGHT_FILE": weight_file, "WEIGHT_RAM_STYLE": self.weight_memory().style}

    def memory_parameters(self, memdir: Path):
        w_dt = dtype_attr(self, "w_dtype")
        codes = read_memh_fields(Path(memdir) / f"{self.name}_weights.mem", self.attr("PE"), w_dt.bitwidth())
        return [from_codes(codes, w_dt).reshape(self.terms(), self.attr("channels")).T]


class GlobalSum(ChannelSum):
    """A global average pool's sums: each channel over the map's pixels."""

    def op_attrs(self):
        return {
            "ifm_dims": ("ints", True, []),  # [H, W]
            "channels": ("i", True, 0),
            "PE": ("i", False, 1),
            "in_dtype": ("s", True, ""),
            "out_dtype": ("s", True, ""),
        }

    def terms(self):
        h, w = self.attr("ifm_dims")
        return h * w

    def vectors(self):
        return 1

    def in_shape(self, batch):
        return (batch, *self.attr("ifm_dims"), self.attr("channels"))

    def out_shape(self, batch):
        return (batch, 1, 1, self.attr("channels"))

    def compute(self, x):
        return channel_sums(np.asarray(x).reshape(len(x), 1, 1, -1), self.terms())
