"""Reset in a four-state simulator (Icarus Verilog): after reset every handshake output of each
hw/rtl module is 0 or 1, never X or Z, and every data output is known whenever its valid is
high, while idle and then while a stream of random words goes in. Verilator has only two
states, so a register that reset forgets can hide there; here it shows as X."""

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.codegen import verilog_value
from flow.backends.rtl.sources import RTL_DIR, rtl_sources
from flow.ops.base import pack_fields, write_memh
from flow.ops.threshold_search import write_stage_files
from tests.rtl import (
    test_channel_scale,
    test_channel_sum,
    test_correlation,
    test_mvau,
    test_thresholding,
    test_weight_loader,
)

pytestmark = pytest.mark.skipif(shutil.which("iverilog") is None, reason="iverilog not installed (./dev env)")

IDLE_CYCLES, STREAM_CYCLES = 16, 400


def op_params(test_module, case, **make_args):
    """A test module's case as RTL parameters (writes its memory files into the run directory)."""
    def params(workdir: Path) -> dict:
        model, node, _ = test_module.make_case(case, **make_args)
        return getCustomOp(node).rtl_params(model, workdir)
    return params


def search_params(in_bits: int):
    """threshold_search with 20 random thresholds per channel in 8 bits, 2 lanes x 4 folds (every
    value of the random fold input a fold), on a signed input of in_bits (8: as wide as the
    thresholds, no extension)."""
    def params(workdir: Path) -> dict:
        thresholds = np.random.default_rng(0).integers(-40, 41, size=(8, 20))
        write_stage_files(workdir, "search", thresholds, pe=2, never=64, bits=8)
        return {"PE": 2, "NF": 4, "IN_BITS": in_bits, "IN_SIGNED": 1, "N_THRES": 20, "THRES_BITS": 8,
                "THRES_FILE": "search"}
    return params


def rom_params(workdir: Path) -> dict:
    (workdir / "rom.mem").write_text("".join(f"{v:02x}\n" for v in range(40)))
    return {"WIDTH": 8, "DEPTH": 40, "FILE": "rom.mem"}


def activation_params(search: bool):
    """activation with 20 random thresholds per channel (8-bit), 2 lanes x 4 folds, compared at
    once (a word of all of a fold's thresholds) or searched (search_params' files)."""
    def params(workdir: Path) -> dict:
        if search:
            search_params(7)(workdir)
        else:
            thresholds = np.random.default_rng(0).integers(-40, 41, size=(4, 2 * 20))
            write_memh(workdir / "thresholds.mem", pack_fields(thresholds & 0xFF, 8), 2 * 20 * 8)
        return {"PE": 2, "NF": 4, "IN_BITS": 7, "IN_SIGNED": 1, "N_THRES": 20, "THRES_BITS": 8, "OUT_BITS": 5,
                "ACT_BIAS": -16, "THRES_SEARCH": int(search), "THRES_FILE": "search" if search else "thresholds.mem"}
    return params


