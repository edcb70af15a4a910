"""BilinearCrop: SiamFC's search crop in the fabric, Pillow's bytes (hw/rtl/bilinear_crop.v).

The input is one crop's header and the whole frame, 8 bytes a word (deploy/crop_stream.py, the
format and the numpy model); the output is the out_size x out_size crop as INT8 codes, 3 a word,
the network's input. Its cycles depend on the crop (the rows fetched, the columns inside the
frame): cycles() is the bound of a crop whose every output row fetches two frame rows.
"""

from __future__ import annotations

import numpy as np
from qonnx.core.datatype import DataType

from deploy import crop_stream
from flow.estimate import add_resources, memories_resources
from flow.ops.base import HWOp, Memory, Stream, ram_style_for

# hw/rtl/bilinear_crop.v's pipeline along x: tables, row buffer, conversion, then fp64_lerp (12)
X_LATENCY = 15


class BilinearCrop(HWOp):
    rtl_module = "bilinear_crop"

    def op_attrs(self):
        return {
            "out_size": ("i", True, 0),
            "frame_height": ("i", True, 0),
            "frame_width": ("i", True, 0),
            "out_dtype": ("s", False, "INT8"),
        }

    def geometry(self) -> tuple[int, int, int]:
        return self.attr("out_size"), self.attr("frame_height"), self.attr("frame_width")

    def in_shape(self, batch):
        return (batch, crop_stream.stream_words(*self.geometry()) * crop_stream.WORD_BYTES)

    def out_shape(self, batch):
        n = self.attr("out_size")
        return (batch, n, n, 3)

    def out_dtype(self):
        return DataType["INT8"]

    def compute(self, x):
        n, h, w = self.geometry()
        codes = [crop_stream.crop_codes(np.asarray(frame).astype(np.uint8), n, h, w) for frame in x]
        return np.stack(codes).view(np.int8).astype(np.int64)

    def in_stream(self):
        return Stream(crop_stream.WORD_BYTES, DataType["UINT8"], crop_stream.stream_words(*self.geometry()))

    def out_stream(self):
        n = self.attr("out_size")
        return Stream(3, self.out_dtype(), n * n)

    def check_folding(self):
        n, h, w = self.geometry()
        if not (1 <= n < 1 << 16 and 1 <= h < 1 << 16 and 1 <= w < 1 << 16):
            raise self.fold_error(f"out_size={n}, frame {h} x {w}: each must lie in [1, 65535]")

    def cycles(self):
        n, h, _ = self.geometry()
        # the header; per output row its two table cycles and the blend, and two fetches, each
        # its columns and the along-x drain; the frame's words, a row end costing one more
        return (crop_stream.header_words(n) + n * (2 + n) + 2 * n * (n + X_LATENCY + 2)
                + crop_stream.frame_words(*self.geometry()[1:]) + h + 2)

    def bank_depth(self) -> int:
        return max((3 * self.attr("frame_width") + 2) // 8 + 1, 4)

    def memories(self):
        n = self.attr("out_size")
        byte_bits = (self.bank_depth() - 1).bit_length() + 3
        tables = [Memory("dx", 64, n, "block"), Memory("dy", 64, n, "block"),
                  Memory("columns", byte_bits + 1, n, ram_style_for((byte_bits + 1) * n)),
                  Memory("rows", 32, n, ram_style_for(32 * n))]
        slots = [Memory(f"slot{i}", 192, n, "block") for i in range(2)]
        banks = [Memory(f"bank{i}", 8, self.bank_depth(), ram_style_for(8 * self.bank_depth())) for i in range(8)]
        return tables + slots + banks

    def resources(self):
        # 3 fp64_lerp (a channel each, both passes): 6 float64 adders, 3 multipliers, their
        # operands' delay lines (p 8 cycles, w 4: 12 x 64 bits each), the control
        units = {"LUT": 6 * FP64_ADD["LUT"] + 3 * FP64_MUL["LUT"] + 600,
                 "FF": 6 * FP64_ADD["FF"] + 3 * FP64_MUL["FF"] + 1200 + 3 * 12 * 64,
                 "DSP": 3 * FP64_MUL["DSP"]}
        return add_resources(memories_resources(self), units)

    def rtl_params(self, model, memdir):
        n, h, w = self.geometry()
        return {"N": n, "H": h, "W": w}


# one unit by Yosys 0.70's synth_xilinx (hw/rtl/fp64_add.v: 61 CARRY4 besides; fp64_mul.v: its
# 53 x 53 product in DSP48s, 16 SRL16E among the LUTs)
FP64_ADD = {"LUT": 929, "FF": 333, "DSP": 0}
FP64_MUL = {"LUT": 304, "FF": 276, "DSP": 12}
