"""Folding from JSON and from a target fps; plumbing keeps execution unchanged; clear errors."""

import itertools
import json

import numpy as np
import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.board.spec import load_board
from flow.fold import apply_folding, auto_folding, folding_of, load_folding
from flow.insert_plumbing import insert_plumbing
from flow.ops import FoldingError
from flow.reference import CORE_IN, CORE_OUT
from flow.steps import check_budget
from tests.flow.nets import compile_net, reference_outputs


@pytest.fixture(scope="module")
def convnet(tmp_path_factory):
    return compile_net("int4_convnet", tmp_path_factory.mktemp("fold"), inputs=4)


def fresh(compiled) -> ModelWrapper:
    return ModelWrapper(compiled.hardware.model.__deepcopy__())


def test_auto_folding_meets_the_target_and_keeps_results(convnet):
    hw = fresh(convnet)
    target_cycles = 100e6 / 150_000
    folding = auto_folding(hw, 150_000, 100)
    hw = insert_plumbing(apply_folding(hw, folding))
    for node in hw.graph.node:
        op = getCustomOp(node)
        if node.op_type in ("MVAU", "MaxPool"):
            assert op.cycles() <= target_cycles, node.name
    ref = reference_outputs(convnet)
    l3 = verify.run_hardware_graph(hw, verify.to_channels_last(ref[CORE_IN]))
    assert np.array_equal(verify.to_channels_first(l3).reshape(ref[CORE_OUT].shape), ref[CORE_OUT])


def test_unreachable_target_gives_the_most_parallel_folding(convnet):
    folding = auto_folding(fresh(convnet), 1e9, 100)
    # the first conv's window streams SIMD of its 3 input channels; PE can reach all 8 outputs
    assert folding["MVAU_0"] == {"PE": 8, "SIMD": 3}


def test_plumbing_inserts_converters_where_widths_differ(convnet):
    hw = insert_plumbing(apply_folding(fresh(convnet), {"MVAU_0": {"PE": 4, "SIMD": 3}}))
    nodes = list(hw.graph.node)
    for prev, node in itertools.pairwise(nodes):
        assert getCustomOp(prev).out_stream().elems == getCustomOp(node).in_stream().elems
    assert nodes[0].op_type == "FIFO" and nodes[-1].op_type == "FIFO"
    assert any(n.op_type == "DataWidthConverter" for n in nodes)
    window = getCustomOp(nodes[1])
    assert nodes[1].op_type == "SlidingWindow" and window.attr("SIMD") == 3  # follows its MVAU


def test_folding_json_roundtrip(convnet, tmp_path):
    hw = insert_plumbing(apply_folding(fresh(convnet), auto_folding(fresh(convnet), 50_000, 100)))
    path = tmp_path / "folding.json"
    path.write_text(json.dumps(folding_of(hw)))
    again = insert_plumbing(apply_folding(fresh(convnet), load_folding(path), plumbing_later=True))
    apply_folding(again, {k: v for k, v in load_folding(path).items() if k.startswith("FIFO_")})
    assert folding_of(again) == folding_of(hw)


@pytest.mark.parametrize("folding,message", [
    ({"MVAU_0": {"PE": 3}}, r"MVAU node 'MVAU_0': PE=3 must divide MH=8 \(legal: 1, 2, 4, 8\)"),
    ({"MVAU_9": {"PE": 1}}, r"folding names node 'MVAU_9', which is not in the graph"),
    ({"MVAU_0": {"depth": 4}}, r"MVAU node 'MVAU_0': 'depth' is not a folding attribute"),
    ({"MaxPool_0": {"PE": 5}}, r"MaxPool node 'MaxPool_0': PE=5 must divide channels=8"),
])
def test_bad_folding_names_the_op(convnet, folding, message):
    with pytest.raises(FoldingError, match=message):
        apply_folding(fresh(convnet), folding)


def test_budget_violation_names_the_largest_ops(convnet):
    hw = insert_plumbing(apply_folding(fresh(convnet), auto_folding(fresh(convnet), 1e9, 100)))
    tiny = load_board()
    tiny.resources.update({"LUT": 500})
    with pytest.raises(FoldingError, match=r"exceeds the xc7z020clg400-1 budget .*LUT .*largest LUT: MVAU"):
        check_budget(hw, tiny)


def test_weights_move_to_luts_when_block_ram_runs_out():
    from qonnx.core.datatype import DataType

    from flow.estimate import total_resources
    from flow.fold import fit_memories
    from tests.helpers import random_values, single_op_model

    rng = np.random.default_rng(0)
    model = single_op_model("MVAU", (1, 256), {"W": random_values(rng, DataType["INT4"], (256, 64))},
                            MW=256, MH=64, SIMD=16, PE=4, mode="int", in_dtype="INT4", w_dtype="INT4",
                            acc_dtype="INT16", out_dtype="INT16")
    op = getCustomOp(model.graph.node[0])
    assert op.weight_ram_style() == "block"
    board = load_board()
    assert total_resources(model)["BRAM36"] > 0
    fit_memories(model, board)
    assert op.weight_ram_style() == "block"  # fits: nothing moves
    board.resources.update({"BRAM36": 0})
    fit_memories(model, board)
    assert op.weight_ram_style() == "distributed"
    assert total_resources(model)["BRAM36"] == 0