# (module, its parameters: a dict, or a function of the run directory for ops with memory files)
MODULES = [
    ("activation", activation_params(search=False)),
    ("activation", activation_params(search=True)),
    ("add_streams", {"PE": 2, "A_BITS": 3, "A_SIGNED": 1, "B_BITS": 4, "OUT_BITS": 6}),
    ("adder_tree", {"LANES": 2, "N": 5, "IN_BITS": 3, "SIGNED": 1, "OUT_BITS": 6, "TAG_BITS": 2}),
    ("dot_dsp", {"LANES": 3, "N": 7, "IN_BITS": 2, "LUT_LEVELS": 1, "ACC_BITS": 8, "TAG_BITS": 2}),
    ("dsp_add", {}),
    ("pm_tree", {"LANES": 2, "N": 5, "IN_BITS": 4, "IN_SIGNED": 1, "OUT_BITS": 9, "TAG_BITS": 2}),
    ("axil_control", {"IN_WORDS": 7, "OUT_WORDS": 3, "CAPTURE": 1}),
    ("axil_control", {"IN_WORDS": 7, "OUT_WORDS": 3, "WEIGHTS": 1}),
    ("bilinear_crop", {"N": 5, "H": 4, "W": 6}),
    ("channel_scale", op_params(test_channel_scale, test_channel_scale.CASES[1], frames=1)),
    ("channel_sum", {"K": 6, "C": 6, "PE": 2, "IN_BITS": 4, "IN_SIGNED": 1, "OUT_BITS": 7}),
    ("channel_sum", op_params(test_channel_sum, test_channel_sum.VVAU_CASES[0], frames=1)),
    ("concat_streams", {"PE": 2, "A_WORDS": 2, "B_WORDS": 3, "A_BITS": 2, "B_BITS": 4, "B_SIGNED": 1,
                        "OUT_BITS": 4}),
    ("correlation", op_params(test_correlation, test_correlation.CASES[1])),
    ("credit_fifo", {"WIDTH": 12, "CREDITS": 3}),
    ("duplicate_streams", {"WIDTH": 10}),
    ("dwc", {"IN_ELEMS": 6, "OUT_ELEMS": 4, "BITS": 2}),
    ("dwc", {"IN_ELEMS": 2, "OUT_ELEMS": 8, "BITS": 1}),
    ("fifo", {"WIDTH": 12, "DEPTH": 8}),
    ("label_select", {"LABELS": 10, "K": 3, "PE": 2, "IN_BITS": 8, "IN_SIGNED": 1, "OUT_BITS": 4}),
    ("maxpool", {"IFM_H": 9, "IFM_W": 7, "C": 6, "K": 3, "PE": 2, "BITS": 4, "SIGNED": 1}),
    ("mvau", op_params(test_mvau, test_mvau.CASES[0], frames=1)),     # xnor with thresholds
    ("mvau", op_params(test_mvau, test_mvau.CASES[9], frames=1)),     # int with thresholds
    ("mvau", op_params(test_mvau, test_mvau.CASES[5], frames=1)),     # accumulators out
    ("mvau", op_params(test_mvau, test_mvau.CASES[13], frames=1)),    # thresholds by binary search
    ("mvau", test_weight_loader.loaded_mvau_params(test_mvau.CASES[7])),  # weights loaded at run time
    ("mvau", op_params(test_mvau, test_mvau.CASES[16], frames=1)),    # a replay buffer past 256 words
    ("out_queue", {"WIDTH": 6}),
    ("parallel_window", {"IFM_H": 5, "IFM_W": 6, "C": 2, "BITS": 4, "K_H": 3, "K_W": 2, "STRIDE_H": 2}),
    ("sliding_window", {"IFM_H": 7, "IFM_W": 9, "C": 6, "SIMD": 2, "BITS": 4, "PAD_T": 1, "PAD_L": 1,
                        "PAD_B": 1, "PAD_R": 1}),
    ("threshold_search", search_params(7)),
    ("threshold_search", search_params(8)),
    ("threshold_unit", {"PE": 2, "IN_BITS": 6, "N_THRES": 3, "THRES_BITS": 6, "OUT_BITS": 2}),
    ("thresholding", op_params(test_thresholding, test_thresholding.CASES[0], frames=1)),
    ("upscale", {"IFM_H": 3, "IFM_W": 4, "C": 4, "B": 2, "MODE": 0, "PE": 2, "BITS": 4}),
    ("upscale", {"IFM_H": 3, "IFM_W": 3, "C": 2, "B": 3, "MODE": 1, "PE": 1, "BITS": 8}),
    ("weight_loader", {"BASE": 3, "WIDTH": 40, "DEPTH": 5}),
]
IDS = [f"{m}-{i}" for i, (m, _) in enumerate(MODULES)]
# modules with no reset and no handshake, which this test leaves out (a memory: its contents are
# its state, and what reads it qualifies the data; a free-running pipeline, whose user's valid
# bits qualify its results; an adder without a clock; their parents above are tested)
RESETLESS = [("rom", rom_params), ("fp64_add", {}), ("fp64_mul", {}), ("fp64_lerp", {}), ("add_chain", {"W": 6})]


def ports(source: Path) -> list[tuple[str, str]]:
    """(direction, name) of each port of the module in source."""
    text = re.sub(r"//[^\n]*|/\*.*?\*/", "", source.read_text(), flags=re.DOTALL)
    header = text[text.index("module"):text.index(");")]   # parameters, then the ports
    return re.findall(r"\b(input|output)\s+(?:wire|reg)\s*(?:signed\s*)?(?:\[[^\]]*\])?\s*(\w+)", header)


def without_initial_values(src: Path, workdir: Path) -> Path:
    """A copy of src whose registers start as X: a declaration's initial value (`reg v = 0;`)
    holds only after configuration, so the state a design needs must come from its reset."""
    text = re.sub(r"^(\s*(?:output\s+)?reg\b[^=;,\n]*?)\s*=\s*[^;,\n]+?(\s*[;,]?\s*(?://.*)?)$", r"\1\2",
                  src.read_text(), flags=re.MULTILINE)
    copy = workdir / "src" / src.name
    copy.parent.mkdir(exist_ok=True)
    copy.write_text(text)
    return copy


def input_driver(name: str, outputs: set[str]) -> str:
    """What drives an input: ready inputs always 1, a stream's valid the test's `valid`, an
    AXI-Lite request's valid 0, the rest (data, tags, addresses) random words."""
    if name.endswith("ready"):
        return "1'b1"
    if re.fullmatch(r"s\d?_axis_tvalid|in_valid", name):   # every input stream of a join too
        return "valid && dut.credit_ok" if "credit_ok" in outputs else "valid"
    if name == "take":   # credit_fifo: a word is taken as it arrives
        return "valid && dut.credit_ok"
    if name.endswith("valid") or name.endswith("fire"):
        return "1'b0"
    if name == "exemplar_capture":
        return "1'b1"   # every frame is captured: no output reads a memory not yet written
    return "data"


# a memory write port's address and data, qualified by its enable (weight_loader.v, and the
# weight bus axil_control.v drives)
WRITE_PORTS = {"wl_addr": "wl_valid", "waddr": "we", "wdata": "we"}


