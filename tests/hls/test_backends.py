"""Every hardware op has both backends: a Verilog module in hw/rtl/ and a C++ template of the same
name in hw/hls/ (FIFOs are hls::stream depths in the HLS top), and a missing one is a clear error."""

import pytest
from qonnx.custom_op.registry import getCustomOp

import flow.ops
from flow.backends.hls.codegen import HLS_DIR, generate_hls
from flow.backends.rtl.sources import RTL_DIR
from flow.ops import HWOp
from tests.helpers import single_op_model


def hardware_ops() -> list[type[HWOp]]:
    return [getattr(flow.ops, name) for name in flow.ops.__all__
            if isinstance(getattr(flow.ops, name), type) and issubclass(getattr(flow.ops, name), HWOp)
            and getattr(flow.ops, name) is not HWOp]


@pytest.mark.parametrize("op", hardware_ops(), ids=lambda op: op.__name__)
def test_every_op_has_an_rtl_module_and_an_hls_template(op):
    for module in op.rtl_modules or (op.rtl_module,):
        assert (RTL_DIR / f"{module}.v").is_file()
        if op.__name__ != "FIFO":
            assert (HLS_DIR / f"{module}.hpp").is_file()


def test_a_control_port_is_an_s_axilite_scalar_of_the_top(tmp_path):
    model = single_op_model("Correlation", (1, 2, 2, 8), MW=8, SIMD=2, in_dtype="INT4", out_dtype="INT11",
                            vector_dims=[2, 2])
    design = generate_hls(model, tmp_path / "hls", "t", "xc7z020clg400-1", 100.0)
    top = (design.directory / "accelerator.cpp").read_text()
    assert design.controls == ("exemplar_capture",)
    assert "int frames, bool exemplar_capture)" in top
    assert "#pragma HLS INTERFACE s_axilite port=exemplar_capture bundle=control" in top
    assert "(s_axis, m_axis, frames, exemplar_capture);" in top


def test_an_op_without_hls_template_is_named(tmp_path, monkeypatch):
    model = single_op_model("MaxPool", (1, 4, 4, 2), ifm_dims=[4, 4], channels=2, kernel=2, out_dtype="INT4")
    monkeypatch.setattr(type(getCustomOp(model.graph.node[0])), "rtl_module", "no_such_module")
    with pytest.raises(ValueError, match=r"MaxPool node 'MaxPool_0': no HLS template hw/hls/no_such_module.hpp"):
        generate_hls(model, tmp_path / "hls", "t", "xc7z020clg400-1", 100.0)
