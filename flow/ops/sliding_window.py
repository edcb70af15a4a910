"""SlidingWindow: streams the convolution windows (im2col) of a channels-last feature map.

For each output pixel (oy, ox) it emits the KH x KW window, kernel row by kernel row,
kernel column by kernel column, channels fastest: element (kh, kw, c) of the window sits at
index (kh * KW + kw) * C + c, matching the MVAU's weight-row order. Positions outside the
image (padding) carry 0. Folding: SIMD channels per word (hw/rtl/sliding_window.v), or the whole
window per word, SIMD = KH * KW * C (hw/rtl/parallel_window.v, without padding): one window a
cycle, for an MVAU that takes more than one kernel position a cycle.
"""

from __future__ import annotations

import math

import numpy as np
from qonnx.custom_op.registry import getCustomOp

from flow.estimate import add_resources, memories_resources
from flow.ops.base import HWOp, Memory, Stream, divisors, ram_style_for

# Vitis HLS's widest ap_uint (AP_INT_MAX_W, set in hw/hls/stream_word.hpp)
WIDEST_WORD = 4096


def output_dims(ifm: tuple[int, int], kernel, stride, pads) -> tuple[int, int]:
    """pads = (top, left, bottom, right), as in ONNX order for 2-D (begin..., end...)."""
    (h, w), (kh, kw), (sh, sw), (pt, pl, pb, pr) = ifm, kernel, stride, pads
    return (h + pt + pb - kh) // sh + 1, (w + pl + pr - kw) // sw + 1


