"""ChannelScale: each channel times a positive integer factor of its own, on a channels-last stream.

It is what streamlining cannot fold: the join of two branches whose scales differ by an exact
small ratio p/q per channel (power-of-two scales, as FINN-style quantizers give) adds p*A + q*B,
the scale sa/p = sb/q taken out (flow/streamline/joins.py). Offsets fold into the forms, so no
bias is needed. Folding: PE channels per word; the factors of PE channels are one ROM word.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from flow.estimate import add_resources, memories_resources
from flow.ops.base import Memory, dtype_attr, pack_fields, read_memh_fields, write_memh
from flow.ops.channelwise import ChannelwiseOp


class ChannelScale(ChannelwiseOp):
    rtl_module = "channel_scale"

    def op_attrs(self):
        return {**self.channelwise_attrs(), "factor_bits": ("i", True, 1)}   # unsigned factors

    def compute(self, x, factors):
        return np.asarray(x, dtype=np.int64) * np.asarray(factors, dtype=np.int64).reshape(-1)

    def factors(self) -> Memory:
        pe = self.attr("PE")
        return Memory("factors", pe * self.attr("factor_bits"), self.attr("channels") // pe, "distributed",
                      writable=False)

    def memories(self):
        return [self.factors()]

    def resources(self):
        # a LUT multiplier per lane (about one LUT per partial-product bit), the 4-word output queue
        pe, in_bits, out_bits = self.attr("PE"), dtype_attr(self, "in_dtype").bitwidth(), self.out_dtype().bitwidth()
        return add_resources(memories_resources(self),
                             {"LUT": 20 + pe * (in_bits * self.attr("factor_bits") + out_bits),
                              "FF": 20 + pe * (in_bits + 5 * out_bits)})

    def rtl_params(self, model, memdir: Path):
        c, pe, k_bits = self.attr("channels"), self.attr("PE"), self.attr("factor_bits")
        in_dt = dtype_attr(self, "in_dtype")
        factors = np.asarray(model.get_initializer(self.onnx_node.input[1]), dtype=np.int64).reshape(c // pe, pe)
        factor_file = f"{self.name}_factors.mem"
        write_memh(memdir / factor_file, pack_fields(factors, k_bits), pe * k_bits)
        return {"C": c, "PE": pe, "IN_BITS": in_dt.bitwidth(), "IN_SIGNED": int(in_dt.signed()),
                "K_BITS": k_bits, "OUT_BITS": self.out_dtype().bitwidth(), "FACTOR_FILE": factor_file}

    def memory_parameters(self, memdir: Path):
        codes = read_memh_fields(memdir / f"{self.name}_factors.mem", self.attr("PE"), self.attr("factor_bits"))
        return [codes.reshape(-1)]
