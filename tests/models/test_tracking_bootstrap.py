"""Bootstrap intervals clustered by source image, on hand-made cases."""

import numpy as np
import pytest

from models.tracking.bootstrap import clustered_ci


def test_variation_inside_clusters_does_not_widen_the_interval():
    # every cluster has the same mean: any resample of clusters has mean 0.5
    ci = clustered_ci([1, 0, 1, 0, 1, 0], ["a", "a", "b", "b", "c", "c"])
    assert ci == {"mean": 0.5, "low": 0.5, "high": 0.5, "clusters": 3}


def test_two_clusters_span_their_means():
    # resamples of {a: 1, 1} and {b: 0, 0} have means 0, 0.5 or 1 (probabilities 1/4, 1/2, 1/4)
    ci = clustered_ci([1, 1, 0, 0], ["a", "a", "b", "b"])
    assert ci["mean"] == 0.5 and ci["low"] == 0.0 and ci["high"] == 1.0


def test_clustering_widens_the_interval_of_correlated_sequences():
    # six clusters of four identical sequences: as wide as six independent values, and wider
    # than 24 independent sequences would give
    rng = np.random.default_rng(1)
    cluster_means = rng.normal(50, 10, 6)
    values = np.repeat(cluster_means, 4)
    clustered = clustered_ci(values, np.repeat(np.arange(6), 4))
    naive = clustered_ci(values, np.arange(24))
    assert clustered["mean"] == pytest.approx(values.mean())
    assert clustered["low"] < naive["low"] < values.mean() < naive["high"] < clustered["high"]
    # a cluster counts by its sequences: the mean over sequences, not over clusters
    uneven = clustered_ci([10, 10, 10, 0], ["a", "a", "a", "b"])
    assert uneven["mean"] == 7.5 and uneven["high"] == 10.0


def test_one_cluster_has_no_interval_and_bad_input_is_named():
    ci = clustered_ci([3.0, 4.0], ["a", "a"])
    assert ci["mean"] == 3.5 and np.isnan(ci["low"]) and ci["clusters"] == 1
    with pytest.raises(ValueError, match="one value per sequence"):
        clustered_ci([1.0, 2.0], ["a"])
