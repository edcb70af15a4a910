"""A reduced SiamFC (width 0.25, 143x143 search crops, 5x5 score maps) through the whole flow:
backbone L0..L4, then the tracker accelerator (backbone + run-time-exemplar correlation) on
exemplar/search pairs L0..L5 (L5: its HLS C-simulation) and L6 (the emulated board), each of its
steps cached; the rtlsim tracker backend scores like the reference backend."""

import dataclasses
import json
import shutil

import numpy as np
import pytest
from qonnx.core.datatype import DataType

from deploy.crop import crop, fill_colour
from deploy.crop_stream import FrameCrops
from deploy.siamfc_tracker import SiamFCTracker
from flow.pipeline import run_build
from flow.streamline.errors import UnsupportedGraph
from flow.targets.siamfc.backend import ReferenceScores, RtlsimScores
from flow.targets.siamfc.host import host_overlap
from flow.targets.siamfc.inputs import benchmark_pairs
from flow.targets.siamfc.tracker_graph import append_correlation
from tests.helpers import single_op_model
from tests.siamfc_tiny import SEARCH, tiny_config


@pytest.fixture(scope="module")
def tiny_build(siamfc_tiny_build):
    return siamfc_tiny_build


@pytest.mark.slow
def test_tiny_siamfc_backbone_and_tracker_are_bit_exact(tiny_build):
    out, report = tiny_build
    assert all(v["equal"] for v in report["verification"].values()), report["verification"]
    tracker = report["tracker"]
    assert set(tracker["levels"]) == {"L0_L2", "L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6"}
    for name, level in tracker["levels"].items():
        assert level["equal"] and level["scope"] == "tracker", (name, level)
    assert tracker["levels"]["L2_L4"]["inputs"] == 4     # 2 pairs: capture + search frames
    assert tracker["levels"]["L2_L5"]["inputs"] == tracker["hlssim"]["frames"] == 4  # HLS C-sim
    assert "--capture" in (out / "tracker" / "hls" / "export_ip.tcl").read_text()
    assert tracker["levels"]["L0_L2"]["inputs"] == 2     # L0 embeds the 127x127 exemplar itself
    # the reduced network outpaces the crop engine, whose cycles() is the bound of a crop that
    # fetches two frame rows per output row: the frames stream within it, and no faster than
    # any other op's exact cycles
    measured = tracker["fps"]["measured_cycles_per_search_image"]
    assert tracker["bottleneck"] == "BilinearCrop_0"
    others = max(op["analytic_cycles"] for name, op in tracker["ops"].items() if name != "BilinearCrop_0")
    assert others < measured <= tracker["analytic_cycles_per_search_image"]
    host = tracker["host"]["ms_per_frame"]  # the tracking loop's host phases, timed on this CPU
    assert host["host"] == pytest.approx(host["crop"] + host["peak"])
    assert min(host.values()) > 0
    assert "energy" not in json.dumps(tracker["workload"])
    assert [p["fps"] for p in tracker["prior_work"]] == [18.6, 17.0]


@pytest.mark.slow
def test_tracker_steps_are_cached_and_hls_runs_without_rtl(tiny_build, tmp_path):
    out, _ = tiny_build
    cfg = tiny_config(out)
    said = []
    assert run_build(cfg, say=said.append).passed
    tracker_lines = [line for line in said if "tracker_" in line]
    assert len(tracker_lines) == len(cfg.target.steps) and all(line.endswith("up to date") for line in tracker_lines)

    # --backend hls: the tracker's L0..L3 and L5 run, its RTL steps do not
    hls_out = tmp_path / "hls"
    shutil.copytree(out, hls_out)
    result = run_build(dataclasses.replace(tiny_config(hls_out), backend="hls"), say=lambda _: None)
    assert result.passed, result.failures
    levels = result.report["tracker"]["levels"]
    assert set(levels) == {"L0_L2", "L1_L2", "L2_L3", "L2_L5"} and all(v["equal"] for v in levels.values())
    assert result.report["tracker"]["fps"] is None
    assert "not simulated" in (hls_out / "report.md").read_text()


@pytest.mark.slow
def test_rtlsim_backend_scores_equal_the_reference_backend(tiny_build):
    """The accelerator cuts a frame's crops (its crop engine) and scores them as the reference
    backend scores the host's Pillow crops, and as it scores the engine model's crops."""
    out, _ = tiny_build
    pairs = benchmark_pairs(1, 7, SEARCH)
    frame, centre, side = pairs.regions(0)["search"]
    exemplar = pairs[0]["exemplar"].numpy().transpose(2, 0, 1)[None]
    fill = fill_colour(frame)
    crops = FrameCrops(frame, centre, np.array([side, 1.1 * side]), fill)
    pixels = np.stack([crop(frame, centre, s, SEARCH, fill) for s in (side, 1.1 * side)]).transpose(0, 3, 1, 2)
    scores = []
    for backend, given in ((ReferenceScores(out), pixels), (ReferenceScores(out, crop_engine=True), crops),
                           (RtlsimScores(out), crops)):
        backend.set_exemplar(exemplar)
        scores.append(backend.responses(given))
    assert scores[0].shape == (2, 1, 5, 5)
    assert np.array_equal(scores[0], scores[1]) and np.array_equal(scores[0], scores[2])
    assert len(np.unique(scores[0])) > 5


def test_tracker_uses_a_backend_that_correlates_by_itself():
    class Fixed:
        """A backend whose score map peaks 2 cells right of the centre at the middle scale."""
        def set_exemplar(self, pixels):
            assert pixels.shape == (1, 3, 127, 127)

        def responses(self, pixels):
            maps = np.zeros((len(pixels), 1, 33, 33))
            maps[len(pixels) // 2, 0, 16, 18] = 1.0
            return maps

    tracker = SiamFCTracker(Fixed())
    frame = np.full((240, 320, 3), 100, dtype=np.uint8)
    tracker.init(frame, [100, 100, 40, 40])
    box = tracker.update(frame)
    assert box[0] > 100 and box[1] == pytest.approx(100, abs=0.5)


def test_host_overlap_bounds_the_frame_rate():
    ms = {"crop": 6.0, "peak": 4.0, "host": 10.0}
    fps = host_overlap(ms, fabric_frame_ms=15.0, scales=3)
    assert fps["tracker_fps_host_in_series"] == pytest.approx(1000 / 25)
    # one crop (2) + fabric (15) + peak search (4) > the host's 10
    assert fps["tracker_fps_host_overlapped_bound"] == pytest.approx(1000 / 21)
    slow_host = {"crop": 60.0, "peak": 40.0, "host": 100.0}
    assert host_overlap(slow_host, 15.0, 3)["tracker_fps_host_overlapped_bound"] == pytest.approx(10)


def test_append_correlation_needs_a_signed_feature_map():
    model = single_op_model("MaxPool", (1, 4, 4, 2), ifm_dims=[4, 4], channels=2, kernel=2,
                            out_dtype="UINT4")
    model.set_tensor_shape("y", [1, 2, 2, 2])
    model.set_tensor_datatype("y", DataType["UINT4"])
    with pytest.raises(UnsupportedGraph, match="signed integer feature map"):
        append_correlation(model)
