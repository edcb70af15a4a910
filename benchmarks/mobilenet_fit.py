"""The mobilenet_v1 target (brevitas_examples' quant_mobilenet_v1, w4a4, seeded weights: its trained
checkpoint is a GitHub release, which cannot be fetched here) against the ZCU104 and KV260 budgets,
by the estimate: streamlined, lowered, folded for each rate, and its memories fitted to each board
as the fold step fits them (the largest weight memories to UltraRAM, loaded at run time, while
block RAM is over budget). Nothing is simulated or synthesized here: whether it fits, and by how
much it does not (`./dev build mobilenet_v1` builds and verifies the 100 fps design).

    ./dev python benchmarks/mobilenet_fit.py [--fps 100 300 1000]

Writes benchmarks/results/mobilenet_fit.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from pathlib import Path

import torch
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.board.spec import load_board
from flow.estimate import total_resources
from flow.fold import apply_folding, auto_folding, fit_memories
from flow.frontend import export_brevitas, load_qonnx
from flow.insert_plumbing import insert_plumbing
from flow.lower import lower_to_hardware
from flow.streamline import integerize
from flow.target import find_target

RESULTS = Path(__file__).resolve().parent / "results"
BOARDS = ("zcu104", "kv260")
KINDS = ("LUT", "FF", "BRAM36", "URAM", "DSP")
CLOCK_MHZ = 100.0


def lowered_mobilenet() -> ModelWrapper:
    target = find_target("mobilenet_v1")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mobilenet.onnx"
        export_brevitas(target.make_model(), torch.from_numpy(target.make_inputs(1, 0)), path)
        return lower_to_hardware(integerize(load_qonnx(path)))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--fps", type=float, nargs="+", default=[100.0, 300.0, 1000.0])
    args = ap.parse_args(argv)
    started = time.time()
    hw = lowered_mobilenet()
    ops = dict(Counter(n.op_type for n in hw.graph.node))
    budgets = {b: load_board(b).budget() for b in BOARDS}
    rows = []
    for fps in args.fps:
        for board in BOARDS:
            folded = insert_plumbing(apply_folding(ModelWrapper(hw.model, make_deepcopy=True),
                                                   auto_folding(hw, fps, CLOCK_MHZ), plumbing_later=True))
            fit_memories(folded, load_board(board))
            estimate = {k: round(v, 1) for k, v in total_resources(folded).items()}
            slowest = max(getCustomOp(n).cycles() for n in folded.graph.node)
            in_uram = [n.name for n in folded.graph.node
                       if n.op_type == "MVAU" and getCustomOp(n).attr("weight_ram_style") == "ultra"]
            rows.append({"fps": fps, "board": board, "analytic_fps": round(CLOCK_MHZ * 1e6 / slowest, 1),
                         "estimate": estimate, "weights_in_uram": in_uram,
                         "over_budget": [k for k in KINDS if estimate[k] > budgets[board].get(k, 0)]})
    result = {"command": "./dev python benchmarks/mobilenet_fit.py --fps " + " ".join(f"{f:g}" for f in args.fps),
              "weights": "seeded (the mobilenet_v1 target's), no checkpoint",
              "ops": ops, "budgets": budgets, "rows": rows, "seconds": round(time.time() - started, 1)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "mobilenet_fit.json").write_text(json.dumps(result, indent=2) + "\n")
    text = table(result)
    (RESULTS / "mobilenet_fit.md").write_text(text + "\n")
    print(text)


def table(result: dict) -> str:
    lines = [f"| fps (folding target) | fps (cycle model, {CLOCK_MHZ:g} MHz) | board | " + " | ".join(f"{k} est." for k in KINDS)
             + " | MVAU weights in UltraRAM | over the budget |",
             "|---|---|---|" + "---|" * (len(KINDS) + 2)]
    for r in result["rows"]:
        lines.append(f"| {r['fps']:,.0f} | {r['analytic_fps']:,.1f} | {r['board']} | "
                     + " | ".join(f"{r['estimate'][k]:,.1f}" for k in KINDS)
                     + f" | {len(r['weights_in_uram'])} | {', '.join(r['over_budget']) or 'fits'} |")
    lines.append("")
    lines.append("budgets: " + "; ".join(f"{b} " + ", ".join(f"{k} {v:,.0f}" for k, v in budget.items())
                                         for b, budget in result["budgets"].items()))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
