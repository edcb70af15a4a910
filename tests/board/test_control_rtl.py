"""The board-facing top: axil_control's registers, TLAST and cycle counter, in Verilator."""

import json
from functools import partial

import numpy as np
import pytest
from qonnx.core.modelwrapper import ModelWrapper

from deploy.packing import tensor_to_words, unpack_words
from flow import verify
from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.verilator import SimulationError, build, lint
from flow.backends.rtl.x_seeds import run_two_x_seeds
from flow.board.package import stream_facts
from flow.board.top import BOARD_TOP, CONTROL_ID, REGISTERS, dma_bits
from flow.reference import CORE_IN, CORE_OUT


@pytest.mark.parametrize("capture", [0, 1])
def test_axil_control_is_lint_clean(capture):
    params = {"IN_WORDS": 7, "OUT_WORDS": 3, "CAPTURE": capture}
    assert lint("axil_control", rtl_sources("axil_control"), params) == ""


def board_top_case(small_build):
    """The small build's board top in Verilator, with 4 of its test inputs as DMA words."""
    design = json.loads((small_build / "deploy" / "design.json").read_text())
    src = small_build / "vivado" / "src"
    sources = sorted(src.glob("*.v"))
    assert lint(BOARD_TOP, sources) == ""
    ins, outs = design["input"], design["output"]
    sim = build(BOARD_TOP, sources, 8 * ins["dma_bytes"], 8 * outs["dma_bytes"], axi_lite=True)
    ref = np.load(small_build / "reference_outputs.npz")
    x = verify.to_channels_last(ref[CORE_IN])[:4]
    words = tensor_to_words(x, ins["elems"], ins["dtype"]).reshape(-1, ins["word_bytes"])
    padded = np.zeros((len(words), ins["dma_bytes"]), np.uint8)
    padded[:, : ins["word_bytes"]] = words
    return sim, src, padded, ins, outs, ref


EACH = 1 << 31   # FRAMES bit 31: TLAST ends every output frame


@pytest.mark.parametrize("each", [0, EACH])
def test_board_top_counts_the_cycles_of_the_last_batch(small_build, each):
    sim, src, padded, ins, outs, ref = board_top_case(small_build)
    reads = list(REGISTERS.values())
    # input gaps and back-pressure: the counter still spans first input word to last output word
    # the whole generated design under two X seeds: no unreset state reaches its outputs; the
    # harness checks TLAST on every output word: the batch's last, or with EACH every frame's last
    out, stats = run_two_x_seeds(partial(sim.run, padded, 4 * outs["words"], ins["words"], outs["words"],
                                         src, in_gap=0.3, out_stall=0.3, each_frame=bool(each),
                                         axil_writes={REGISTERS["FRAMES"]: 4 | each}, axil_reads=reads))
    regs = dict(zip(REGISTERS, stats["axil_reads"], strict=True))
    y = unpack_words(out[:, : outs["word_bytes"]], outs["elems"], outs["dtype"]).reshape(4, -1)
    assert np.array_equal(y, ref[CORE_OUT][:4].reshape(4, -1))
    assert regs["ID"] == CONTROL_ID and regs["FRAMES"] == 4 | each and regs["STATUS"] == 0b10
    assert regs["CYCLES_LO"] == stats["frame_last_output"][-1] - stats["frame_first_input"][0] + 1
    assert (regs["IN_WORDS"], regs["OUT_WORDS"]) == (ins["words"], outs["words"])


def test_the_harness_sees_a_frame_without_its_tlast(small_build):
    sim, src, padded, ins, outs, _ = board_top_case(small_build)
    with pytest.raises(SimulationError, match=f"m_axis_tlast is 0 on output word {outs['words'] - 1} of"):
        sim.run(padded, 4 * outs["words"], ins["words"], outs["words"], src, each_frame=True,
                axil_writes={REGISTERS["FRAMES"]: 4})


def test_streams_are_dma_widths(small_build):
    ins, outs = stream_facts(ModelWrapper(str(small_build / "30_folded.onnx")))
    assert dma_bits(8 * ins["word_bytes"]) in (8, 16, 32, 64, 128, 256, 512, 1024)
    assert [dma_bits(b) for b in (1, 8, 9, 24, 33, 1024)] == [8, 8, 16, 32, 64, 1024]
