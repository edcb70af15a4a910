"""Writing results: JSON, markdown tables and plots into an output folder."""
from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)


def write_json(path: Path, data) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def table(header: list[str], rows: list[list]) -> str:
    """A markdown table; floats are written as given (format them before)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def pct(x: float, digits: int = 2) -> str:
    return f"{100 * x:.{digits}f}%"


def metrics_table(named: list[tuple[str, dict]]) -> str:
    """Parameters, memory, MACs, bit-ops and energy of models (name, model_metrics dict)."""
    rows = []
    for name, m in named:
        t = m["total"]
        rows.append([name, f"{t['params']:,}", f"{t['memory_bits']:,}", f"{t['macs']:,}",
                     f"{t['flops']:,}", f"{t['bitops']:,}", f"{t['energy_pj'] / 1e6:.3f}"])
    return table(["model", "parameters", "memory (bits)", "MACs", "FLOPs", "bit-ops",
                  "energy / inference (uJ)"], rows)


def plot_threshold_functions(path: Path, title: str, curves: list[dict], ylabel: str) -> None:
    """Bonsai Fig. 1/2: score vs fraction pruned, one line per criterion."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for c in curves:
        pts = c["points"]
        ax.plot([p["fraction_pruned"] for p in pts], [p["score"] for p in pts], marker=".",
                label=f"{c['criterion']} (AUC {c['auc']:.3f})")
    ax.set_xlabel("fraction of filters pruned")
    ax.set_ylabel(ylabel)
    ax.set_xlim(0, 1)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_heatmaps(path: Path, title: str, heatmap, classes: list[int], neurons: int = 8) -> None:
    """Distill-Net heatmaps of one conv layer: rows are classes, columns the first `neurons`
    neurons' mean |OFM| maps."""
    n = min(neurons, heatmap.shape[1])
    fig, axes = plt.subplots(len(classes), n, figsize=(1.2 * n, 1.2 * len(classes)), squeeze=False)
    vmax = float(heatmap.max())
    for r, c in enumerate(classes):
        for j in range(n):
            ax = axes[r][j]
            ax.imshow(heatmap[r, j], vmin=0, vmax=vmax, cmap="inferno")
            ax.set_xticks([])
            ax.set_yticks([])
            if j == 0:
                ax.set_ylabel(str(c))
            if r == 0:
                ax.set_title(f"n{j}", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
