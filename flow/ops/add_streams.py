"""AddStreams: the element-wise sum of two channels-last streams of the same shape, the join of a
residual block (its quantizer follows as a Thresholding). The operands may differ in datatype;
the sum's type holds every sum of theirs. Folding: PE elements per word on all three streams."""

from __future__ import annotations

import numpy as np

from flow.ops.base import HWOp, Stream, dtype_attr, require_divisible


class AddStreams(HWOp):
    rtl_module = "add_streams"
    folding_attrs = ("PE",)
    stream_inputs = 2

    def op_attrs(self):
        return {
            "shape": ("ints", True, []),  # one frame, channels-last, without the batch axis
            "PE": ("i", False, 1),
            "a_dtype": ("s", True, ""),
            "b_dtype": ("s", True, ""),
            "out_dtype": ("s", True, ""),
        }

    def channels(self) -> int:
        return self.attr("shape")[-1]

    def frame_elems(self) -> int:
        return int(np.prod(self.attr("shape"), dtype=np.int64))

    def in_shape(self, batch):
        return (batch, *self.attr("shape"))

    def out_shape(self, batch):
        return self.in_shape(batch)

    def compute(self, a, b):
        return np.asarray(a, dtype=np.int64) + np.asarray(b, dtype=np.int64).reshape(np.shape(a))

    def execute_node(self, context, graph):
        a, b = (context[name] for name in self.onnx_node.input)
        shape = self.in_shape(a.shape[0])
        y = self.compute(a.reshape(shape), b.reshape(shape))
        context[self.onnx_node.output[0]] = y.astype(self.context_dtype())

    def _stream(self, dtype) -> Stream:
        pe = self.attr("PE")
        return Stream(pe, dtype, self.frame_elems() // pe)

    def in_stream(self):
        return self._stream(dtype_attr(self, "a_dtype"))

    def input_streams(self):
        return [self.in_stream(), self._stream(dtype_attr(self, "b_dtype"))]

    def out_stream(self):
        return self._stream(self.out_dtype())

    def check_folding(self):
        require_divisible(self, self.channels(), "channels", self.attr("PE"), "PE")

    def cycles(self):
        return self.out_stream().words

    def resources(self):
        # one carry-chain adder per output bit and the output register; the joined handshake
        bits = self.attr("PE") * self.out_dtype().bitwidth()
        return {"LUT": bits + 4, "FF": bits + 1, "BRAM36": 0, "DSP": 0}

    def auto_fold(self, model, target_cycles, folding):
        return {"PE": self.least_parallelism("PE", self.channels(), target_cycles)}

    def rtl_params(self, model, memdir):
        a, b, out = (dtype_attr(self, k) for k in ("a_dtype", "b_dtype", "out_dtype"))
        return {"PE": self.attr("PE"), "A_BITS": a.bitwidth(), "A_SIGNED": int(a.signed()),
                "B_BITS": b.bitwidth(), "B_SIGNED": int(b.signed()), "OUT_BITS": out.bitwidth()}