def sliding_window(x: np.ndarray, kernel, stride, pads) -> np.ndarray:
    """x (N, H, W, C) -> (N, OH, OW, KH*KW*C)."""
    n, h, w, c = x.shape
    (kh, kw), (sh, sw), (pt, pl, pb, pr) = kernel, stride, pads
    oh, ow = output_dims((h, w), kernel, stride, pads)
    padded = np.zeros((n, h + pt + pb, w + pl + pr, c), dtype=np.int64)
    padded[:, pt:pt + h, pl:pl + w, :] = x
    out = np.empty((n, oh, ow, kh, kw, c), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            out[:, :, :, i, j, :] = padded[:, i:i + sh * (oh - 1) + 1:sh, j:j + sw * (ow - 1) + 1:sw, :]
    return out.reshape(n, oh, ow, kh * kw * c)


def line_buffer_rows(ifm, kernel, stride, pads) -> int:
    """Image rows the RTL line buffer (hw/rtl/sliding_window.v, NROWS) holds.

    Enough for the rows of two consecutive output rows, also across a frame boundary
    (the last output row of one frame and the first of the next), so reading and writing
    overlap fully.
    """
    (h, _), (kh, _), (sh, _), (pt, _, _, _) = ifm, kernel, stride, pads
    oh, _ = output_dims(ifm, kernel, stride, pads)
    last_y0 = (oh - 1) * sh - pt
    need_last = min(h - 1, last_y0 + kh - 1) - max(0, last_y0) + 1
    need_first = min(h - 1, kh - 1 - pt) + 1
    step = kh + min(sh, kh) if oh > 1 else 0
    return max(step, need_last + need_first)


class SlidingWindow(HWOp):
    folding_attrs = ("SIMD",)
    rtl_modules = ("sliding_window", "parallel_window")

    @property
    def rtl_module(self) -> str:
        return "parallel_window" if self.whole_window() else "sliding_window"

    def op_attrs(self):
        return {
            "ifm_dims": ("ints", True, []),      # [H, W]
            "channels": ("i", True, 0),
            "kernel": ("ints", True, []),        # [KH, KW]
            "stride": ("ints", True, []),        # [SH, SW]
            "pads": ("ints", False, [0, 0, 0, 0]),  # [top, left, bottom, right]
            "SIMD": ("i", False, 1),
            "out_dtype": ("s", True, ""),
        }

    def geometry(self):
        return (tuple(self.attr("ifm_dims")), tuple(self.attr("kernel")),
                tuple(self.attr("stride")), tuple(self.attr("pads")))

    def window_size(self) -> int:
        """Elements of one window: KH * KW * channels."""
        kh, kw = self.attr("kernel")
        return kh * kw * self.attr("channels")

    def window_bits(self) -> int:
        return self.window_size() * self.out_dtype().bitwidth()

    def whole_window(self) -> bool:
        """A word per window (SIMD = the window's size, more than one kernel position)."""
        return self.attr("SIMD") == self.window_size() > self.attr("channels")

    def can_stream_whole_windows(self) -> bool:
        """parallel_window.v takes no padding, and the HLS twin's word is an ap_uint of at most
        WIDEST_WORD bits."""
        return not any(self.attr("pads")) and self.window_bits() <= WIDEST_WORD

    def ofm_dims(self) -> tuple[int, int]:
        return output_dims(*self.geometry())

    def in_shape(self, batch):
        return (batch, *self.attr("ifm_dims"), self.attr("channels"))

    def out_shape(self, batch):
        return (batch, *self.ofm_dims(), self.window_size())

    def compute(self, x):
        _, kernel, stride, pads = self.geometry()
        return sliding_window(x, kernel, stride, pads)

    def in_stream(self):
        h, w = self.attr("ifm_dims")
        simd = self.attr("channels") if self.whole_window() else self.attr("SIMD")
        return Stream(simd, self.out_dtype(), h * w * self.attr("channels") // simd)

    def out_stream(self):
        oh, ow = self.ofm_dims()
        simd = self.attr("SIMD")
        return Stream(simd, self.out_dtype(), oh * ow * self.window_size() // simd)

    def check_folding(self):
        if self.whole_window():
            if any(self.attr("pads")):
                raise self.fold_error(f"SIMD={self.attr('SIMD')} (a whole window per word) needs no "
                                      f"padding, got pads {list(self.attr('pads'))}; SIMD dividing "
                                      f"channels={self.attr('channels')} streams padded windows")
            if self.window_bits() > WIDEST_WORD:
                raise self.fold_error(f"SIMD={self.attr('SIMD')} (a whole window per word) makes "
                                      f"{self.window_bits()}-bit words; the HLS backend takes at most "
                                      f"{WIDEST_WORD}")
            return
        if self.attr("channels") % self.attr("SIMD") != 0:
            legal = ", ".join(str(d) for d in divisors(self.attr("channels")))
            raise self.fold_error(f"SIMD={self.attr('SIMD')} must divide channels={self.attr('channels')} "
                                  f"(legal: {legal}, or {self.window_size()}: a whole window per word)")

    def cycles(self):
        # reading and writing overlap; the busier side sets the pace
        return max(self.in_stream().words, self.out_stream().words)

    def shift_register_luts(self) -> int:
        """parallel_window.v's shift register between the taps: per kernel row but the last,
        IFM_W - KW pixels in SRL32s (32 bits deep per LUT)."""
        (_, w), (kh, kw), *_ = self.geometry()
        return (kh - 1) * self.attr("channels") * self.out_dtype().bitwidth() * math.ceil((w - kw) / 32)

    def line_buffer(self) -> Memory:
        (_, w), *_ = self.geometry()
        simd = self.attr("SIMD")
        width = simd * self.out_dtype().bitwidth()
        depth = line_buffer_rows(*self.geometry()) * w * (self.attr("channels") // simd)
        return Memory("line_buffer", width, depth, ram_style_for(width * depth))

    def memories(self):
        return [] if self.whole_window() else [self.line_buffer()]

    def resources(self):
        if self.whole_window():
            # the runs between the taps are shift-register LUTs, which also take the last tap of
            # each kernel row but the newest; the other taps are flip-flops; counters (Yosys
            # 0.70 on 12x12x16 INT4 to 32x32x3 UINT8 windows: within 11 %)
            pixel = self.out_dtype().bitwidth() * self.attr("channels")
            (kh, kw) = self.attr("kernel")
            return {"LUT": 20 + self.shift_register_luts(), "FF": 15 + (kh * kw - (kh - 1)) * pixel,
                    "BRAM36": 0, "DSP": 0}
        # address counters and control, plus a register and a read multiplexer per output bit
        bits = self.out_dtype().bitwidth() * self.attr("SIMD")
        return add_resources(memories_resources(self), {"LUT": 160 + bits, "FF": 105 + bits})

    def fold_unlisted(self, model):
        """Streams its MVAU's SIMD, or its VVAU's PE (channels a word, both): the two match
        without a width converter between them. An MVAU SIMD that does not divide the channels
        takes whole windows (a width converter cuts them)."""
        consumer = model.find_consumer(self.onnx_node.output[0])
        if consumer is not None and consumer.op_type == "VVAU":
            self.set_nodeattr("SIMD", getCustomOp(consumer).attr("PE"))
        elif consumer is not None and consumer.op_type == "MVAU":
            simd = getCustomOp(consumer).attr("SIMD")
            if self.attr("channels") % simd == 0:
                self.set_nodeattr("SIMD", simd)
            elif self.can_stream_whole_windows():
                self.set_nodeattr("SIMD", self.window_size())

    def rtl_params(self, model, memdir):
        (h, w), (kh, kw), (sh, sw), (pt, pl, pb, pr) = self.geometry()
        params = {"IFM_H": h, "IFM_W": w, "C": self.attr("channels"), "K_H": kh, "K_W": kw,
                  "STRIDE_H": sh, "STRIDE_W": sw, "BITS": self.out_dtype().bitwidth()}
        if self.whole_window():   # parallel_window.v: no padding, no folding, no line buffer
            return params
        return {**params, "PAD_T": pt, "PAD_L": pl, "PAD_B": pb, "PAD_R": pr,
                "SIMD": self.attr("SIMD"), "RAM_STYLE": self.line_buffer().style}
