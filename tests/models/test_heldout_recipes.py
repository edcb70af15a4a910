"""Held-out benchmark recipes: a recipe's per-sequence metrics are its seeds' means."""

import pytest

from benchmarks import siamfc_heldout as heldout


def run(values):
    return {"sequences": {s: {m: v for m in heldout.METRICS} for s, v in values.items()}}


def test_a_recipe_averages_each_sequence_over_its_seeds():
    runs = {"a0": run({"s1": 0.2, "s2": 1.0}), "a1": run({"s1": 0.6, "s2": 0.0})}
    means = heldout.recipe_sequences(runs, ["a0", "a1"])
    assert means["s1"]["precision_20"] == pytest.approx(0.4)
    assert means["s2"]["auc"] == pytest.approx(0.5)


def test_a_recipe_naming_an_unknown_tracker_is_refused():
    with pytest.raises(SystemExit, match="unknown: b9"):
        heldout.parse_recipes(["b=b0,b9"], {"b0": "x.pt"})
    with pytest.raises(SystemExit, match="expected NAME=TRACKER"):
        heldout.parse_recipes(["b"], {"b0": "x.pt"})
    assert heldout.parse_recipes(["b=b0"], {"b0": "x.pt"}) == {"b": ["b0"]}
