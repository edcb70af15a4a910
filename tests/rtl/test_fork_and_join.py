"""duplicate_streams, add_streams and concat_streams: a fork and its join, in a stitched design (none
fits the one-stream harness alone): x -> DuplicateStreams -> [Thresholding] and x -> AddStreams or
ConcatStreams. The RTL and the HLS C++ equal the numpy models bit for bit under random input gaps
and output back-pressure, whatever unreset state holds, at one word a cycle; a skip FIFO too
shallow for the other branch deadlocks."""

from functools import partial

import numpy as np
import pytest
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp
from qonnx.util.basic import qonnx_make_model

from flow import verify
from flow.backends.hls.codegen import generate_hls
from flow.backends.hls.csim import build_csim
from flow.backends.rtl.codegen import generate_rtl
from flow.backends.rtl.op_sim import run_streams, steady_state_cycles
from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.stitched import build_design, simulate_design
from flow.backends.rtl.verilator import SimulationError, lint
from flow.backends.rtl.x_seeds import run_two_x_seeds
from flow.insert_plumbing import insert_plumbing
from flow.ops import DOMAIN
from tests.helpers import random_values
from tests.rtl.checks import GAPS_AND_STALLS

SHAPE = (3, 4, 4)   # H, W, C of a frame
FRAMES = 5


def residual_join(pe_add: int, pe_threshold: int, window: int = 0, join: str = "AddStreams") -> ModelWrapper:
    """hw_in (INT4) -> DuplicateStreams -> Thresholding (UINT2), joined with hw_in by `join`
    (AddStreams: INT5; ConcatStreams: INT4, twice the channels), plumbed; `window` > 0 puts a 3x3
    SlidingWindow + MVAU on the long branch instead, which takes in rows before its first output."""
    c = SHAPE[-1]
    nodes = [helper.make_node("DuplicateStreams", ["hw_in"], ["d0", "d1"], name="DuplicateStreams_0",
                              domain=DOMAIN, shape=list(SHAPE), out_dtype="INT4", PE=pe_threshold)]
    inits = {}
    if window:
        nodes.append(helper.make_node("SlidingWindow", ["d0"], ["w"], name="SlidingWindow_0", domain=DOMAIN,
                                      ifm_dims=list(SHAPE[:2]), channels=c, kernel=[3, 3], stride=[1, 1],
                                      pads=[1, 1, 1, 1], out_dtype="INT4"))
        inits["weights"] = np.eye(9 * c, c, k=-4 * c)   # the window's centre: the input itself
        nodes.append(helper.make_node("MVAU", ["w", "weights"], ["branch"], name="MVAU_0", domain=DOMAIN,
                                      MW=9 * c, MH=c, mode="int", in_dtype="INT4", w_dtype="UINT1",
                                      acc_dtype="INT4", out_dtype="INT4", vector_dims=list(SHAPE[:2])))
        branch_dtype = "INT4"
    else:
        inits["thresholds"] = np.array([[-3, 0, 4]] * c)
        nodes.append(helper.make_node("Thresholding", ["d0", "thresholds"], ["branch"], name="Thresholding_0",
                                      domain=DOMAIN, channels=c, PE=pe_threshold, in_dtype="INT4",
                                      out_dtype="UINT2", vector_dims=list(SHAPE[:2])))
        branch_dtype = "UINT2"
    out_shape = list(SHAPE)
    if join == "AddStreams":
        nodes.append(helper.make_node(join, ["branch", "d1"], ["hw_out"], name=f"{join}_0", domain=DOMAIN,
                                      shape=list(SHAPE), PE=pe_add, a_dtype=branch_dtype, b_dtype="INT4",
                                      out_dtype="INT6" if window else "INT5"))
    else:
        nodes.append(helper.make_node(join, ["branch", "d1"], ["hw_out"], name=f"{join}_0", domain=DOMAIN,
                                      vector_dims=list(SHAPE[:2]), a_channels=c, b_channels=c, PE=pe_add,
                                      a_dtype=branch_dtype, b_dtype="INT4", out_dtype="INT4"))
        out_shape[-1] = 2 * c
    graph = helper.make_graph(nodes, "join", [helper.make_tensor_value_info("hw_in", TensorProto.FLOAT, [1, *SHAPE])],
                              [helper.make_tensor_value_info("hw_out", TensorProto.FLOAT, [1, *out_shape])])
    model = ModelWrapper(qonnx_make_model(graph))
    for name, value in inits.items():
        model.set_initializer(name, np.asarray(value, dtype=np.float32))
    model.set_tensor_datatype("hw_in", DataType["INT4"])
    return insert_plumbing(model)


def frames(n=FRAMES):
    return random_values(np.random.default_rng(7), DataType["INT4"], (n, *SHAPE))


