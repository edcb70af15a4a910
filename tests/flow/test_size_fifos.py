"""FIFO sizing before a narrowing converter: the FIFO goes (depth 0) where the throughput holds
without it, and stays where the converter feeds the bottleneck from a bursty sliding window."""

import numpy as np
import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.op_sim import steady_state_cycles
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.board.spec import load_board
from flow.fold import apply_folding, fit_to_board
from flow.insert_plumbing import insert_plumbing
from flow.reference import CORE_IN
from flow.size_fifos import fifo_depths_by_simulation
from tests.flow.nets import compile_net, reference_outputs

# binary_convnet's second convolution takes whole 3x3x16 windows (144 elements) through a
# 144 -> 48 converter: 36 windows x 3 words = 108 cycles a frame
FAST = {"MVAU_0": {"PE": 16, "SIMD": 27}, "SlidingWindow_1": {"SIMD": 144},
        "MVAU_1": {"PE": 16, "SIMD": 48}, "MaxPool_0": {"PE": 16},
        "MVAU_2": {"PE": 12, "SIMD": 48}, "MVAU_3": {"PE": 5, "SIMD": 12}}
# the first convolution the bottleneck (2,304 cycles): the converter has time to spare
SLOW = {**FAST, "MVAU_0": {"PE": 4, "SIMD": 3}}


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    return compile_net("binary_convnet", tmp_path_factory.mktemp("sizing"), inputs=4)


def folded(net, folding) -> tuple[ModelWrapper, str]:
    model = insert_plumbing(apply_folding(ModelWrapper(net.hardware.model.__deepcopy__()), folding))
    converter = next(n for n in model.graph.node if n.op_type == "DataWidthConverter"
                     and getCustomOp(n).attr("in_elems") == 144)
    return model, model.find_producer(converter.input[0]).name


@pytest.mark.parametrize("folding,kept", [(FAST, True), (SLOW, False)], ids=["bottleneck", "spare"])
def test_fifo_before_a_narrowing_converter(net, tmp_path, folding, kept):
    model, fifo = folded(net, folding)
    assert model.get_node_from_name(fifo).op_type == "FIFO"
    x = verify.to_channels_last(reference_outputs(net)[CORE_IN])[np.arange(6) % 4]
    depths = fifo_depths_by_simulation(model, x, keep=set())
    assert (depths[fifo]["depth"] > 0) == kept
    apply_folding(model, depths)
    fit_to_board(model, load_board("pynq_z2"))   # as the fold step does after sizing
    design = generate_rtl(model, tmp_path, "sized")
    y, stats = simulate_design(build_design(design), design, model, x)
    assert np.array_equal(y, verify.execute_batch(model, x))
    bottleneck = max(getCustomOp(n).cycles() for n in model.graph.node)
    assert steady_state_cycles(stats) == bottleneck
