"""Thresholding: a standalone multi-threshold activation on a channels-last stream.

Used where an activation quantizer does not follow an MVAU directly. Inputs are integers
(not bipolar: a quantizer on a bipolar tensor is an identity or a sign flip, removed earlier). Folding: PE channels
per word; the thresholds of PE channels are read together, or searched (many thresholds:
flow/ops/threshold_search.py).
"""

from __future__ import annotations

from pathlib import Path

from qonnx.core.datatype import DataType

from flow.estimate import add_resources, comparator_luts, memories_resources
from flow.ops.base import Memory, dtype_attr, pack_fields, read_memh_fields, write_memh
from flow.ops.channelwise import ChannelwiseOp
from flow.ops.threshold_search import (
    ComparedInHLS,
    read_effective_thresholds,
    search_resources,
    uses_search,
    write_stage_files,
)
from flow.ops.thresholds import apply_thresholds, clamp_thresholds, threshold_bits
from flow.packing import from_codes


class Thresholding(ComparedInHLS, ChannelwiseOp):
    rtl_module = "thresholding"

    def op_attrs(self):
        return {**self.channelwise_attrs(), "act_bias": ("i", False, 0)}

    def compute(self, x, thresholds):
        return apply_thresholds(x, thresholds, self.out_dtype(), self.attr("act_bias"))

    def threshold_count(self) -> int:
        """Thresholds per channel: one per output level above the lowest."""
        out = self.out_dtype()
        return 1 if out == DataType["BIPOLAR"] else 2 ** out.bitwidth() - 1

    def threshold_bits(self) -> int:
        in_dt = dtype_attr(self, "in_dtype")
        return threshold_bits(int(in_dt.min()), int(in_dt.max()))

    def threshold_search(self) -> bool:
        return uses_search(self.threshold_count())

    def search_resources(self):
        pe = self.attr("PE")
        return search_resources(pe, self.attr("channels") // pe, self.threshold_count(),
                                dtype_attr(self, "in_dtype").bitwidth(), self.threshold_bits(),
                                self.out_dtype().bitwidth())

    def memories(self):
        if self.threshold_search():
            return self.search_resources()[1]
        width = self.attr("PE") * self.threshold_count() * self.threshold_bits()
        return [Memory("thresholds", width, self.attr("channels") // self.attr("PE"), "distributed",
                       writable=False)]

    def resources(self):
        pe = self.attr("PE")
        in_bits = dtype_attr(self, "in_dtype").bitwidth()
        out_bits = self.out_dtype().bitwidth()
        if self.threshold_search():
            logic = self.search_resources()[0]
            return add_resources(memories_resources(self), {"LUT": 30 + logic["LUT"],
                                                            "FF": 20 + pe * in_bits + logic["FF"]})
        return add_resources(memories_resources(self),
                             {"LUT": 30 + pe * (self.threshold_count() * comparator_luts(in_bits + 1) + out_bits),
                              "FF": 20 + pe * (in_bits + out_bits)})

    def rtl_params(self, model, memdir: Path, search: bool | None = None):
        """search: thresholds by binary search (default: where they are many)."""
        c, pe = self.attr("channels"), self.attr("PE")
        in_dt, out_dt = dtype_attr(self, "in_dtype"), self.out_dtype()
        lo, hi = int(in_dt.min()), int(in_dt.max())
        t = clamp_thresholds(model.get_initializer(self.onnx_node.input[1]), lo, hi)
        t_bits = self.threshold_bits()
        n_thres = t.shape[1]
        params = {
            "C": c, "PE": pe, "IN_BITS": in_dt.bitwidth(), "IN_SIGNED": int(in_dt.signed()),
            "N_THRES": n_thres, "THRES_BITS": t_bits, "OUT_BITS": out_dt.bitwidth(),
            "ACT_BIAS": 0 if out_dt == DataType["BIPOLAR"] else self.attr("act_bias"),
        }
        if self.threshold_search() if search is None else search:
            stem = f"{self.name}_thresholds"
            write_stage_files(memdir, stem, t, pe, hi + 1, t_bits)
            return {**params, "THRES_SEARCH": 1, "THRES_FILE": stem}
        rows = (t.reshape(c // pe, pe, n_thres) & ((1 << t_bits) - 1)).reshape(c // pe, pe * n_thres)
        thres_file = f"{self.name}_thresholds.mem"
        write_memh(memdir / thres_file, pack_fields(rows, t_bits), pe * n_thres * t_bits)
        return {**params, "THRES_FILE": thres_file}

    def memory_parameters(self, memdir: Path):
        c, pe = self.attr("channels"), self.attr("PE")
        t_bits, n_thres = self.threshold_bits(), self.threshold_count()
        if self.threshold_search():
            return [read_effective_thresholds(memdir, f"{self.name}_thresholds", c, pe, n_thres, t_bits)]
        codes = read_memh_fields(memdir / f"{self.name}_thresholds.mem", pe * n_thres, t_bits)
        return [from_codes(codes.reshape(c, n_thres), f"INT{t_bits}")]
