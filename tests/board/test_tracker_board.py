"""The tracker accelerator on the board: the CAPTURE register in the RTL, the driver's exemplar
API against the emulated PYNQ-Z2 (and what it refuses), and the reduced SiamFC's L6."""

import json

import numpy as np
import pytest

from deploy.packing import tensor_to_words, unpack_words
from flow.backends.rtl.verilator import build, lint
from flow.board.top import BOARD_TOP, REGISTERS, register_map
from flow.targets.siamfc.inputs import benchmark_pairs
from flow.targets.siamfc.steps import PAIRS_SEED_OFFSET
from tests.board.test_emulated_board import run_driver
from tests.siamfc_tiny import SEARCH

CAPTURE = register_map(["exemplar_capture"])["CAPTURE"]

TRACKER_DRIVER = """
import json
import numpy as np
from deploy.crop import fill_colour
from deploy.crop_stream import FrameCrops, header_words
from deploy.driver import QNNOverlay, DeployError
from deploy.tracker import BoardScores
accel = QNNOverlay(".", max_batch=4)
ref = np.load("reference.npz")
x, y = ref["core_in"], ref["core_out"]
def error(call):
    try:
        call()
    except DeployError as err:
        return str(err)
out = {"hwh_registers": {k: v["address_offset"] for k, v in accel.ip_dict["accelerator"]["registers"].items()},
       "capture_at_load": accel.read_register("CAPTURE"),
       "before_exemplar": error(lambda: accel.scores(x[1])),
       "two_exemplars": error(lambda: accel.set_exemplar(x[:2])),
       "flags": error(lambda: accel.execute(x[:2], capture=[1])),
       "pixels": error(lambda: BoardScores(accel).set_exemplar(np.zeros((1, 3, 100, 100), np.uint8)))}
out["own"] = accel.set_exemplar(x[0]).tolist() == y[:1].tolist()
out["capture_after"] = accel.read_register("CAPTURE")
# the exemplar stays in the fabric across batches until the next capture
out["search"] = [accel.scores(x[1]).tolist() == y[1:2].tolist() for _ in range(2)]
# the backend: the exemplar and each pair's video frame, out of the reference streams (a canvas
# stream's frame holds the exemplar at its top left), cut in the fabric at the pair's regions
board = BoardScores(accel)
(h, w), side, e = board.frame_shape, board.side, board.exemplar_size
head = header_words(side) * 8
frames = [x[i, head:head + h * w * 3].astype(np.uint8).reshape(h, w, 3) for i in (1, 3)]
exemplars = [x[i, head:head + h * w * 3].astype(np.uint8).reshape(h, w, 3)[:e, :e].transpose(2, 0, 1)[None]
             for i in (0, 2)]
crops = [FrameCrops(f, np.array(c), np.array([s]), fill_colour(f)) for f, (c, s) in zip(frames, REGIONS)]
board.set_exemplar(exemplars[0])
out["cut"] = board.responses(crops[0]).tolist() == y[1:2].tolist()
# three crops, scored in the order asked: the third is sent once the first's output is in
three = crops[0]._replace(sides=crops[0].sides.repeat(3))
scored = list(board.scores_by_scale(three, order=[2, 0, 1]))
out["three_crops"] = ([k for k, _ in scored] == [2, 0, 1]
                      and all(m.tolist() == y[1].reshape(m.shape).tolist() for _, m in scored))
out["order"] = error(lambda: list(board.scores_by_scale(three, order=[0, 0, 1])))
# a batch in parts: the buffer's first frame is pair 1's search stream (the backend wrote it)
batch = [error(lambda: accel.send_frames(1))]
accel.start_batch(1)
batch += [error(lambda: accel.finish_batch()), error(lambda: accel.send_frames(2))]
accel.send_frames(1)
batch.append(accel.finish_batch().tolist() == y[1:2].tolist())
out["batch"] = batch
# outputs frame by frame: each frame's own TLAST and S2MM transfer
accel.start_batch(2, each_frame=True)
each = [error(lambda: accel.receive_frame())]
accel.send_frames(1)
each.append(accel.receive_frame().tolist() == y[1:2].tolist())
accel.send_frames(1)
each.append(accel.finish_batch().tolist() == y[1:2].tolist())
accel.start_batch(1)
accel.send_frames(1)
each.append(error(lambda: accel.receive_frame()))
accel.finish_batch()
out["each"] = each
# a design whose DMA cannot start a transfer mid-batch (no realignment engine) takes it whole
accel.input["frame_by_frame"] = False
accel.start_batch(2)
accel.send_frames(1)
whole = [error(lambda: accel.send_frames(1))]
accel.input["frame_by_frame"] = True
accel.send_frames(1)
out["whole"] = whole + [accel.finish_batch().tolist() == y[[1, 1]].tolist()]
out["refused"] = [error(lambda: board.responses(np.zeros((1, 3, side, side), np.uint8))),
                  error(lambda: board.responses(crops[0]._replace(frame=frames[0][:-1])))]
board.set_exemplar(exemplars[1])
out["second_pair"] = board.responses(crops[1]).tolist() == y[3:4].tolist()
out["old_pair_now"] = board.responses(crops[0]).tolist() == y[1:2].tolist()
out["l6"] = accel.validate()
print(json.dumps(out))
"""

