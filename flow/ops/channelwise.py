"""What the ops that map each element of a channels-last stream by its channel's parameters share
(Thresholding, ChannelScale): `channels` of an input of `in_dtype`, `vector_dims` pixels a frame,
PE channels a word, one word a cycle, folded by PE alone."""

from __future__ import annotations

import numpy as np

from flow.ops.base import HWOp, Stream, dtype_attr, require_divisible


class ChannelwiseOp(HWOp):
    folding_attrs = ("PE",)

    def channelwise_attrs(self) -> dict:
        return {
            "channels": ("i", True, 0),
            "PE": ("i", False, 1),
            "in_dtype": ("s", True, ""),
            "out_dtype": ("s", True, ""),
            "vector_dims": ("ints", False, []),  # leading dims of one frame: [H, W] or []
        }

    def num_vectors(self) -> int:
        return int(np.prod(self.attr("vector_dims"), dtype=np.int64))

    def in_shape(self, batch):
        return (batch, *self.attr("vector_dims"), self.attr("channels"))

    def out_shape(self, batch):
        return self.in_shape(batch)

    def _stream(self, dtype) -> Stream:
        pe = self.attr("PE")
        return Stream(pe, dtype, self.num_vectors() * self.attr("channels") // pe)

    def in_stream(self):
        return self._stream(dtype_attr(self, "in_dtype"))

    def out_stream(self):
        return self._stream(self.out_dtype())

    def check_folding(self):
        require_divisible(self, self.attr("channels"), "channels", self.attr("PE"), "PE")

    def cycles(self):
        return self.in_stream().words

    def auto_fold(self, model, target_cycles, folding):
        return {"PE": self.least_parallelism("PE", self.attr("channels"), target_cycles)}
