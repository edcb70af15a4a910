"""Two X seeds: a design whose output depends on a register that reset forgets gives different
outputs under two seeds (the check bites); with the reset it gives the same, and each run's
stats name its seed."""

from functools import partial

import numpy as np
import pytest

from flow.backends.rtl.verilator import build
from flow.backends.rtl.x_seeds import XDependenceError, run_two_x_seeds

# a running sum of the input words; RESET_SUM = 0 leaves the sum's register out of the reset
RUNNING_SUM = """`resetall
`timescale 1ns / 1ps
`default_nettype none

/*
 * running_sum: each output word is the sum of the input words so far (test design)
 */
module running_sum #
(
    // 1: reset clears the sum, 0: the sum starts from whatever the register held
    parameter RESET_SUM = 1
)
(
    input  wire        clk,
    input  wire        rst,
    input  wire [31:0] s_axis_tdata,
    input  wire        s_axis_tvalid,
    output wire        s_axis_tready,
    output wire [31:0] m_axis_tdata,
    output wire        m_axis_tvalid,
    input  wire        m_axis_tready
);

reg [31:0] sum;
reg valid = 1'b0;

assign s_axis_tready = !valid || m_axis_tready;
assign m_axis_tdata = sum;
assign m_axis_tvalid = valid;

always @(posedge clk) begin
    if (s_axis_tvalid && s_axis_tready) begin
        sum <= sum + s_axis_tdata;
        valid <= 1'b1;
    end else if (m_axis_tready) begin
        valid <= 1'b0;
    end
    if (rst) begin
        valid <= 1'b0;
        if (RESET_SUM != 0) begin
            sum <= 32'd0;
        end
    end
end

endmodule

`resetall
"""


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    path = tmp_path_factory.mktemp("running_sum") / "running_sum.v"
    path.write_text(RUNNING_SUM)
    return path


def run(source, workdir, reset_sum: int):
    sim = build("running_sum", [source], 32, 32, {"RESET_SUM": reset_sum})
    words = np.arange(1, 9, dtype="<u4").view(np.uint8).reshape(8, 4)
    return partial(sim.run, words, 8, 8, 8, workdir)


def test_an_unreset_register_in_the_data_path_fails_the_two_seed_check(source, tmp_path):
    with pytest.raises(XDependenceError, match="X seeds 1 and 2 give different outputs"):
        run_two_x_seeds(run(source, tmp_path, reset_sum=0))


def test_the_reset_register_passes_and_its_seeds_are_recorded(source, tmp_path):
    simulate = run(source, tmp_path, reset_sum=1)
    out, stats = run_two_x_seeds(simulate)
    assert np.array_equal(out.view("<u4").ravel(), np.cumsum(np.arange(1, 9)))
    assert stats["x_seeds"] == [1, 2] and stats["x_seed"] == 1
    assert simulate(x_seed=7)[1]["x_seed"] == 7
