"""upscale: the RTL moves words exactly as the numpy model (depth to space and nearest), one
word a cycle on its busier side."""

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import lint
from flow.ops.upscale import upscale
from tests.helpers import random_values, single_op_model
from tests.rtl.checks import assert_analytic_cycles, assert_rtl_matches_model

FRAMES = 4

# (ifm [H, W], channels of an output pixel, block, mode, PE, dtype)
CASES = [
    # espcn's sub-pixel step: 3 channels of 2x2 blocks from 12, accumulators
    ((4, 5), 3, 2, "depth_to_space", 1, "INT18"),
    # several words per block position, and a block of 3
    ((3, 4), 4, 3, "depth_to_space", 2, "UINT4"),
    # one word per output pixel, one-pixel rows
    ((5, 1), 8, 2, "depth_to_space", 8, "INT8"),
    # nearest: espcn nn_resize's factor 2
    ((4, 6), 4, 2, "nearest", 2, "UINT4"),
    # nearest, factor 3, one channel, bipolar bits
    ((3, 3), 1, 3, "nearest", 1, "BIPOLAR"),
]
IDS = [f"{h}x{w}x{c}-b{b}-{mode}-pe{pe}-{dt}" for (h, w), c, b, mode, pe, dt in CASES]


def make_case(ifm, channels, block, mode, pe, dtype, frames=FRAMES):
    h, w = ifm
    c_in = channels * block * block if mode == "depth_to_space" else channels
    model = single_op_model("Upscale", (frames, h, w, c_in), ifm_dims=list(ifm), channels=channels,
                            block=block, mode=mode, PE=pe, out_dtype=dtype)
    x = random_values(np.random.default_rng(sum(ifm) + channels), DataType[dtype], (frames, h, w, c_in))
    return model, model.graph.node[0], x


def test_the_model_is_onnx_depth_to_space_and_nearest_resize():
    """DCR DepthToSpace and Resize (nearest, asymmetric, floor) by onnxruntime, channels first."""
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    x = np.arange(2 * 3 * 4 * 12, dtype=np.float32).reshape(2, 12, 3, 4)
    for op, attrs, extra, mode in [
            ("DepthToSpace", {"blocksize": 2, "mode": "DCR"}, [], "depth_to_space"),
            ("Resize", {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                        "nearest_mode": "floor"}, ["", "scales"], "nearest")]:
        graph = helper.make_graph(
            [helper.make_node(op, ["x", *extra], ["y"], **attrs)], "g",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, list(x.shape))],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
            initializer=[numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")])
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        y = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"]).run(
            None, {"x": x})[0]
        ours = upscale(x.transpose(0, 2, 3, 1), 2, mode).transpose(0, 3, 1, 2)
        assert np.array_equal(ours, y), op


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_upscale_matches_model(tmp_path, case):
    assert_rtl_matches_model(*make_case(*case), tmp_path)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_upscale_steady_state_cycles(tmp_path, case):
    assert_analytic_cycles(*make_case(*case), tmp_path)


@pytest.mark.parametrize("params", [
    {"IFM_H": 4, "IFM_W": 5, "C": 3, "B": 2, "MODE": 0, "PE": 1, "BITS": 18},
    {"IFM_H": 2, "IFM_W": 1, "C": 1, "B": 8, "MODE": 1, "PE": 1, "BITS": 1},
    {"IFM_H": 128, "IFM_W": 128, "C": 32, "B": 2, "MODE": 1, "PE": 4, "BITS": 4,
     "RAM_STYLE": "block"},
])
def test_upscale_lint_clean(params):
    assert lint("upscale", rtl_sources("upscale"), params) == ""
