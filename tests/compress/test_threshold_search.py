"""Algorithm 2: adaptive gap splitting finds the score cliff; AUC; choosing the threshold."""
from __future__ import annotations

import pytest

from models.compress.bonsai import Bonsai
from models.compress.threshold_search import Point, ThresholdFunction, threshold_function
from tests.compress.nets import inputs, randomize_batchnorm, tiny


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def test_gap_splitting_locates_a_cliff_to_one_filter():
    model = randomize_batchnorm(tiny())
    x = inputs()
    bonsai = Bonsai(model, x, "sd", "both", "static")
    full = n_params(model)
    scored = []

    def score(m):  # "accuracy" 1.0 while more than 60% of the parameters remain, then 0.1
        scored.append(m)
        return 1.0 if n_params(m) > 0.6 * full else 0.1

    tf = threshold_function(bonsai, score, max_gap=0.05, max_evals=40)
    assert tf.evaluations == len(scored) <= 40
    pts = sorted(tf.points, key=lambda p: p.fraction_pruned)
    assert pts[0].fraction_pruned == 0 and pts[0].score == 1.0
    assert pts[-1].score == 0.1
    # the last 1.0 and the first 0.1 are neighbouring pruned models: one filter apart
    last_good = max(p.fraction_pruned for p in pts if p.score == 1.0)
    first_bad = min(p.fraction_pruned for p in pts if p.score == 0.1)
    filters = sum(bonsai.steps[i].out_shape[0] for i in bonsai.indices)
    assert first_bad - last_good == pytest.approx(1 / filters)
    # and splitting stopped there: far fewer models scored than there are distinct thresholds
    assert tf.evaluations < filters


def test_budget_is_respected():
    model = randomize_batchnorm(tiny())
    bonsai = Bonsai(model, inputs(), "mean", "both", "static")
    tf = threshold_function(bonsai, lambda m: n_params(m) / 1e4, max_gap=0.0, max_evals=5)
    assert tf.evaluations == 5


def test_auc_and_choice():
    tf = ThresholdFunction("sd", "both", "static",
                           [Point(0.0, 0.0, 1.0), Point(2.0, 1.0, 0.0), Point(1.0, 0.5, 1.0),
                            Point(1.5, 0.75, 0.97)])
    # trapezoids: 0.5 * 1 + 0.25 * 0.985 + 0.25 * 0.485
    assert tf.auc() == pytest.approx(0.5 + 0.25 * 0.985 + 0.25 * 0.485)
    assert tf.choose(reference=1.0, tolerance=0.02).threshold == 1.0
    assert tf.choose(reference=1.0, tolerance=0.05).threshold == 1.5
    loss = ThresholdFunction("sd", "both", "static", [Point(0.0, 0.0, 0.1), Point(1.0, 0.5, 0.12),
                                                      Point(2.0, 0.9, 2.0)], higher_is_better=False)
    assert loss.choose(reference=0.1, tolerance=0.05).threshold == 1.0
