"""quant_mobilenet_v1 (w4a4, brevitas_examples' imagenet_classification) against the ZCU104 and KV260
budgets, by the estimate: exported with seeded weights (its trained checkpoint is a GitHub
release, which cannot be fetched here), the float image declared as INT8 codes of 1/32 (the
normalised image, about [-2.1, 2.6]), streamlined, lowered, and folded for each rate. Nothing is
simulated or synthesized: whether it fits, and by how much it does not.

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

from flow.board.spec import load_board
from flow.declared_input import declared_input, insert_input_quantizer
from flow.estimate import total_resources
from flow.fold import apply_folding, auto_folding
from flow.frontend import export_brevitas, load_qonnx
from flow.insert_plumbing import insert_plumbing
from flow.lower import lower_to_hardware
from flow.streamline import integerize

RESULTS = Path(__file__).resolve().parent / "results"
DECLARED = "INT8:1/32"
BOARDS = ("zcu104", "kv260")
KINDS = ("LUT", "FF", "BRAM36", "DSP")


def lowered_mobilenet(seed: int = 0) -> ModelWrapper:
    from brevitas_examples.imagenet_classification.models import model_with_cfg

    torch.manual_seed(seed)
    model, _ = model_with_cfg("quant_mobilenet_v1_4b", None)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mobilenet.onnx"
        export_brevitas(model.eval(), torch.randn(1, 3, 224, 224), path)
        qonnx = load_qonnx(path)
    qonnx = insert_input_quantizer(qonnx, declared_input(qonnx, DECLARED))
    return lower_to_hardware(integerize(qonnx))


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
        folded = insert_plumbing(apply_folding(ModelWrapper(hw.model, make_deepcopy=True),
                                               auto_folding(hw, fps, 100.0), plumbing_later=True))
        estimate = {k: round(v, 1) for k, v in total_resources(folded).items()}
        fits = {b: [k for k in KINDS if estimate[k] > budget[k]] for b, budget in budgets.items()}
        rows.append({"fps": fps, "estimate": estimate, "over_budget": fits})
    result = {"command": "./dev python benchmarks/mobilenet_fit.py " + " ".join(f"--fps {f:g}" for f in args.fps),
              "declared_input": DECLARED, "weights": "seeded (torch.manual_seed(0)), no checkpoint",
              "ops": ops, "budgets": budgets, "rows": rows, "seconds": round(time.time() - started, 1)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "mobilenet_fit.json").write_text(json.dumps(result, indent=2) + "\n")
    text = table(result)
    (RESULTS / "mobilenet_fit.md").write_text(text + "\n")
    print(text)


def table(result: dict) -> str:
    lines = ["| fps (folding target) | " + " | ".join(f"{k} est." for k in KINDS) + " | "
             + " | ".join(f"over the {b} budget" for b in BOARDS) + " |",
             "|---|" + "---|" * (len(KINDS) + len(BOARDS))]
    for r in result["rows"]:
        over = [", ".join(r["over_budget"][b]) or "fits" for b in BOARDS]
        lines.append(f"| {r['fps']:,.0f} | " + " | ".join(f"{r['estimate'][k]:,.1f}" for k in KINDS) + " | "
                     + " | ".join(over) + " |")
    lines.append("")
    lines.append("budgets: " + "; ".join(f"{b} " + ", ".join(f"{k} {v:,.0f}" for k, v in budget.items())
                                         for b, budget in result["budgets"].items()))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
