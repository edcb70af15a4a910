"""Weights loaded at run time (flow/backends/weight_image.py): a build whose MVAU weights the host
loads after the bitstream verifies L1..L6 (the harness, the C-simulation's test bench and the
driver each load the image; no level preloads it), the driver loads other weights without a new
bitstream, and on a board with UltraRAM the fold step moves weight memories there when the
design is over its block RAM budget."""

import json
from dataclasses import replace

import numpy as np
import pytest
from qonnx.custom_op.registry import getCustomOp

from flow.api import build
from flow.backends.weight_image import IMAGE_FILE, read_image
from flow.board.l6 import run_on_emulated_board
from flow.board.spec import load_board
from flow.estimate import total_resources
from flow.fold import fit_memories
from flow.ops import FoldingError
from flow.steps import check_budget
from tests.flow.qonnx_graphs import residual_graph
from tests.rtl import test_mvau

RELOAD = """
import json
import numpy as np
from deploy.driver import DeployError, QNNOverlay
accel = QNNOverlay(".", max_batch=2)
ref = np.load("reference.npz")
x, y = ref["core_in"], ref["core_out"]
image = np.fromfile("weight_image.bin", dtype="<u4")
result = {"loaded": accel.run(x).tolist() == y.tolist()}
np.zeros_like(image).tofile("/tmp/zero_weights.bin")
accel.load_weights("/tmp/zero_weights.bin")
result["zeroed"] = accel.run(x).tolist() == y.tolist()
accel.load_weights()
result["reloaded"] = accel.run(x).tolist() == y.tolist()
image[:-1].tofile("/tmp/short_weights.bin")
try:
    accel.load_weights("/tmp/short_weights.bin")
except DeployError as err:
    result["short"] = str(err)
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def loaded_build(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runtime_weights")
    path = tmp / "residual.onnx"
    residual_graph().save(str(path))
    out = tmp / "b"
    assert build(str(path), out=out, inputs=2, fps=20000, runtime_weights=True, verbose=False).passed
    return out


def test_every_level_loads_the_weights(loaded_build):
    report = json.loads((loaded_build / "report.json").read_text())
    assert {"L2_L3", "L2_L4", "L2_L5", "L2_L6"} <= set(report["verification"])
    assert all(level["passed"] for level in report["verification"].values())
    facts = json.loads((loaded_build / "deploy" / "design.json").read_text())["weights"]
    image = read_image(loaded_build / "deploy" / IMAGE_FILE)
    assert facts["words"] == len(image) == sum(r["lanes"] * r["depth"] for r in facts["regions"])
    assert [r["base"] for r in facts["regions"]] == [0, facts["regions"][0]["lanes"] * facts["regions"][0]["depth"]]
    rtl = (loaded_build / "rtl" / "accelerator.v").read_text()
    assert rtl.count(".WEIGHT_LOAD(1)") == len(facts["regions"]) and "input  wire                      wl_valid" in rtl
    assert "#define ACCELERATOR_WEIGHT_WORDS" in (loaded_build / "hls" / "accelerator.hpp").read_text()
    assert "WEIGHTS(1)" in (loaded_build / "vivado" / "src" / "accelerator_axi.v").read_text()


def test_the_driver_loads_other_weights_without_a_new_bitstream(loaded_build):
    proc, board = run_on_emulated_board(loaded_build, ["-c", RELOAD], timeout_s=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["loaded"] and not result["zeroed"] and result["reloaded"]
    assert "weight_image" not in result["short"] and "32-bit words" in result["short"]


def overfull(board_name: str, bram36: float):
    """An MVAU whose weights need block RAM, on `board_name` with its BRAM budget set to bram36."""
    model, node, _ = test_mvau.make_case((256, 64, 4, 2, "INT4", "INT4", None, 0, [1]), frames=1)
    board = load_board(board_name)
    return model, getCustomOp(node), replace(board, budget_fraction={**board.budget_fraction,
                                                                      "BRAM36": bram36 / board.resources["BRAM36"]})


def test_weights_move_to_ultraram_where_block_ram_runs_out():
    model, op, board = overfull("zcu104", 0)
    assert total_resources(model)["BRAM36"] > 0
    fit_memories(model, board)
    assert op.attr("weight_ram_style") == "ultra" and op.runtime_weights()
    total = total_resources(model)
    assert total["BRAM36"] == 0 and total["URAM"] == 1   # 2048 words of 32 bits: one 4K x 72 block
    check_budget(model, board)


def test_ultraram_is_refused_on_a_board_without_it():
    model, op, board = overfull("pynq_z2", 100)
    op.set_nodeattr("weight_ram_style", "ultra")
    with pytest.raises(FoldingError, match="URAM 1 > 0"):
        check_budget(model, board)
    np.testing.assert_equal(total_resources(model)["URAM"], 1)


def test_ultraram_weights_on_the_emulated_zcu104(tmp_path):
    """MVAU weights in UltraRAM on a ZCU104: loaded by the harness (L4), the test bench (L5) and the
    driver over the emulated Zynq UltraScale+ (L6), all equal to L2."""
    path = tmp_path / "residual.onnx"
    residual_graph().save(str(path))
    folding = {name: {"weight_ram_style": "ultra"} for name in ("MVAU_0", "MVAU_1")}
    out = tmp_path / "b"
    assert build(str(path), out=out, inputs=2, folding=folding, board="zcu104", verbose=False).passed
    report = json.loads((out / "report.json").read_text())
    assert report["totals"]["estimate"]["URAM"] == 2
    assert all(report["verification"][k]["passed"] for k in ("L2_L4", "L2_L5", "L2_L6"))
    assert json.loads((out / "deploy" / "design.json").read_text())["weights"]["words"] > 0
