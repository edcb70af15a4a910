"""Yosys synth_xilinx: counts parsed from a real run, from a build directory given relative."""

import subprocess
from pathlib import Path

import pytest
from qonnx.custom_op.registry import getCustomOp

from benchmarks.rom_luts import measure as measure_rom
from flow.backends.rtl import synth
from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.synth import parse_cells, synthesize
from tests.helpers import single_op_model
from tests.rtl.test_mvau import CASES, make_case
from tests.rtl.test_sliding_window import make_case as make_window_case


def test_synthesize_counts_a_fifo_in_a_relative_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "rtl").mkdir()
    counts = synthesize("rtl", rtl_sources("fifo"), "fifo", {"WIDTH": 8, "DEPTH": 32})
    # 32 x 8 bits fit distributed RAM; the pointers and output register are flip-flops
    assert counts["LUT"] > 0 and counts["FF"] >= 8
    assert counts["BRAM36"] == 0 and counts["DSP"] == 0
    assert (tmp_path / "rtl" / "yosys_fifo.log").exists()


@pytest.mark.parametrize("style,brams", [("distributed", 0), ("block", 0.5)])
def test_mvau_weight_rom_maps_to_the_requested_style(tmp_path, style, brams):
    model, node, _ = make_case(CASES[0], frames=1)
    op = getCustomOp(node)
    op.set_nodeattr("weight_ram_style", style)
    counts = synthesize(tmp_path, rtl_sources("mvau"), "mvau", op.rtl_params(model, tmp_path))
    assert counts["BRAM36"] == brams and counts["LUT"] > 0


def test_a_replay_buffer_past_256_words_maps_on_ultrascale(tmp_path):
    """An MVAU vector of 512 words: a read port and a write port, where one shared port made Yosys
    0.70 stop on a single-port LUTRAM its UltraScale+ mapping file lacks. The buffer is LUTRAM, as
    the estimate has it; the weights (1,024 words of 16 bits) a RAMB18."""
    model, node, _ = make_case(CASES[16], frames=1)
    op = getCustomOp(node)
    counts = synthesize(tmp_path, rtl_sources("mvau"), "mvau", op.rtl_params(model, tmp_path), family="xcup")
    assert counts["LUT"] > 0 and counts["BRAM36"] == op.resources()["BRAM36"] == 0.5


@pytest.mark.parametrize("depth", [288, 1152])
def test_the_estimate_of_a_rom_in_logic_follows_yosys_past_256_words(depth):
    # above 256 words the MUXF8 groups need LUTs to join them: a LUT6 per 64 words alone came
    # out 25 % under Yosys on such ROMs
    rom = measure_rom(width=4, depth=depth, seed=0)
    assert abs(rom["estimate_LUT"] - rom["yosys_LUT"]) <= 0.15 * rom["yosys_LUT"]


def test_axil_control_maps_with_an_output_size_that_is_no_power_of_two(tmp_path):
    # Yosys 0.23's DSP packer asserted on a frames x OUT_WORDS product register reset to a
    # non-zero value; the control counts frames instead and needs no multiplier
    counts = synthesize(tmp_path, rtl_sources("axil_control"), "axil_control",
                        {"IN_WORDS": 784, "OUT_WORDS": 10, "CAPTURE": 0})
    assert counts["DSP"] == 0 and counts["LUT"] > 0

# the top-level statistics block as Yosys 0.23 and Yosys 0.70 print it (an earlier block first)
STAT_0_23 = """   Number of cells:                  2
     LUT2                            2

=== fifo ===

   Number of cells:                 24
     BUFG                            1
     FDRE                           13
     RAM32M                          2

End of script."""
STAT_0_70 = """        2 cells
        2   LUT2

=== fifo ===

       24 cells
        1   BUFG
       13   FDRE
        2   RAM32M
        1 submodules
        1   $paramod$e90ed\\axil_control

End of script."""


@pytest.mark.parametrize("text", [STAT_0_23, STAT_0_70], ids=["yosys-0.23", "yosys-0.70"])
def test_cell_counts_are_read_from_the_last_block_of_either_format(text):
    assert parse_cells(text) == {"BUFG": 1, "FDRE": 13, "RAM32M": 2}


# Logic levels (LUTs and CARRY4s) on the timing proxy's critical path that the xnor MVAU's
# popcount may take: a register after every four adder levels (mvau.v) keeps it to six
POPCOUNT_LEVELS = 6


