"""Weights loaded at run time (hw/rtl/weight_loader.v in mvau.v): the RTL starts with empty weight
memories, as an UltraRAM does after configuration, and equals MVAU.compute bit for bit once the
harness has loaded the op's part of the weight image, placed anywhere in the image and in words
of one or several 32-bit lanes; without the image it does not."""

import numpy as np
import pytest
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.op_sim import run_streams
from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.synth import synthesize
from flow.backends.rtl.verilator import build, lint
from flow.backends.weight_image import Region, memory_words
from tests.rtl import test_mvau
from tests.rtl.checks import GAPS_AND_STALLS, assert_rtl_matches_model, expected_outputs

# memory words of 16 bits (one lane), 128 bits (four) and 100 bits (four, the last part filled)
CASES = [test_mvau.CASES[0], test_mvau.CASES[7], test_mvau.CASES[2]]
BASE = 5   # the op's first word in the image: another memory before it


def loaded_case(case, frames: int):
    model, node, x = test_mvau.make_case(case, frames=frames)
    op = getCustomOp(node)
    op.set_nodeattr("weight_load", "runtime")
    op.set_nodeattr("weight_base", BASE)
    return model, node, x


def loaded_mvau_params(case):
    """RTL parameters of a case with its weights loaded at run time (writes its memory files)."""
    def params(workdir):
        model, node, _ = loaded_case(case, frames=1)
        return getCustomOp(node).rtl_params(model, workdir)
    return params


@pytest.mark.parametrize("case", CASES, ids=[test_mvau.IDS[test_mvau.CASES.index(c)] for c in CASES])
def test_loaded_weights_match_the_model(tmp_path, case):
    model, node, x = loaded_case(case, frames=3)
    params = getCustomOp(node).rtl_params(model, tmp_path)
    assert (params["WEIGHT_LOAD"], params["WEIGHT_BASE"]) == (1, BASE)
    assert lint("mvau", rtl_sources("mvau"), params) == ""
    assert_rtl_matches_model(model, node, x, tmp_path, schedules=GAPS_AND_STALLS[:2])


def test_loaded_weights_come_from_the_image_alone(tmp_path):
    """The memory is not preloaded: with the weight bus idle (no image) the outputs are not the
    model's (the memory holds what the simulator gives unwritten state; an UltraRAM's zeros)."""
    model, node, x = loaded_case(test_mvau.CASES[7], frames=2)
    op = getCustomOp(node)
    ins, outs = op.in_stream(), op.out_stream()
    sim = build("mvau", rtl_sources("mvau"), ins.bits, outs.bits, op.rtl_params(model, tmp_path), weight_bus=True)
    y, _ = run_streams(sim, ins, outs, x, op.out_shape(len(x)), tmp_path, op.cycles())
    assert not np.array_equal(y, expected_outputs(model, node, x))


def test_memory_words_split_into_lanes(tmp_path):
    (tmp_path / "w.mem").write_text("123456789abcdef01\n3\n")   # 65 bits: three lanes
    words = memory_words(tmp_path / "w.mem", 65, 3)
    assert words.tolist() == [0xABCDEF01, 0x23456789, 0x1, 3, 0, 0]
    region = Region("n", "w.mem", 7, 65, 2)
    assert (region.lanes, region.words) == (3, 6)
    with pytest.raises(ValueError, match="wider than the memory's 64 bits"):
        memory_words(tmp_path / "w.mem", 64, 2)


def test_ultraram_weights_map_to_uram288(tmp_path):
    """Yosys synth_xilinx -family xcup maps the loaded memory to the URAM288 the estimate counts
    (its power-up contents are zeros: a memory with a $readmemh image would not map)."""
    model, node, _ = test_mvau.make_case((256, 64, 8, 2, "INT4", "INT4", None, 0, [1]), frames=1)
    op = getCustomOp(node)
    op.set_nodeattr("weight_ram_style", "ultra")
    result = synthesize(tmp_path, rtl_sources("mvau"), "mvau", op.rtl_params(model, tmp_path), family="xcup")
    assert (result["URAM"], result["BRAM36"]) == (op.resources()["URAM"], 0) == (1, 0)
