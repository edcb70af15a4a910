"""What a search run shows people: its markdown tables and the plot of top-1 against LUT at the
fixed frames/s, the front marked."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the non-interactive backend)

from models.compress.report import pct, table  # noqa: E402


def _row(c: dict, front: set[int], index: int) -> list:
    h = c["hardware"]
    res = h.get("resources") or {}
    return [c["index"], "-".join(map(str, c["widths"])), " ".join(c["presets"]),
            f"{c['params']:,}" if "params" in c else "-",
            f"{c['memory_bits']:,}" if "memory_bits" in c else "-",
            pct(c["val_top1"]) if "val_top1" in c else "-", pct(c["test_top1"]) if "test_top1" in c else "-",
            f"{h['fps']:,.0f}" if h.get("fps") else "-",
            f"{res['LUT']:,.0f}" if res else "-", f"{res['BRAM36']:g}" if res else "-",
            "yes" if index in front else "", "" if h["built"] else h["reason"]]


HEADER = ["#", "widths", "presets (per layer)", "params", "weights (bits)", "val top-1",
          "test top-1", "fps (estimate)", "LUT (estimate)", "BRAM36 (estimate)", "front",
          "why not at the fixed fps"]


def markdown(result: dict) -> str:
    s, sp, cost = result["settings"], result["space"], result.get("cost", {})
    cands = [c for c in result["candidates"] if c is not None]
    front = set(result.get("front", []))
    built = sum(c["hardware"]["built"] for c in cands)
    loads = cost.get("load_average_1min_samples") or [0.0]
    parts = [
        f"# Hardware-aware search: VGG widths and per-layer presets ({sp['arch']})",
        f"`{result['command']}`",
        f"Search: {result['search']} from a space of {sp['size']:.3g} (base widths "
        f"{sp['base_widths']}, multipliers {sp['multipliers']} per hidden layer, presets "
        f"{', '.join(sp['presets'])} per conv/dense layer). Reward: {result['reward']}. Training: "
        f"{s['epochs']} epochs, Adam lr {s['lr']}, cosine, on "
        f"{s['train_limit'] or 'all 8,000'} training images of the MNIST subset. Cost: the "
        f"compiler's analytic estimate (flow.explore's front end and fold + estimate step) at a fixed "
        f"{s['fps']:,.0f} frames/s, {s['clock_mhz']:g} MHz, board {s['board']}.",
        f"{len(cands)} candidates, {built} reach the fixed frames/s within the board; front: "
        f"{len(front)} candidates.",
        f"Cost of the search: {cost.get('task_cpu_seconds', 0):,.0f} CPU seconds in the tasks "
        f"({cost.get('cpu_hours', 0):.3f} CPU hours, user + system time of the Ray workers), "
        f"{cost.get('session_cpu_seconds', 0):,.0f} CPU seconds in all (the command's process from "
        f"its start, Ray's processes and workers), {cost.get('wall_seconds', 0):,.0f} s wall; machine "
        f"{result['machine']}, shared: 1-minute load average {min(loads):.1f} to {max(loads):.1f} "
        f"(mean {sum(loads) / len(loads):.1f}) over the run, sampled as each candidate finished.",
        "## The front (validation top-1 against LUT)",
        table(HEADER[:-1], [_row(c, front, c["index"])[:-1] for c in
                            (result["candidates"][i] for i in result.get("front", []))]),
        f"On test top-1 instead (1,000 images the search never chose by) the front is candidates "
        f"{', '.join(map(str, result.get('front_test', [])))} (by increasing LUT).",
        "## All candidates",
        table(HEADER, [_row(c, front, c["index"]) for c in cands]),
    ]
    return "\n\n".join(parts) + "\n"


def plot(path: Path, result: dict) -> None:
    cands = [c for c in result["candidates"] if c is not None]
    front = [result["candidates"][i] for i in result.get("front", [])]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    built = [c for c in cands if c["hardware"]["built"]]
    slow = [c for c in cands if not c["hardware"]["built"] and c["hardware"].get("resources")
            and "val_top1" in c]
    ax.scatter([c["hardware"]["resources"]["LUT"] for c in built], [100 * c["val_top1"] for c in built],
               color="tab:blue", label="candidate")
    if slow:
        ax.scatter([c["hardware"]["resources"]["LUT"] for c in slow], [100 * c["val_top1"] for c in slow],
                   marker="x", color="tab:gray", label="misses the fixed fps or the board")
    if front:
        ax.step([c["hardware"]["resources"]["LUT"] for c in front], [100 * c["val_top1"] for c in front],
                where="post", color="tab:red", marker="o", label="front")
    for c in built:
        ax.annotate(str(c["index"]), (c["hardware"]["resources"]["LUT"], 100 * c["val_top1"]),
                    fontsize=7, xytext=(3, 3), textcoords="offset points")
    s = result["settings"]
    ax.set_xlabel(f"LUT (compiler estimate at {s['fps']:,.0f} frames/s, {s['clock_mhz']:g} MHz)")
    ax.set_ylabel("validation top-1 (%)")
    ax.set_title(f"{result['space']['arch']}: widths x per-layer presets, {len(cands)} candidates, "
                 f"{s['epochs']} epochs each")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