@pytest.mark.parametrize("module, params", [
    ("duplicate_streams", {"WIDTH": 1}), ("duplicate_streams", {"WIDTH": 24}),
    ("add_streams", {"PE": 1, "A_BITS": 2, "B_BITS": 4, "B_SIGNED": 1, "OUT_BITS": 5}),
    ("add_streams", {"PE": 4, "A_BITS": 8, "A_SIGNED": 1, "B_BITS": 1, "OUT_BITS": 9}),
    ("concat_streams", {"PE": 1, "A_WORDS": 4, "B_WORDS": 4, "A_BITS": 4, "B_BITS": 4, "OUT_BITS": 4}),
    ("concat_streams", {"PE": 3, "A_WORDS": 1, "B_WORDS": 3, "A_BITS": 2, "A_SIGNED": 1, "B_BITS": 5, "OUT_BITS": 5}),
])
def test_lint_clean(module, params):
    assert lint(module, rtl_sources(module), params) == ""


JOINS = [("AddStreams", 1, 1), ("AddStreams", 4, 2), ("AddStreams", 2, 4), ("ConcatStreams", 1, 1),
         ("ConcatStreams", 4, 2), ("ConcatStreams", 2, 4)]


@pytest.mark.parametrize("join, pe_join, pe_threshold", JOINS)
def test_the_join_matches_the_numpy_models_under_gaps_and_back_pressure(tmp_path, join, pe_join, pe_threshold):
    model = residual_join(pe_join, pe_threshold, join=join)
    x = frames()
    expected = verify.execute_batch(model, x)
    design = generate_rtl(model, tmp_path / "rtl", "join")
    sim = build_design(design)
    for i, (seed, gap, stall) in enumerate(GAPS_AND_STALLS):
        simulate = partial(simulate_design, sim, design, model, x, seed=seed, in_gap=gap, out_stall=stall)
        y, _ = run_two_x_seeds(simulate) if i == 0 else simulate()
        assert np.array_equal(y, expected), f"seed {seed}, in_gap {gap}, out_stall {stall}"
    if join == "AddStreams":   # the sum of a UINT2 and an INT4: both operands' signs count
        assert expected.min() < -5 and expected.max() > 8
    else:                      # the thresholds' levels, then the input's channels
        assert np.array_equal(expected[..., SHAPE[-1]:], x) and expected[..., :SHAPE[-1]].max() == 3


@pytest.mark.parametrize("join", ["AddStreams", "ConcatStreams"])
def test_the_join_runs_one_word_a_cycle(tmp_path, join):
    model = residual_join(2, 2, join=join)
    design = generate_rtl(model, tmp_path / "rtl", "join")
    _, stats = simulate_design(build_design(design), design, model, frames(8))
    op = getCustomOp(next(n for n in model.graph.node if n.op_type == join))
    assert op.cycles() == SHAPE[0] * SHAPE[1] * SHAPE[2] // 2 * (1 if join == "AddStreams" else 2)
    assert steady_state_cycles(stats) == op.cycles()


def test_a_skip_fifo_too_shallow_for_the_long_branch_deadlocks(tmp_path):
    """The window branch takes in a row and a pixel before its first output: with two words on the
    skip path the fork waits on the skip, the window on the fork. The plumbing's whole-frame depth
    (and FIFO sizing's measured fill) holds them."""
    model = residual_join(1, 1, window=3)
    x = frames(2)
    expected = verify.execute_batch(model, x)
    skip = next(n for n in model.graph.node if n.op_type == "FIFO" and n.input[0] == "d1")
    assert getCustomOp(skip).attr("depth") >= SHAPE[0] * SHAPE[1] * SHAPE[2]
    design = generate_rtl(model, tmp_path / "deep", "join")
    y, _ = simulate_design(build_design(design), design, model, x, seed=2, in_gap=0.3, out_stall=0.3)
    assert np.array_equal(y, expected)
    getCustomOp(skip).set_nodeattr("depth", 2)
    design = generate_rtl(model, tmp_path / "shallow", "join")
    with pytest.raises(SimulationError, match="timeout"):
        simulate_design(build_design(design), design, model, x)


@pytest.mark.parametrize("join", ["AddStreams", "ConcatStreams"])
def test_the_hls_join_matches_the_numpy_models(tmp_path, join):
    model = residual_join(4, 2, join=join)
    x = frames()
    design = generate_hls(model, tmp_path / "hls", "join", "xc7z020clg400-1", 100.0)
    first = getCustomOp(model.graph.node[0])
    last = getCustomOp(model.graph.node[-1])
    y, _ = run_streams(build_csim(design), first.in_stream(), last.out_stream(), x, last.out_shape(len(x)),
                       tmp_path, last.cycles())
    assert np.array_equal(y, verify.execute_batch(model, x))
