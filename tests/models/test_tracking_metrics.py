"""OTB metrics on hand-computed cases."""

import numpy as np
import pytest

from models.tracking.metrics import average, centre_errors, ious, plot_curves, sequence_metrics


def test_iou_and_centre_error_by_hand():
    truth = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 4, 4]], float)
    boxes = np.array([[5, 0, 10, 10], [20, 0, 10, 10], [0, 0, 10, 10], [1, 1, 2, 2]], float)
    np.testing.assert_allclose(ious(boxes, truth), [50 / 150, 0, 1, 4 / 16])
    np.testing.assert_allclose(centre_errors(boxes, truth), [5, 20, 0, 0])


def test_precision_at_20_and_success_auc():
    truth = np.tile([100.0, 100.0, 20.0, 20.0], (4, 1))
    boxes = truth.copy()
    boxes[:, 0] += [0, 10, 20, 30]  # centre errors 0, 10, 20, 30 px; IoUs 1, 1/3, 0, 0
    m = sequence_metrics(boxes, truth)
    assert m["precision_20"] == 0.75  # errors <= 20 px
    assert m["mean_centre_error"] == 15
    assert m["mean_iou"] == pytest.approx((1 + 1 / 3) / 4)
    # success at t is the fraction of IoUs > t: t = 0 -> 2/4; 0 < t < 1/3 -> 2/4 (t = 0.05 .. 0.30,
    # 6 thresholds); 1/3 < t < 1 -> 1/4 (0.35 .. 0.95, 13 thresholds); t = 1 -> 0
    expected_auc = (0.5 + 6 * 0.5 + 13 * 0.25 + 0) / 21
    assert m["auc"] == pytest.approx(expected_auc)
    assert len(m["precision_curve"]) == 51 and len(m["success_curve"]) == 21


def test_perfect_tracking_scores_as_in_otb():
    truth = np.array([[1, 2, 30, 40], [3, 4, 30, 40]], float)
    m = sequence_metrics(truth, truth)
    assert m["precision_20"] == 1 and m["mean_iou"] == 1
    assert m["auc"] == pytest.approx(20 / 21)  # IoU 1 is not > 1


def test_frames_without_ground_truth_are_left_out():
    truth = np.array([[0, 0, 10, 10], [np.nan] * 4, [0, 0, 0, 0]], float)
    boxes = np.array([[0, 0, 10, 10], [50, 50, 5, 5], [50, 50, 5, 5]], float)
    m = sequence_metrics(boxes, truth)
    assert m["frames"] == 1 and m["precision_20"] == 1
    with pytest.raises(ValueError, match="must both be"):
        sequence_metrics(boxes[:2], truth)


def test_average_over_sequences_and_plots(tmp_path):
    truth = np.tile([0.0, 0.0, 10.0, 10.0], (2, 1))
    good = sequence_metrics(truth, truth)
    bad = sequence_metrics(truth + [100, 0, 0, 0], truth)
    avg = average([good, bad])
    assert avg["sequences"] == 2 and avg["frames"] == 4
    assert avg["precision_20"] == 0.5 and avg["mean_iou"] == 0.5
    np.testing.assert_allclose(avg["success_curve"], np.array(good["success_curve"]) / 2)
    plot_curves({"good": good, "avg": avg}, tmp_path / "p.png", tmp_path / "s.png")
    assert (tmp_path / "p.png").stat().st_size > 1000 and (tmp_path / "s.png").stat().st_size > 1000
