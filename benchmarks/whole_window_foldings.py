"""Foldings with whole windows wherever they need no more lanes x SIMD than windows streamed
word by word (the automatic folding takes them only where those cannot reach the target or need
half as many lanes x SIMD again), written as folding files for `--folding`: the hand foldings
the README's whole-window experiments built.

    ./dev python benchmarks/whole_window_foldings.py build/cnv_9150 --fps 9150
    ./dev python benchmarks/whole_window_foldings.py build/cnv_9150 --fps 20000 --distributed MVAU_1

Writes benchmarks/results/folding_<build>_whole_<fps>.json. A folding past the board's estimate
budget is written all the same; `./dev build --folding` refuses it. The 20,000 file holds the
folding as written before the automatic folding preferred weight ROMs that merge into the terms
(MVAU_1 at PE 32 x SIMD 192; now the script gives PE 64 x SIMD 96): the one the README's hand
build used.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from unittest import mock

from qonnx.core.modelwrapper import ModelWrapper

from flow.fold import apply_folding, auto_folding, folding_of
from flow.ops import mvau

RESULTS = Path(__file__).resolve().parent / "results"


def fewest_lanes_folding(model: ModelWrapper, fps: float, clock_mhz: float = 100.0) -> dict:
    """flow.fold.auto_folding, except that whole windows are taken wherever they need no more
    lanes x SIMD than a channel-sized SIMD (the automatic folding asks for 2/3 of them)."""
    with mock.patch.object(mvau, "WHOLE_WINDOW_LANE_SHARE", 1.0):
        return auto_folding(model, fps, clock_mhz)


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