def test_xnor_mvau_popcount_stays_within_its_depth(tmp_path):
    # MW 200, SIMD 100: 34 match counts, six adder levels, a register after the fourth
    model, node, _ = make_case(CASES[2], frames=1)
    counts = synthesize(tmp_path, rtl_sources("mvau"), "mvau", getCustomOp(node).rtl_params(model, tmp_path))
    timing = counts["timing_proxy"]
    assert 0 < timing["logic_levels"] <= POPCOUNT_LEVELS
    assert timing["critical_path_ps"] <= 5000   # half a 100 MHz cycle, the rest left for routing
    assert "proxy" in timing["note"]


def test_the_depth_bound_bites_on_a_tree_registered_too_rarely(tmp_path):
    params = {"LANES": 1, "N": 34, "IN_BITS": 2, "SIGNED": 0, "OUT_BITS": 8, "TAG_BITS": 1}
    levels = {}
    for per_reg in (4, 6):
        result = synthesize(tmp_path, rtl_sources("adder_tree"), "adder_tree", {**params, "LEVELS_PER_REG": per_reg})
        levels[per_reg] = result["timing_proxy"]["logic_levels"]
    assert levels[4] <= POPCOUNT_LEVELS < levels[6]


def test_plain_abc_maps_where_the_delay_aware_mapping_fails(tmp_path, monkeypatch):
    # an option synth_xilinx refuses stands in for abc9's internal error on a large design
    monkeypatch.setattr(synth, "MAPPINGS", ("-no_such_option", ""))
    counts = synthesize(tmp_path, rtl_sources("fifo"), "fifo", {"WIDTH": 8, "DEPTH": 32})
    assert counts["mapping"] == synth.SYNTH.format(family="xc7") and counts["LUT"] > 0
    assert len(counts["mapping_failures"]) == 1 and "-no_such_option" in counts["mapping_failures"][0]
    assert counts["timing_proxy"]["critical_path_ps"] > 0


def test_threshold_search_memories_map_as_the_estimate_counts_them(tmp_path):
    # 255 thresholds, 2 lanes x 4 folds: the last stage's 512 words per lane are block RAM,
    # the shallower stages LUT logic (threshold_search.v); the estimate counts the same
    model, node, _ = make_case((48, 8, 8, 2, "BIPOLAR", "INT4", "INT8", -128, [2]), frames=1)
    op = getCustomOp(node)
    assert op.threshold_search()
    counts = synthesize(tmp_path, rtl_sources("mvau"), "mvau", op.rtl_params(model, tmp_path))
    estimate = op.resources()
    assert counts["BRAM36"] == estimate["BRAM36"] == 1.0
    assert abs(counts["LUT"] - estimate["LUT"]) <= 0.15 * counts["LUT"], (counts["LUT"], estimate["LUT"])


@pytest.mark.parametrize("pe,simd,merged", [(16, 48, True), (8, 96, False)])
def test_a_rom_of_eight_words_merges_into_the_xnor_terms_only_without_replay(tmp_path, pe, simd, merged):
    # 6 weight words in logic: with one neuron fold each match-count LUT6 takes the ROM's 3 address
    # bits beside its 3 input bits, and the estimate counts no ROM (within 15 %); with two folds
    # the replay multiplexer sits in the way, and the estimate counts a LUT per ROM bit, which
    # errs high (Yosys merges part of it), by at most 25 %
    model, node, _ = make_case((288, 16, simd, pe, "BIPOLAR", "BIPOLAR", "BIPOLAR", 0, [2]), frames=1)
    op = getCustomOp(node)
    op.set_nodeattr("weight_ram_style", "distributed")
    assert op.weight_memory_shape()[0] == 6 and op.weights_in_terms() == merged
    counts = synthesize(tmp_path, rtl_sources("mvau"), "mvau", op.rtl_params(model, tmp_path))
    estimate = op.resources()["LUT"]
    if merged:
        assert abs(counts["LUT"] - estimate) <= 0.15 * counts["LUT"], (counts["LUT"], estimate)
    else:
        assert counts["LUT"] <= estimate <= 1.25 * counts["LUT"], (counts["LUT"], estimate)


@pytest.mark.parametrize("in_elems,out_elems", [(576, 192), (1152, 576), (16, 2), (576, 96)])
def test_a_narrowing_converter_costs_a_multiplexer_per_output_bit(tmp_path, in_elems, out_elems):
    # dwc.v holds its word and selects an output word of it in turn: an n-to-1 multiplexer per
    # output bit, a LUT6 per four inputs
    model = single_op_model("DataWidthConverter", (1, 1152), {}, shape=[1152], out_dtype="BIPOLAR",
                            in_elems=in_elems, out_elems=out_elems)
    op = getCustomOp(model.graph.node[0])
    counts = synthesize(tmp_path, rtl_sources("dwc"), "dwc", op.rtl_params(model, tmp_path))
    estimate = op.resources()["LUT"]
    assert abs(counts["LUT"] - estimate) <= 0.15 * counts["LUT"], (counts["LUT"], estimate)