def data_valid(name: str, outputs: set[str]) -> str | None:
    """The valid output that qualifies a data output (m_axis_tdata -> m_axis_tvalid), if any."""
    valid = WRITE_PORTS.get(name) or re.sub(r"([tbr]?)(data|resp)$", r"\1valid", name)
    return valid if valid != name and valid in outputs else None


def bench_source(module: str, params: dict, source: Path) -> str:
    port_list = ports(source)
    outputs = {n for d, n in port_list if d == "output"}
    connections = ["    .clk(clk)", "    .rst(rst)"]
    checks = []
    for direction, name in port_list:
        if name in ("clk", "rst"):
            continue
        if direction == "input":
            connections.append(f"    .{name}({input_driver(name, outputs)})")
            continue
        connections.append(f"    .{name}()")  # read as dut.<name>: exactly the port's width
        valid = data_valid(name, outputs)
        guard = f"dut.{valid} === 1'b1 && " if valid else ""
        checks.append(f"        if ({guard}^dut.{name} === 1'bx) begin\n"
                      f'            $display("X_OR_Z {name} = %b, cycle %0d after reset", dut.{name}, cycle);\n'
                      f"            failed = 1'b1;\n"
                      f"        end\n")
    values = ",\n".join(f"    .{k}({verilog_value(v)})" for k, v in params.items())
    connections = ",\n".join(connections)
    checks = "".join(checks)
    return f"""`timescale 1ns / 1ps
module tb;
reg clk = 1'b0;
reg rst = 1'b1;
reg valid = 1'b0;
reg [4095:0] data = 4096'd0;   // every data input takes its low bits
integer cycle = 0;
reg failed = 1'b0;
always #5 clk = !clk;

{module} #(
{values}
) dut (
{connections}
);

// outputs are sampled mid-cycle, after the rising edge has settled
always @(negedge clk) begin
    if (!rst) begin
{checks}        cycle = cycle + 1;
    end
end

initial begin
    repeat (5) @(posedge clk);
    @(negedge clk) rst = 1'b0;
    repeat ({IDLE_CYCLES}) @(posedge clk);
    repeat ({STREAM_CYCLES}) begin
        @(posedge clk);
        #1 valid = 1'b1;
        data = {{128{{$random}}}};
    end
    @(negedge clk);
    if (!failed) $display("RESET_CHECK_PASSED");
    $finish;
end
endmodule
"""


def reset_check(module: str, params: dict, sources: list[Path], workdir: Path) -> str:
    """Elaborate and run the reset test bench of `module`; returns what the simulation printed."""
    (workdir / "tb.v").write_text(bench_source(module, params, sources[-1]))
    sources = [without_initial_values(src, workdir) for src in sources]
    compiled = subprocess.run(["iverilog", "-g2012", "-s", "tb", "-o", str(workdir / "tb.vvp"),
                               str(workdir / "tb.v"), *map(str, sources)],
                              capture_output=True, text=True, check=False)
    assert compiled.returncode == 0, compiled.stdout + compiled.stderr
    run = subprocess.run(["vvp", "-n", str(workdir / "tb.vvp")], cwd=workdir, capture_output=True,
                         text=True, check=False, timeout=60)
    return run.stdout + run.stderr


@pytest.mark.parametrize(("module", "params"), MODULES, ids=IDS)
def test_outputs_are_known_after_reset(tmp_path, module, params):
    if callable(params):
        params = params(tmp_path)
    sources = rtl_sources(module)
    sources = [s for s in sources if s.stem != module] + [RTL_DIR / f"{module}.v"]
    out = reset_check(module, params, sources, tmp_path)
    assert "RESET_CHECK_PASSED" in out, out[-3000:]
    assert "ERROR" not in out and "WARNING" not in out, out[-3000:]


# a register stage whose valid bit reset forgets (its initial value does not count)
FORGETFUL = """module forgetful (
    input  wire       clk,
    input  wire       rst,
    input  wire [7:0] s_axis_tdata,
    input  wire       s_axis_tvalid,
    output wire       s_axis_tready,
    output wire [7:0] m_axis_tdata,
    output wire       m_axis_tvalid,
    input  wire       m_axis_tready
);
reg [7:0] data = 8'd0;
reg valid = 1'b0;
assign s_axis_tready = !valid || m_axis_tready;
assign m_axis_tdata = data;
assign m_axis_tvalid = valid;
always @(posedge clk) begin
    if (s_axis_tvalid && s_axis_tready) begin
        data <= s_axis_tdata;
        valid <= 1'b1;
    end else if (valid && m_axis_tready) begin
        valid <= 1'b0;
    end
    if (rst) begin
        data <= 8'd0;
    end
end
endmodule
"""


def test_a_forgotten_reset_shows_as_x(tmp_path):
    source = tmp_path / "forgetful.v"
    source.write_text(FORGETFUL)
    out = reset_check("forgetful", {}, [source], tmp_path)
    assert "RESET_CHECK_PASSED" not in out
    assert "X_OR_Z m_axis_tvalid = x, cycle 0 after reset" in out