BACKBONE_DRIVER = """
import json
import numpy as np
from deploy.driver import QNNOverlay, DeployError
from deploy.tracker import BoardScores
accel = QNNOverlay(".", max_batch=4)
x = np.load("reference.npz")["core_in"]
errors = {}
for name, call in {"set_exemplar": lambda: accel.set_exemplar(x[:1]),
                   "capture_batch": lambda: accel.run(x[:1], capture=True),
                   "register": lambda: accel.read_register("CAPTURE"),
                   "backend": lambda: BoardScores(accel)}.items():
    try:
        call()
    except DeployError as err:
        errors[name] = str(err)
print(json.dumps(errors))
"""


@pytest.mark.slow   # the reduced SiamFC's whole build (tests/siamfc_tiny.py)
def test_tracker_l6_equals_l2_on_every_pair(siamfc_tiny_build):
    out, report = siamfc_tiny_build
    board = json.loads((out / "tracker" / "board" / "board.json").read_text())
    assert board["L2_L6"] == {"inputs": 4, "mismatches": 0, "max_difference": 0.0, "equal": True}
    assert report["tracker"]["levels"]["L2_L6"]["passed"]
    assert [r["batch"] for r in board["throughput"]] == [1, 2, 4]
    checks = json.loads((out / "tracker" / "vivado" / "checks.json").read_text())
    assert checks["verilator_lint"] == "clean" and checks["tcl"]["passed"]
    assert "add_register CAPTURE" in (out / "tracker" / "vivado" / "package_ip.tcl").read_text()


@pytest.mark.slow   # the reduced SiamFC's whole build (tests/siamfc_tiny.py)
def test_capture_register_arms_one_batch_and_clears_itself(siamfc_tiny_build, small_build):
    out, _ = siamfc_tiny_build
    src = out / "tracker" / "vivado" / "src"
    design = json.loads((out / "tracker" / "deploy" / "design.json").read_text())
    assert design["registers"]["CAPTURE"] == CAPTURE and design["controls"] == ["exemplar_capture"]
    sources = sorted(src.glob("*.v"))
    assert lint(BOARD_TOP, sources) == ""
    ins, outs = design["input"], design["output"]
    sim = build(BOARD_TOP, sources, 8 * ins["dma_bytes"], 8 * outs["dma_bytes"], axi_lite=True)
    # frames: canvas A, search A, canvas B, search B; y: their reference score maps, each
    # against the exemplar of its pair (a canvas against itself)
    ref = np.load(out / "tracker" / "deploy" / "reference.npz")
    x, y = ref["core_in"], ref["core_out"].reshape(len(ref["core_out"]), -1)
    assert ref["capture"].tolist() == [1, 0, 1, 0]
    session = sim.serve(src)

    def arm():
        return session.run(np.zeros((0, ins["dma_bytes"]), np.uint8), 0, ins["words"], outs["words"],
                           axil_writes={CAPTURE: 1}, axil_reads=[CAPTURE])[1]["axil_reads"]

    def scores(i):
        """Frame i through the board top: its score map and CAPTURE read back after it."""
        frame = tensor_to_words(x[i:i + 1], ins["elems"], ins["dtype"])
        words = np.zeros((ins["words"], ins["dma_bytes"]), np.uint8)
        words[:, : ins["word_bytes"]] = frame.reshape(ins["words"], -1)
        out_words, stats = session.run(words, outs["words"], ins["words"], outs["words"],
                                       axil_writes={REGISTERS["FRAMES"]: 1}, axil_reads=[CAPTURE])
        return unpack_words(out_words[:, : outs["word_bytes"]], outs["elems"], outs["dtype"]).reshape(-1), \
            stats["axil_reads"]

    try:
        armed = arm()
        canvas_a = scores(0)       # armed: captures exemplar A, CAPTURE cleared at the batch's end
        search_a = scores(1)       # not armed: a different frame, scored against exemplar A
        canvas_b_unarmed = scores(2)
        armed_b = arm()
        canvas_b = scores(2)       # armed: captures exemplar B
        search_b = scores(3)
    finally:
        session.close()
    assert armed == armed_b == [1]
    assert [c[1] for c in (canvas_a, search_a, canvas_b_unarmed, canvas_b, search_b)] == [[0]] * 5
    assert np.array_equal(canvas_a[0], y[0]) and np.array_equal(search_a[0], y[1])
    # without arming, canvas B is scored against exemplar A: not the map a capture of B gives,
    # so a capture that did not happen would fail here (and A's scores above)
    assert not np.array_equal(canvas_b_unarmed[0], y[2])
    assert np.array_equal(canvas_b[0], y[2]) and np.array_equal(search_b[0], y[3])

    # a design without the control has no CAPTURE register: reads 0, writes change nothing
    small = json.loads((small_build / "deploy" / "design.json").read_text())
    assert "CAPTURE" not in small["registers"] and small["controls"] == []
    small_src = small_build / "vivado" / "src"
    sim = build(BOARD_TOP, sorted(small_src.glob("*.v")), 8 * small["input"]["dma_bytes"],
                8 * small["output"]["dma_bytes"], axi_lite=True)
    _, stats = sim.run(np.zeros((0, small["input"]["dma_bytes"]), np.uint8), 0, small["input"]["words"],
                       small["output"]["words"], small_src, axil_writes={CAPTURE: 1}, axil_reads=[CAPTURE])
    assert stats["axil_reads"] == [0]


