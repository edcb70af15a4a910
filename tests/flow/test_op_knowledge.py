"""What the passes and reports know about an op comes from its class: an op defined here, in
no table of the compiler, is folded, estimated and reported like the built-in ones."""

import inspect

import numpy as np
import pytest
from qonnx.custom_op.registry import getCustomOp

import flow.ops
from flow.board.package import stream_facts
from flow.estimate import total_resources
from flow.fold import apply_folding, auto_folding, folding_of
from flow.insert_plumbing import insert_plumbing
from flow.ops import FoldingError, HWOp, Stream
from flow.ops.base import Workload, dtype_attr, require_divisible
from tests.helpers import single_op_model


class Negate(HWOp):
    """-x, PE channels a cycle: a compute op unknown to flow/."""

    rtl_module = "negate"
    folding_attrs = ("PE",)
    output_kind = "classes"  # not true of a negation: shows the driver's facts come from the op

    def op_attrs(self):
        return {"channels": ("i", True, 0), "PE": ("i", False, 1),
                "in_dtype": ("s", True, ""), "out_dtype": ("s", True, "")}

    def in_shape(self, batch):
        return (batch, self.attr("channels"))

    def out_shape(self, batch):
        return self.in_shape(batch)

    def compute(self, x):
        return -np.asarray(x)

    def in_stream(self):
        pe = self.attr("PE")
        return Stream(pe, dtype_attr(self, "in_dtype"), self.attr("channels") // pe)

    def out_stream(self):
        pe = self.attr("PE")
        return Stream(pe, self.out_dtype(), self.attr("channels") // pe)

    def check_folding(self):
        require_divisible(self, self.attr("channels"), "channels", self.attr("PE"), "PE")

    def cycles(self):
        return self.in_stream().words

    def resources(self):
        return {"LUT": 7 * self.attr("PE"), "FF": 3, "BRAM36": 0, "DSP": 0}

    def auto_fold(self, model, target_cycles, folding):
        return {"PE": self.least_parallelism("PE", self.attr("channels"), target_cycles)}

    def workload(self):
        return Workload(macs=self.attr("channels"), weights=1, in_bits=4, w_bits=1)

    def rtl_params(self, model, memdir):
        return {}


def negate_model():
    return single_op_model("Negate", (1, 12), domain=__name__, channels=12, in_dtype="INT4",
                           out_dtype="INT5")


def test_every_op_knows_its_resources():
    for name in flow.ops.__all__:
        cls = getattr(flow.ops, name)
        if inspect.isclass(cls) and issubclass(cls, HWOp) and cls is not HWOp:
            assert not inspect.isabstract(cls), name


def test_a_new_op_is_folded_by_its_own_knowledge():
    model = negate_model()
    # 12 words at PE=1; 3 cycles a frame need PE=4, the least divisor of 12 that reaches them
    folding = auto_folding(model, 100e6 / 3, 100)
    assert folding == {"Negate_0": {"PE": 4}}
    apply_folding(model, folding)
    assert folding_of(model) == {"Negate_0": {"PE": 4}}
    with pytest.raises(FoldingError, match=r"Negate node 'Negate_0': 'SIMD' is not a folding "
                                           r"attribute \(allowed: PE\)"):
        apply_folding(model, {"Negate_0": {"SIMD": 2}})


def test_a_new_op_is_estimated_reported_and_packaged_by_its_own_knowledge():
    model = insert_plumbing(apply_folding(negate_model(), {"Negate_0": {"PE": 4}}))
    ops = [getCustomOp(n) for n in model.graph.node]
    negate = next(op for op in ops if isinstance(op, Negate))
    assert total_resources(model)["LUT"] == sum(op.resources()["LUT"] for op in ops)
    assert negate.resources()["LUT"] == 28
    assert negate.folding() == {"PE": 4}
    assert negate.workload().bit_ops == 12 * 4
    assert [op.plumbing for op in ops] == [True, False, True]
    _, out = stream_facts(model)
    assert out["kind"] == "classes" and out["elems"] == 4
