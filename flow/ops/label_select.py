"""LabelSelect: the indices of the K largest of L values (top-K), for classifiers.

Ties go to the lower index, as in ONNX TopK, so the result equals onnxruntime's.
Folding: PE values per input word; one index per output word.
"""

from __future__ import annotations

import math

import numpy as np
from qonnx.core.datatype import DataType

from flow.estimate import comparator_luts
from flow.ops.base import HWOp, Stream, dtype_attr, require_divisible


def label_select(x: np.ndarray, k: int) -> np.ndarray:
    """x (N, L) -> (N, k) indices, largest first, lower index first among equals."""
    return np.argsort(-np.asarray(x, dtype=np.int64), axis=-1, kind="stable")[:, :k]


def index_dtype(labels: int) -> DataType:
    return DataType[f"UINT{max(1, int(labels - 1).bit_length())}"]


class LabelSelect(HWOp):
    rtl_module = "label_select"
    folding_attrs = ("PE",)
    output_kind = "classes"

    def op_attrs(self):
        return {
            "labels": ("i", True, 0),
            "K": ("i", True, 1),
            "PE": ("i", False, 1),
            "in_dtype": ("s", True, ""),
            "out_dtype": ("s", True, ""),
        }

    def in_shape(self, batch):
        return (batch, self.attr("labels"))

    def out_shape(self, batch):
        return (batch, self.attr("K"))

    def compute(self, x):
        return label_select(x, self.attr("K"))

    def in_stream(self):
        pe = self.attr("PE")
        return Stream(pe, dtype_attr(self, "in_dtype"), self.attr("labels") // pe)

    def out_stream(self):
        return Stream(1, self.out_dtype(), self.attr("K"))

    def check_folding(self):
        require_divisible(self, self.attr("labels"), "labels", self.attr("PE"), "PE")
        if not 1 <= self.attr("K") <= self.attr("labels"):
            raise self.fold_error(f"K={self.attr('K')} must lie in [1, labels={self.attr('labels')}]")

    def cycles(self):
        # one value enters the sorted list per cycle; the K indices leave while the next
        # frame enters (hw/rtl/label_select.v)
        return self.attr("labels")

    def resources(self):
        in_bits = dtype_attr(self, "in_dtype").bitwidth()
        idx_bits = self.out_dtype().bitwidth()
        k, pe = self.attr("K"), self.attr("PE")
        entry = in_bits + idx_bits
        return {"LUT": 40 + k * (comparator_luts(in_bits) + entry) + pe * in_bits,
                "FF": 30 + k * entry + pe * in_bits, "BRAM36": 0, "DSP": 0}

    def auto_fold(self, model, target_cycles, folding):
        """Takes its producer's words as they come: PE divides the producer's PE."""
        producer = model.find_producer(self.onnx_node.input[0])
        pe = folding.get(producer.name, {}).get("PE", 1) if producer is not None else 1
        return {"PE": math.gcd(pe, self.attr("labels"))}

    def rtl_params(self, model, memdir):
        in_dt = dtype_attr(self, "in_dtype")
        return {
            "LABELS": self.attr("labels"), "K": self.attr("K"), "PE": self.attr("PE"),
            "IN_BITS": in_dt.bitwidth(),
            "IN_SIGNED": int(in_dt.signed() and in_dt != DataType["BIPOLAR"]),
            "OUT_BITS": self.out_dtype().bitwidth(),
        }