@pytest.mark.slow   # the reduced SiamFC's whole build (tests/siamfc_tiny.py)
def test_driver_sets_the_exemplar_and_scores_search_frames(siamfc_tiny_build, small_build):
    out, _ = siamfc_tiny_build
    pairs = benchmark_pairs(2, PAIRS_SEED_OFFSET, SEARCH)   # the build's tracker pairs (seed 0)
    regions = [[list(pairs.regions(i)["search"][1]), pairs.regions(i)["search"][2]] for i in range(2)]
    tracker, _ = run_driver(out / "tracker", TRACKER_DRIVER.replace("REGIONS", json.dumps(regions)))
    backbone, _ = run_driver(small_build, BACKBONE_DRIVER)
    assert tracker.returncode == 0, tracker.stderr[-2000:]
    result = json.loads(tracker.stdout.strip().splitlines()[-1])
    design = json.loads((out / "tracker" / "deploy" / "design.json").read_text())
    assert {k: int(v) for k, v in result["hwh_registers"].items()} == design["registers"]
    assert result["capture_at_load"] == 0 and result["capture_after"] == 0
    assert "call set_exemplar() first" in result["before_exemplar"]
    assert "set_exemplar takes one capture frame, got 2" in result["two_exemplars"]
    assert "give one per frame (2)" in result["flags"]
    assert "the exemplar is one 3 x 127 x 127 crop" in result["pixels"]
    assert result["own"] and result["search"] == [True, True]
    assert result["cut"] and result["three_crops"] and result["second_pair"]
    assert result["order"] == "an order of the 3 crops is each of 0..2 once, got [0, 0, 1]"
    assert result["each"] == ["frame 0 of the batch was not sent: send_frames() it first", True, True,
                              "receive_frame() takes the frames of a batch started with each_frame=True; "
                              "finish_batch() takes a whole batch's"]
    assert "cuts the search crops itself" in result["refused"][0]
    assert "takes 240 x 320 x 3 uint8 frames, got uint8 (239, 320, 3)" in result["refused"][1]
    assert result["batch"] == ["no batch is running: start_batch(n) first",
                               "the batch has 1 frames not sent: send_frames() them before finish_batch()",
                               "cannot send 2 frames: 1 of the batch of 1 are left", True]
    assert result["whole"] == ["this design's DMA sends a batch from its start only (no realignment engine: "
                               "design.json input.frame_by_frame): send the batch whole", True]
    assert not result["old_pair_now"]   # pair 1's search frame against pair 2's exemplar
    assert result["l6"]["equal"] and result["l6"]["inputs"] == 4

    assert backbone.returncode == 0, backbone.stderr[-2000:]
    errors = json.loads(backbone.stdout.strip().splitlines()[-1])
    for name in ("set_exemplar", "capture_batch"):
        assert "has no exemplar_capture control" in errors[name]
    assert "has no register CAPTURE" in errors["register"]
    assert "is not a tracker accelerator" in errors["backend"]
