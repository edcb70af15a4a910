"""DuplicateStreams: one stream sent on two, where a tensor feeds two ops (a residual block's
skip and its convolutions). A word leaves once both outputs took it, so the slower branch paces
the faster, and the FIFO on the shorter branch must hold what the longer one takes in before its
first output (flow/size_fifos.py sizes it; flow/insert_plumbing.py starts it at a whole frame)."""

from __future__ import annotations

import numpy as np
from onnx import helper

from flow.ops.base import HWOp, Stream, require_divisible


class DuplicateStreams(HWOp):
    rtl_module = "duplicate_streams"
    folding_attrs = ("PE",)

    def op_attrs(self):
        return {
            "shape": ("ints", True, []),  # one frame, channels-last, without the batch axis
            "PE": ("i", False, 1),
            "out_dtype": ("s", True, ""),
        }

    def channels(self) -> int:
        return self.attr("shape")[-1]

    def in_shape(self, batch):
        return (batch, *self.attr("shape"))

    def out_shape(self, batch):
        return self.in_shape(batch)

    def make_shape_compatible_op(self, model):
        # an ONNX op with two outputs of its input's shape (Dropout's mask is typed bool, which
        # no step reads: datatypes are qonnx annotations)
        return helper.make_node("Dropout", [self.onnx_node.input[0]], list(self.onnx_node.output))

    def infer_node_datatype(self, model):
        for out in self.onnx_node.output:
            model.set_tensor_datatype(out, self.out_dtype())

    def compute(self, x):
        return x

    def execute_node(self, context, graph):
        x = context[self.onnx_node.input[0]]
        y = self.compute(x.reshape(self.out_shape(x.shape[0]))).astype(self.context_dtype())
        for out in self.onnx_node.output:
            context[out] = y

    def stream(self) -> Stream:
        pe = self.attr("PE")
        return Stream(pe, self.out_dtype(), int(np.prod(self.attr("shape"), dtype=np.int64)) // pe)

    def in_stream(self):
        return self.stream()

    def out_stream(self):
        return self.stream()

    def check_folding(self):
        require_divisible(self, self.channels(), "channels", self.attr("PE"), "PE")

    def cycles(self):
        return self.stream().words

    def resources(self):
        # a taken flag per output and the joined ready; the data wires fan out
        return {"LUT": 4, "FF": 2, "BRAM36": 0, "DSP": 0}

    def auto_fold(self, model, target_cycles, folding):
        return {"PE": self.least_parallelism("PE", self.channels(), target_cycles)}

    def rtl_params(self, model, memdir):
        return {"WIDTH": self.stream().bits}
