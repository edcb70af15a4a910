"""Bootstrap confidence intervals of benchmark averages, clustered by source image.

A benchmark figure is the mean over sequences of a per-sequence value (precision@20, success AUC,
mean IoU; models/tracking/metrics.py). Sequences cut from the same photograph are not independent,
so the bootstrap resamples photographs (clusters) with replacement and recomputes the mean over all
sequences of the photographs drawn (a cluster drawn twice counts twice): the cluster bootstrap
(Cameron, Gelbach and Miller). scipy.stats.bootstrap does the resampling, on the cluster indices;
percentile intervals, since with a handful of clusters BCa's jackknife is unreliable. With few
clusters the interval is itself rough (it is too narrow rather than too wide): read it as a
guide to the noise, not as an exact 95 % coverage.
"""

import numpy as np
from scipy import stats


def clustered_ci(
    values, clusters, confidence: float = 0.95, n_resamples: int = 9999, seed: int = 0
) -> dict:
    """{"mean", "low", "high", "clusters"}: the mean of `values` (one per sequence) and its
    percentile bootstrap interval, resampling the distinct labels of `clusters` (one per
    sequence). For a paired difference of two trackers, pass the per-sequence differences."""
    values = np.asarray(values, dtype=np.float64)
    labels, index = np.unique(np.asarray(clusters), return_inverse=True)
    if values.ndim != 1 or len(values) != len(index) or len(values) == 0:
        raise ValueError(
            f"need one value per sequence and one cluster per sequence, got {values.shape} values "
            f"and {len(index)} clusters"
        )
    sums = np.bincount(index, weights=values)
    counts = np.bincount(index).astype(np.float64)
    mean = float(values.mean())
    if len(labels) < 2:
        return {"mean": mean, "low": float("nan"), "high": float("nan"), "clusters": 1}

    def resampled_mean(cluster_ids, axis=-1):
        # cluster_ids: (..., n_clusters) integer labels drawn with replacement
        ids = cluster_ids.astype(np.intp)
        return sums[ids].sum(axis=axis) / counts[ids].sum(axis=axis)

    result = stats.bootstrap(
        (np.arange(len(labels)),),
        resampled_mean,
        vectorized=True,
        n_resamples=n_resamples,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    low, high = result.confidence_interval
    return {"mean": mean, "low": float(low), "high": float(high), "clusters": int(len(labels))}
