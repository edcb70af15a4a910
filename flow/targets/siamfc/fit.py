"""How fast the SiamFC tracker accelerator runs within the board's budget, by the estimate: the
figure that decides what to prune (models/compress/siamfc_prune.py).

    python -m flow.targets.siamfc.fit --checkpoint best.pt [--channels conv2=24 "conv1=12 conv2=24"]
                              [--sweep conv1 conv2 ...] [--target-fps 180]

For the checkpoint's backbone, and for each candidate channel count (the checkpoint with the
first n filters of a layer kept: cycles and resources do not depend on the weights), it runs what
the build runs up to its fold and tracker_fold steps, without simulation: export, streamline, lower,
the fold step's automatic folding for the goal and its budget check, then the tracker_fold step's
folding of backbone + correlation (flow/targets/siamfc/tracker_graph.py), which refolds the whole graph for
the highest rate that fits when the goal's folding does not. FIFOs keep their default depth (the
build sizes them by simulation, which adds a little).
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.board.spec import load_board
from flow.estimate import total_resources
from flow.fold import apply_folding, auto_folding, fit_to_board
from flow.frontend import export_brevitas
from flow.insert_plumbing import insert_plumbing
from flow.lower import lower_to_hardware
from flow.streamline import integerize
from flow.targets.siamfc.inputs import FRAME_SHAPE, SEARCH_IMAGES_PER_SECOND
from flow.targets.siamfc.tracker_graph import append_correlation, fits, fold_tracker_to_fit
from models.siamfc import EXEMPLAR_SIZE, SEARCH_SIZE


def hardware_graph(backbone: torch.nn.Module, search_size: int = SEARCH_SIZE) -> ModelWrapper:
    """The backbone's 20_hw.onnx: exported, streamlined and lowered as the build does."""
    with tempfile.TemporaryDirectory() as tmp:
        qonnx = export_brevitas(backbone, torch.zeros(1, 3, search_size, search_size),
                                Path(tmp) / "00_qonnx.onnx")
    return lower_to_hardware(integerize(qonnx))


def with_channels(backbone: torch.nn.Module, counts: dict[str, int]) -> torch.nn.Module:
    """A copy of `backbone` whose named convolutions keep their first counts[name] filters."""
    from models.compress.surgery import remove_channels

    keep = {f"layers.{name}": range(n) for name, n in counts.items()}
    return remove_channels(backbone, torch.zeros(1, 3, EXEMPLAR_SIZE, EXEMPLAR_SIZE), keep)


def _cycles(model: ModelWrapper) -> dict[str, int]:
    return {n.name: getCustomOp(n).cycles() for n in model.graph.node}


def tracker_fit(hw: ModelWrapper, target_fps: float = SEARCH_IMAGES_PER_SECOND,
                clock_mhz: float = 100.0, board_name: str = "pynq_z2", frame_shape=FRAME_SHAPE) -> dict:
    """The fold step and the tracker_fold step's folding of a backbone hardware graph, by the estimate:
    whether the backbone's folding for `target_fps` fits (else the build stops at its fold step),
    and the tracker's rate, bottleneck, resources and per-MVAU folding (its crop engine for
    frames of frame_shape included)."""
    board = load_board(board_name)
    folding = auto_folding(hw, target_fps, clock_mhz)
    backbone = insert_plumbing(apply_folding(ModelWrapper(hw.model, make_deepcopy=True), folding))
    fit_to_board(backbone, board)
    backbone_cycles = max(_cycles(backbone).values())
    tracker, refolded = fold_tracker_to_fit(append_correlation(hw), folding, backbone_cycles,
                                            clock_mhz, board, frame_shape)
    cycles = _cycles(tracker)
    bottleneck = max(cycles, key=cycles.get)
    mvaus = {}
    for node in tracker.graph.node:
        op = getCustomOp(node)
        if op.workload().macs:  # the MVAUs and the correlation
            mvaus[node.name] = {"folding": op.folding(), "cycles": cycles[node.name],
                                "LUT": op.resources()["LUT"]}
    return {
        "backbone_fits_at_goal": fits(backbone, board),
        "backbone_resources_at_goal": total_resources(backbone),
        "refolded_for_fps": refolded,
        "search_images_per_second": clock_mhz * 1e6 / cycles[bottleneck],
        "bottleneck": bottleneck, "bottleneck_cycles": cycles[bottleneck],
        "goal_cycles": clock_mhz * 1e6 / target_fps,
        "resources": total_resources(tracker), "budget": board.budget(), "ops": mvaus,
    }


def channels_of(backbone) -> list[int]:
    return [conv.out_channels for _, conv in backbone.convolutions()]


def summary(label: str, channels: list[int], fit: dict) -> str:
    res, budget = fit["resources"], fit["budget"]
    return (f"| {label} | {channels} | {fit['search_images_per_second']:.1f} | "
            f"{fit['bottleneck']} ({fit['bottleneck_cycles']:,}) | "
            f"{'yes' if fit['backbone_fits_at_goal'] else 'no'} | "
            f"{'-' if fit['refolded_for_fps'] is None else 'yes'} | "
            f"{res['LUT']:,.0f} ({res['LUT'] / budget['LUT']:.1%}) | {res['BRAM36']:g} | "
            f"{res['DSP']:g} |")


HEADER = ("| network | channels conv1..conv7 | search images/s | bottleneck (cycles) | "
          "backbone fits at the goal | tracker refolded | LUT (of budget) | BRAM36 | DSP |\n"
          "|---|---|---|---|---|---|---|---|---|")


def parse_counts(text: str) -> dict[str, int]:
    """"conv1=12 conv2=24" (or comma-separated) -> {"conv1": 12, "conv2": 24}."""
    counts = {}
    for item in text.replace(",", " ").split():
        name, _, n = item.partition("=")
        if not n.isdigit():
            raise SystemExit(f"--channels: expected layer=count, got {item!r}")
        counts[name] = int(n)
    return counts


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m flow.targets.siamfc.fit", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--checkpoint", required=True, help="siamfc checkpoint (pruned ones too)")
    p.add_argument("--channels", nargs="*", default=[],
                   help='candidates, each "conv2=24" or "conv1=12 conv2=24"')
    p.add_argument("--sweep", nargs="*", default=[],
                   help="layers to try alone at every count from all filters down to half")
    p.add_argument("--target-fps", type=float, default=SEARCH_IMAGES_PER_SECOND)
    p.add_argument("--clock-mhz", type=float, default=100.0)
    args = p.parse_args(argv)
    from flow.targets.siamfc.inputs import siamfc_backbone

    torch.set_num_threads(1)
    backbone = siamfc_backbone(args.checkpoint)
    names = [name.removeprefix("layers.") for name, _ in backbone.convolutions()]
    candidates = [parse_counts(c) for c in args.channels]
    for layer in args.sweep:
        n = channels_of(backbone)[names.index(layer)]
        candidates += [{layer: k} for k in range(n - 1, n // 2 - 1, -1)]
    print(HEADER)
    for counts in [{}, *candidates]:
        model = with_channels(backbone, counts) if counts else backbone
        fit = tracker_fit(hardware_graph(model), args.target_fps, args.clock_mhz)
        label = " ".join(f"{k}={v}" for k, v in counts.items()) or "as given"
        print(summary(label, channels_of(model), fit), flush=True)


if __name__ == "__main__":
    main()