def test_a_wide_shallow_fifo_leaves_block_ram_first_and_no_move_goes_over_the_luts():
    from qonnx.core.datatype import DataType

    from flow.estimate import total_resources
    from flow.fold import fit_memories
    from tests.helpers import random_values, single_op_model

    rng = np.random.default_rng(0)
    model = single_op_model("MVAU", (1, 256), {"W": random_values(rng, DataType["INT4"], (256, 64))},
                            MW=256, MH=64, SIMD=16, PE=4, mode="int", in_dtype="INT4", w_dtype="INT4",
                            acc_dtype="INT16", out_dtype="INT16")
    model = insert_plumbing(model)
    weights = getCustomOp(next(n for n in model.graph.node if n.op_type == "MVAU"))
    fifo = getCustomOp(next(n for n in model.graph.node if n.op_type == "FIFO"))
    fifo.set_nodeattr("depth", 128)   # 128 words of 64 bits: 8 Kbit in a block of 36
    assert fifo.memory().style == weights.weight_ram_style() == "block"
    board = load_board()
    total = total_resources(model)
    # 1.5 blocks too many, room for the FIFO's 256 LUTs but not the weights' thousands
    board.budget_fraction.update({"BRAM36": 1.0, "LUT": 1.0})
    board.resources.update({"BRAM36": total["BRAM36"] - 1.5, "LUT": total["LUT"] + 300})
    fit_memories(model, board)
    # the FIFO moves (fewest bits per block); the weights would take the LUTs over: they stay
    assert fifo.memory().style == "distributed" and weights.weight_ram_style() == "block"
    assert total_resources(model)["LUT"] <= board.budget()["LUT"]


def test_the_max_folding_gives_no_op_more_than_the_bottleneck_needs():
    """A strided window fed one pixel a cycle bounds the rate, whatever the MVAU after it gets: the
    max folding folds every op for the rate that window reaches, not for the budget's."""
    from flow.declared_input import declared_input, insert_input_quantizer
    from flow.frontend import clean
    from flow.lower import lower_to_hardware
    from flow.steps import max_fps_folding
    from flow.streamline import integerize
    from tests.flow.qonnx_graphs import finn_style_graph

    model = finn_style_graph()
    hw = lower_to_hardware(integerize(clean(insert_input_quantizer(model, declared_input(model, None)))))
    folding = max_fps_folding(hw, 100.0, load_board("pynq_z2"))
    folded = apply_folding(ModelWrapper(hw.model.__deepcopy__()), folding)
    cycles = {n.op_type: getCustomOp(n).cycles() for n in folded.graph.node}
    assert cycles["SlidingWindow"] == max(cycles.values())   # at its most parallel
    assert folding == auto_folding(hw, 100e6 / cycles["SlidingWindow"], 100.0)
    # less than the budget allows it (PE 4 x SIMD 27)
    mvau = folding["MVAU_0"]
    assert mvau["PE"] * mvau["SIMD"] < 4 * 27


def test_xnor_dot_products_take_dsp_slices_within_the_budget():
    from qonnx.core.datatype import DataType

    from flow.estimate import total_resources
    from flow.fold import fit_dot_trees
    from tests.helpers import random_values, single_op_model

    rng = np.random.default_rng(0)
    model = single_op_model("MVAU", (1, 576), {"W": random_values(rng, DataType["BIPOLAR"], (576, 64))},
                            MW=576, MH=64, SIMD=96, PE=32, mode="xnor", in_dtype="BIPOLAR",
                            w_dtype="BIPOLAR", acc_dtype="INT11", out_dtype="INT11")
    op = getCustomOp(model.graph.node[0])
    in_luts = total_resources(model)
    board = load_board()
    # room for the slices of two LUT levels (31 slices), not of one (53)
    board.resources.update({"DSP": 40})
    fit_dot_trees(model, board)
    assert (op.attr("dot_tree"), op.attr("dot_lut_levels")) == ("dsp", 2)
    fitted = total_resources(model)
    assert fitted["DSP"] == 31 and fitted["LUT"] < in_luts["LUT"]
    # no slices: the dot product stays in LUTs; a folding's "lut" is kept whatever the budget
    for dsp, tree in ((0, "auto"), (220, "lut")):
        op.set_nodeattr("dot_tree", tree)
        board.resources.update({"DSP": dsp})
        fit_dot_trees(model, board)
        assert op.attr("dot_tree") == tree and total_resources(model)["DSP"] == 0