def test_whole_windows_shift_through_lut_shift_registers_as_estimated(tmp_path):
    # 12x12x16 INT4, 3x3: two runs of 9 pixels between the taps, 64 bits each, in 16-deep SRLs
    model, node, _ = make_window_case((12, 12), 16, (3, 3), (1, 1), (0, 0, 0, 0), 144, "INT4", frames=1)
    op = getCustomOp(node)
    counts = synthesize(tmp_path, rtl_sources(op.rtl_module), op.rtl_module, op.rtl_params(model, tmp_path))
    assert counts["cells"].get("SRL16E", 0) + counts["cells"].get("SRLC32E", 0) == op.shift_register_luts() == 128
    estimate = op.resources()
    for kind in ("LUT", "FF"):
        assert abs(counts[kind] - estimate[kind]) <= 0.15 * counts[kind], (kind, counts[kind], estimate[kind])


class TrappingYosys:
    """The WebAssembly Yosys as it stops when its 4 GiB run out (stderr as wasmtime prints it) on
    a flattened design, or on every design (everywhere); otherwise the real one runs."""

    everywhere = False

    def __init__(self):
        self.real = REAL_YOSYS()
        self.version = self.real.version

    def run(self, args, cwd, **kwargs):
        if not self.everywhere and "-flatten" not in args[-1]:
            return self.real.run(args, cwd=cwd, **kwargs)
        log = Path(cwd) / args[args.index("-l") + 1]
        log.write_text("17.41. Executing TECHMAP pass (map to technology primitives).\n"
                       "17.42. Executing OPT pass (performing simple optimizations).\n")
        return subprocess.CompletedProcess(args, 1, "", "Traceback (most recent call last):\n"
                                           f"{synth.WASM_TRAP}: error while executing at wasm backtrace:")


REAL_YOSYS = synth.tools.yosys


def test_a_design_past_the_webassembly_memory_is_counted_module_by_module(tmp_path, monkeypatch):
    # an MVAU holds adder trees, an activation and a FIFO: counted over its hierarchy, its cells
    # are those of the flattened run within 10 % (no optimisation across modules)
    params = mvau_params(tmp_path)
    flat = synthesize(tmp_path, rtl_sources("mvau"), "mvau", params)
    monkeypatch.setattr(synth.tools, "yosys", TrappingYosys)
    counts = synthesize(tmp_path, rtl_sources("mvau"), "mvau", params)
    assert counts["mapping"] == f"{synth.SYNTH_HIERARCHICAL.format(family='xc7')} -abc9"
    assert synth.mapping_used(counts["mapping"]) == "abc9, module by module"
    assert counts["timing_proxy"] is None
    assert len(counts["mapping_failures"]) == 1
    assert "stopped in 'OPT pass (performing simple optimizations)'" in counts["mapping_failures"][0]
    assert abs(counts["LUT"] - flat["LUT"]) <= 0.1 * flat["LUT"], (counts["LUT"], flat["LUT"])
    assert counts["BRAM36"] == flat["BRAM36"]


def test_a_webassembly_trap_on_every_mapping_is_one_line_with_the_way_out(tmp_path, monkeypatch):
    monkeypatch.setattr(TrappingYosys, "everywhere", True)
    monkeypatch.setattr(synth.tools, "yosys", TrappingYosys)
    with pytest.raises(synth.SynthesisError) as err:
        synthesize(tmp_path, rtl_sources("fifo"), "fifo", {"WIDTH": 8, "DEPTH": 32})
    message = str(err.value)
    assert "\n" not in message and "Traceback" not in message
    assert "stopped in 'OPT pass (performing simple optimizations)'" in message
    assert "at most 4 GiB" in message and "QNNFLOW_YOSYS" in message


def mvau_params(workdir: Path) -> dict:
    model, node, _ = make_case(CASES[0], frames=1)
    return getCustomOp(node).rtl_params(model, workdir)


def test_an_ultrascale_board_is_mapped_to_its_own_primitives(tmp_path):
    """--board zcu104/kv260: synth_xilinx -family xcup, whose block RAM (RAMB36E2) counts as BRAM36;
    no timing proxy, whose delays are the 7-series'."""
    counts = synthesize(tmp_path, rtl_sources("fifo"), "fifo", {"WIDTH": 36, "DEPTH": 1024}, family="xcup")
    assert counts["cells"].get("RAMB36E2") == 1 and counts["BRAM36"] == 1.0 and counts["URAM"] == 0
    assert "-family xcup" in counts["mapping"] and counts["timing_proxy"] is None
