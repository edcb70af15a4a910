"""Declared inputs: qonnx's datatype annotation on the graph input and --input-datatype become an
input quantizer that is the identity on declared values; FINN-style layers (integer constant
weights, scales in Mul nodes, a Relu before a positive Mul) and a Relu before the input quantizer
streamline exactly."""

import json

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from flow import verify
from flow.declared_input import DeclaredInput, declared_input, insert_input_quantizer
from flow.frontend import clean
from flow.streamline import UnsupportedGraph, integerize
from tests.flow.qonnx_graphs import (
    GraphBuilder,
    finn_style_graph,
    relu_edge_graph,
    relu_then_negative_scale_graph,
)
from tests.helpers import build_through_every_level


def declared(model, flag=None):
    decl = declared_input(model, flag)
    return decl, clean(insert_input_quantizer(model, decl))


@pytest.mark.parametrize(("text", "dtype", "scale"), [
    ("UINT8", "UINT8", 1.0), ("int4:0.5", "INT4", 0.5), ("UINT8:1/255", "UINT8", 1 / 255),
    ("FIXED<8,4>", "INT8", 1 / 16), ("BIPOLAR", "BIPOLAR", 1.0),
])
def test_declarations_parse(text, dtype, scale):
    assert DeclaredInput.parse(text) == DeclaredInput(DataType[dtype], scale)


def test_an_annotated_input_is_quantized_where_it_enters_and_streamlines_exactly():
    model = finn_style_graph()
    decl, with_quantizer = declared(model)
    assert decl == DeclaredInput(DataType["UINT8"], 1.0)
    first = with_quantizer.graph.node[0]
    assert first.op_type == "Quant" and first.input[0] == with_quantizer.graph.input[0].name
    x = decl.codes(np.random.default_rng(1), (32, 3, 8, 8))
    integer = integerize(with_quantizer)
    # the given graph, without the quantizer, on the declared values: the quantizer is the identity
    assert np.array_equal(verify.execute_batch(model, x), verify.execute_batch(integer, x))
    assert json.loads(integer.get_metadata_prop("input_quantizer")) == {
        "scale": [1.0], "zero_point": 0, "rounding": "ROUND", "float_edge": []}
    # the codes fill the type's range, so the test inputs reach both ends
    assert x.min() == 0 and x.max() == 255


def test_the_flag_declares_a_float_input_with_a_scale():
    g = GraphBuilder((1, 6))
    g.op("MatMul", g.quantized_weight(np.random.default_rng(0).integers(-7, 8, (6, 5)) * 0.5, 0.5))
    g.quant(0.25, bits=4)
    model = g.model()
    assert declared_input(model, None) is None
    decl, with_quantizer = declared(model, "INT4:0.125")
    x = decl.codes(np.random.default_rng(2), (64, 6))
    assert set(np.unique(x / 0.125)) <= set(range(-8, 8))
    assert np.array_equal(verify.execute_batch(model, x),
                          verify.execute_batch(integerize(with_quantizer), x))


def test_the_flag_must_agree_with_the_annotation():
    with pytest.raises(ValueError, match="--input-datatype INT8: the model declares its input 'global_in' UINT8"):
        declared_input(finn_style_graph(), "INT8")


def test_values_off_the_declared_grid_are_refused():
    decl = DeclaredInput.parse("UINT8:1/255")
    x = decl.codes(np.random.default_rng(3), (4, 10))
    decl.check(x, "inputs")   # float32 codes times the float32 scale are on the grid
    x[2, 7] = 0.5
    with pytest.raises(ValueError, match=r"inputs: value 0.5 at \(2, 7\) is not a declared input value "
                                         r"\(UINT8 codes times 0.0039"):
        decl.check(x, "inputs")
    with pytest.raises(ValueError, match=r"value -1.0 at \(0, 0\)"):
        DeclaredInput.parse("UINT8").check(np.array([[-1.0]]), "inputs")


def test_a_relu_before_the_input_quantizer_stays_in_the_float_edge():
    model = relu_edge_graph()
    x = np.random.default_rng(4).uniform(-2, 2, (64, 8)).astype(np.float32)
    integer = integerize(model)
    assert np.array_equal(verify.execute_batch(model, x), verify.execute_batch(integer, x))
    assert json.loads(integer.get_metadata_prop("input_quantizer"))["float_edge"] == ["Relu"]


def test_a_negative_scale_after_a_relu_is_refused():
    with pytest.raises(UnsupportedGraph, match="Mul node .*: linear op after a Relu"):
        integerize(relu_then_negative_scale_graph())


def test_a_float_weight_without_a_quantizer_is_refused():
    g = GraphBuilder((1, 4))
    g.quant(0.5, bits=4)
    g.op("MatMul", g.const(np.full((4, 2), 0.3)))
    g.quant(0.5, bits=4)
    with pytest.raises(UnsupportedGraph, match="MatMul node 'MatMul_0': weight 'MatMul_0_param0' is a float constant with non-integer values"):
        integerize(g.model())


def test_an_annotated_model_builds_through_every_level(tmp_path, capsys):
    build_through_every_level(finn_style_graph(), tmp_path, "--no-op-sim")
    out = tmp_path / "build"
    facts = json.loads((out / "deploy" / "design.json").read_text())["input"]
    assert facts["dtype"] == "UINT8" and facts["quantizer"]["scale"] == [1.0]
    x = np.load(out / "inputs.npy")
    assert np.array_equal(x, np.round(x)) and x.min() >= 0 and x.max() <= 255
