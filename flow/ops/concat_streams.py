"""ConcatStreams: two channels-last streams joined along channels, per pixel A's channels then B's
(ONNX Concat on axis 1 of NCHW). The operands may differ in datatype; the output's holds both.
Folding: PE elements per word on all three streams (dividing both operands' channels)."""

from __future__ import annotations

import numpy as np

from flow.ops.base import HWOp, Stream, dtype_attr, require_divisible


class ConcatStreams(HWOp):
    rtl_module = "concat_streams"
    folding_attrs = ("PE",)
    stream_inputs = 2

    def op_attrs(self):
        return {
            "vector_dims": ("ints", False, []),  # leading dims of one frame: [H, W] or []
            "a_channels": ("i", True, 0),
            "b_channels": ("i", True, 0),
            "PE": ("i", False, 1),
            "a_dtype": ("s", True, ""),
            "b_dtype": ("s", True, ""),
            "out_dtype": ("s", True, ""),
        }

    def pixels(self) -> int:
        return int(np.prod(self.attr("vector_dims"), dtype=np.int64))

    def channels(self) -> int:
        return self.attr("a_channels") + self.attr("b_channels")

    def _shape(self, batch, channels):
        return (batch, *self.attr("vector_dims"), channels)

    def in_shape(self, batch):
        return self._shape(batch, self.attr("a_channels"))

    def input_shape(self, index, batch):
        return self._shape(batch, self.attr(("a_channels", "b_channels")[index]))

    def out_shape(self, batch):
        return self._shape(batch, self.channels())

    def compute(self, a, b):
        return np.concatenate([np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)], axis=-1)

    def execute_node(self, context, graph):
        a, b = (context[name] for name in self.onnx_node.input)
        n = a.shape[0]
        y = self.compute(a.reshape(self.input_shape(0, n)), b.reshape(self.input_shape(1, n)))
        context[self.onnx_node.output[0]] = y.astype(self.context_dtype())

    def _stream(self, dtype, channels) -> Stream:
        pe = self.attr("PE")
        return Stream(pe, dtype, self.pixels() * channels // pe)

    def in_stream(self):
        return self._stream(dtype_attr(self, "a_dtype"), self.attr("a_channels"))

    def input_streams(self):
        return [self.in_stream(), self._stream(dtype_attr(self, "b_dtype"), self.attr("b_channels"))]

    def out_stream(self):
        return self._stream(self.out_dtype(), self.channels())

    def check_folding(self):
        for side in ("a_channels", "b_channels"):
            require_divisible(self, self.attr(side), side, self.attr("PE"), "PE")

    def cycles(self):
        return self.out_stream().words

    def resources(self):
        # the operand multiplexer and the 4-word output queue per output bit; the word counter
        bits = self.attr("PE") * self.out_dtype().bitwidth()
        return {"LUT": 2 * bits + 12, "FF": 5 * bits + 12, "BRAM36": 0, "DSP": 0}

    def auto_fold(self, model, target_cycles, folding):
        common = int(np.gcd(self.attr("a_channels"), self.attr("b_channels")))
        return {"PE": self.least_parallelism("PE", common, target_cycles)}

    def rtl_params(self, model, memdir):
        a, b, out = (dtype_attr(self, k) for k in ("a_dtype", "b_dtype", "out_dtype"))
        pe = self.attr("PE")
        return {"PE": pe, "A_WORDS": self.attr("a_channels") // pe, "B_WORDS": self.attr("b_channels") // pe,
                "A_BITS": a.bitwidth(), "A_SIGNED": int(a.signed()), "B_BITS": b.bitwidth(),
                "B_SIGNED": int(b.signed()), "OUT_BITS": out.bitwidth()}
