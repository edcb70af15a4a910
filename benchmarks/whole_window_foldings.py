"""Foldings by the fewest lanes x SIMD with whole windows allowed behind every unpadded window (the
automatic folding takes them only where a folded window cannot reach the target or they save a
third of the lanes x SIMD), written as folding files for `--folding`: the hand foldings the
README's whole-window experiments built.

    ./dev python benchmarks/whole_window_foldings.py build/cnv_9150 --fps 9150
    ./dev python benchmarks/whole_window_foldings.py build/cnv_9150 --fps 20000 --distributed MVAU_1

Writes benchmarks/results/folding_<build>_whole_<fps>.json. A folding past the board's estimate
budget is written all the same; `./dev build --folding` refuses it.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.fold import apply_folding, folding_of
from flow.ops.base import divisors
from flow.ops.sliding_window import SlidingWindow

RESULTS = Path(__file__).resolve().parent / "results"


def fewest_lanes_folding(model: ModelWrapper, fps: float, clock_mhz: float = 100.0) -> dict:
    """flow.fold.auto_folding, except that each MVAU takes its fewest PE x SIMD that reaches fps,
    whole windows allowed behind every unpadded window."""
    target_cycles = clock_mhz * 1e6 / fps
    folding = {}
    for node in model.graph.node:
        op = getCustomOp(node)
        producer = model.find_producer(node.input[0])
        window = getCustomOp(producer) if producer is not None else None
        if node.op_type == "MVAU" and isinstance(window, SlidingWindow) and window.can_stream_whole_windows():
            channels = window.attr("channels")
            simds = [d for d in divisors(op.attr("MW")) if channels % d == 0 or d > channels]
            fold = op._least_parallelism(simds, target_cycles) or {"PE": op.attr("MH"), "SIMD": op.attr("MW")}
        else:
            fold = op.auto_fold(model, target_cycles, folding)
        if fold:
            folding[node.name] = fold
    return folding


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("build", type=Path, help="a finished build (its 20_hw.onnx)")
    ap.add_argument("--fps", type=float, required=True)
    ap.add_argument("--distributed", nargs="*", default=[], help="MVAUs whose weights go to LUT ROM")
    args = ap.parse_args(argv)
    model = ModelWrapper(str(args.build / "20_hw.onnx"))
    folding = fewest_lanes_folding(model, args.fps)
    for name in args.distributed:
        folding[name]["weight_ram_style"] = "distributed"
    folding = folding_of(apply_folding(model, folding))
    out = RESULTS / f"folding_{args.build.name}_whole_{args.fps:.0f}.json"
    out.write_text(json.dumps(folding, indent=1) + "\n")
    print(out, {k: v for k, v in folding.items() if k.startswith("MVAU")})


if __name__ == "__main__":
    main()
