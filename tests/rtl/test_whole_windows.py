"""Whole windows in a network: where no SIMD that divides a window's channels reaches the target,
the automatic folding gives the MVAU more than one kernel position a cycle, its window streams
whole (parallel_window) and a width converter cuts it; the stitched RTL, with input gaps and
output back-pressure, and the HLS C-simulation both equal the reference."""

import numpy as np
import pytest
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow import verify
from flow.backends.hls.codegen import generate_hls
from flow.backends.hls.csim import build_csim
from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.steps import SIM_GAP, SIM_STALL
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.fold import apply_folding, auto_folding
from flow.insert_plumbing import insert_plumbing
from flow.reference import CORE_IN, CORE_OUT
from tests.flow.nets import compile_net, reference_outputs

TARGET_FPS = 500_000   # 200 cycles a frame: beyond binary_convnet's windows streamed word by word


@pytest.fixture(scope="module")
def net(tmp_path_factory):
    return compile_net("binary_convnet", tmp_path_factory.mktemp("whole"), inputs=3)


@pytest.fixture(scope="module")
def folded(net):
    hw = ModelWrapper(net.hardware.model.__deepcopy__())
    folding = auto_folding(hw, TARGET_FPS, 100)
    return insert_plumbing(apply_folding(hw, folding)), folding, reference_outputs(net)


def test_windows_stream_whole_only_beyond_the_folded_window(folded):
    model, folding, _ = folded
    nodes = {n.name: getCustomOp(n) for n in model.graph.node}
    # conv 3 -> 16 (27 per window) and 16 -> 16 (144): SIMD above the channels, windows whole,
    # the first cut into thirds, the second into quarters: of the 576 lanes x SIMD it needs,
    # 16 x 36 (one neuron fold, 4 weight words) merges its weights into the terms, 4 x 144 not
    assert folding["MVAU_0"] == {"PE": 16, "SIMD": 9}
    assert folding["MVAU_1"] == {"PE": 16, "SIMD": 36}
    assert nodes["MVAU_1"].weight_ram_style() == "distributed" and nodes["MVAU_1"].weights_in_terms()
    for window, size in (("SlidingWindow_0", 27), ("SlidingWindow_1", 144)):
        assert nodes[window].rtl_module == "parallel_window"
        assert nodes[window].attr("SIMD") == size
    for name in ("MVAU_0", "MVAU_1"):
        assert nodes[name].cycles() <= 100e6 / TARGET_FPS
    converters = [(op.attr("in_elems"), op.attr("out_elems")) for op in nodes.values()
                  if op.onnx_node.op_type == "DataWidthConverter"]
    assert (27, 9) in converters and (144, 36) in converters


def test_whole_windows_also_where_they_need_two_thirds_of_the_lanes_or_fewer(net):
    hw = ModelWrapper(net.hardware.model.__deepcopy__())
    mvau = getCustomOp(next(n for n in hw.graph.node if n.name == "MVAU_1"))
    vectors = mvau.num_vectors()
    # 144 x 16 weights behind a 16-channel window: channel-sized SIMD and PE (divisors of 16)
    # give lanes x SIMD in powers of two. At 17.5 cycles a vector they need 256, whole windows
    # 144 (56 %); at 9, 256 against 288
    assert mvau.auto_fold(hw, 17.5 * vectors, {}) == {"PE": 1, "SIMD": 144}
    assert mvau.auto_fold(hw, 9 * vectors, {}) == {"PE": 16, "SIMD": 16}


def test_stitched_rtl_with_whole_windows_equals_the_reference(folded, tmp_path):
    model, _, ref = folded
    design = generate_rtl(model, tmp_path / "rtl", "whole_windows")
    design.save()
    x = verify.to_channels_last(ref[CORE_IN])
    y, _ = simulate_design(build_design(design), design, model, x, seed=3, in_gap=SIM_GAP, out_stall=SIM_STALL)
    assert np.array_equal(verify.to_channels_first(y).reshape(ref[CORE_OUT].shape), ref[CORE_OUT])


def test_hls_csim_with_whole_windows_equals_the_reference(folded, tmp_path):
    model, _, ref = folded
    design = generate_hls(model, tmp_path / "hls", "whole_windows", "xc7z020clg400-1", 100.0)
    x = verify.to_channels_last(ref[CORE_IN])
    y, _ = simulate_design(build_csim(design), design, model, x)
    assert np.array_equal(verify.to_channels_first(y).reshape(ref[CORE_OUT].shape), ref[CORE_OUT])
