"""OTB one-pass evaluation metrics (Wu et al., OTB 2013/2015).

- precision curve: the fraction of frames whose centre error (pixels) is <= t, t = 0..50;
  precision@20 is its value at 20 px;
- success curve: the fraction of frames whose IoU with the ground truth is > t, t = 0, 0.05, ..., 1;
  its AUC is the curve's mean over those 21 thresholds;
- mean IoU over the frames.

Boxes are [x, y, w, h]. Every frame counts, the first included; frames whose ground truth holds a
NaN or a non-positive size (target absent) are left out. Benchmark figures are averages over
sequences of the per-sequence curves and values, as the OTB toolkit averages them.
"""

import numpy as np

PRECISION_THRESHOLDS = np.arange(0, 51, dtype=np.float64)
SUCCESS_THRESHOLDS = np.linspace(0, 1, 21)


def _valid(boxes, truth):
    boxes, truth = np.asarray(boxes, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    if boxes.shape != truth.shape or boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"boxes {boxes.shape} and ground truth {truth.shape} must both be (N, 4)")
    keep = np.isfinite(truth).all(axis=1) & (truth[:, 2] > 0) & (truth[:, 3] > 0)
    return boxes[keep], truth[keep]


def centre_errors(boxes, truth) -> np.ndarray:
    """Euclidean distance (pixels) between box centres, per frame."""
    boxes, truth = np.asarray(boxes, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    centres = boxes[:, :2] + boxes[:, 2:] / 2
    true_centres = truth[:, :2] + truth[:, 2:] / 2
    return np.hypot(*(centres - true_centres).T)


def ious(boxes, truth) -> np.ndarray:
    """Intersection over union of two boxes per frame."""
    boxes, truth = np.asarray(boxes, dtype=np.float64), np.asarray(truth, dtype=np.float64)
    lo = np.maximum(boxes[:, :2], truth[:, :2])
    hi = np.minimum(boxes[:, :2] + boxes[:, 2:], truth[:, :2] + truth[:, 2:])
    intersection = np.prod(np.clip(hi - lo, 0, None), axis=1)
    union = np.prod(boxes[:, 2:], axis=1) + np.prod(truth[:, 2:], axis=1) - intersection
    return np.where(union > 0, intersection / np.where(union > 0, union, 1), 0.0)


def sequence_metrics(boxes, truth) -> dict:
    """Metrics of one sequence: precision_20, auc, mean_iou, mean_centre_error, and both curves."""
    boxes, truth = _valid(boxes, truth)
    if len(truth) == 0:
        raise ValueError("no frame with a valid ground-truth box")
    errors, overlaps = centre_errors(boxes, truth), ious(boxes, truth)
    precision = (errors[None, :] <= PRECISION_THRESHOLDS[:, None]).mean(axis=1)
    success = (overlaps[None, :] > SUCCESS_THRESHOLDS[:, None]).mean(axis=1)
    return {
        "frames": int(len(truth)),
        "precision_20": float(precision[PRECISION_THRESHOLDS == 20][0]),
        "auc": float(success.mean()),
        "mean_iou": float(overlaps.mean()),
        "mean_centre_error": float(errors.mean()),
        "precision_curve": precision.tolist(),
        "success_curve": success.tolist(),
    }


def average(results) -> dict:
    """Mean over sequences of the per-sequence metrics and curves (sequence_metrics dicts)."""
    results = list(results)
    if not results:
        raise ValueError("no sequence results to average")
    out = {"sequences": len(results), "frames": int(sum(r["frames"] for r in results))}
    for key in ("precision_20", "auc", "mean_iou", "mean_centre_error"):
        out[key] = float(np.mean([r[key] for r in results]))
    for key in ("precision_curve", "success_curve"):
        out[key] = np.mean([r[key] for r in results], axis=0).tolist()
    return out


def plot_curves(summaries: dict, path_precision, path_success, title: str = "") -> None:
    """OTB-style precision and success plots (PNG) of {name: average(...)} summaries."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    for path, key, x, xlabel, ylabel, score in (
        (
            path_precision,
            "precision_curve",
            PRECISION_THRESHOLDS,
            "location error threshold (px)",
            "precision",
            "precision_20",
        ),
        (
            path_success,
            "success_curve",
            SUCCESS_THRESHOLDS,
            "overlap threshold",
            "success rate",
            "auc",
        ),
    ):
        fig, ax = plt.subplots(figsize=(5, 4), dpi=120)
        ranked = sorted(summaries.items(), key=lambda item: -item[1][score])
        for name, summary in ranked:
            ax.plot(x, summary[key], label=f"{name} [{summary[score]:.3f}]")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
        ax.set_title(
            f"{'Precision' if key == 'precision_curve' else 'Success'} plots of OPE {title}".strip()
        )
        ax.legend(loc="lower right" if key == "precision_curve" else "upper right", fontsize=7)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
