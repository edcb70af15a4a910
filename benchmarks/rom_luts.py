# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the qnnflow authors
"""LUTs of a ROM mapped to logic by Yosys, against the estimate's rom_luts (flow/estimate.py).

mvau.v's weights in a distributed ROM become LUT logic (Yosys maps no ROM to LUTRAM). This
synthesizes a bare ROM of random contents, read by a registered address as mvau.v reads it, at a
range of depths, with the flow's own synthesize() (synth_xilinx -abc9, plain abc where abc9
fails), and tables LUTs per output bit beside the estimate and the estimate before it (a LUT6 per
64 words, nothing for the joins above MUXF8).

    ./dev python benchmarks/rom_luts.py [--width 16] [--depths 64 128 ...] [--seeds 0 1]

Writes benchmarks/results/rom_luts.{json,md,png}.
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
from pathlib import Path

import matplotlib
import numpy as np

from flow.backends.rtl.synth import synthesize
from flow.estimate import rom_luts

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
DEPTHS = (64, 128, 192, 256, 288, 512, 768, 1152, 2304, 4608)
ROM = """module rom #(parameter W = 16, parameter D = 64, parameter AW = 6)
(input wire clk, input wire [AW-1:0] addr, output wire [W-1:0] q);
(* ram_style = "logic" *) reg [W-1:0] mem [0:D-1];
initial $readmemh("rom.mem", mem);
reg [AW-1:0] a = 0;
always @(posedge clk) a <= addr;
assign q = mem[a];
endmodule
"""


def before(width: int, depth: int) -> int:
    """The estimate before rom_luts: a LUT6 per output bit per 64 words."""
    return width * math.ceil(depth / 64)


def measure(width: int, depth: int, seed: int) -> dict:
    rng = np.random.default_rng(seed * 100_003 + depth)
    words = rng.integers(0, 2 ** width, depth)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "rom.v").write_text(ROM)
        (folder / "rom.mem").write_text("\n".join(f"{w:x}" for w in words) + "\n")
        syn = synthesize(folder, [folder / "rom.v"], "rom",
                         {"W": width, "D": depth, "AW": max(1, math.ceil(math.log2(depth)))})
    return {"depth": depth, "width": width, "seed": seed, "yosys_LUT": syn["LUT"],
            "estimate_LUT": rom_luts(width, depth), "before_LUT": before(width, depth),
            "mapping": syn["mapping"], "cells": syn["cells"], "yosys": syn["yosys"]}


def markdown(rows: list[dict], width: int) -> str:
    lines = [f"# LUTs of a {width}-bit ROM mapped to logic: Yosys against the estimate", "",
             "Random contents, read by a registered address as mvau.v reads a distributed weight ROM; "
             "`python benchmarks/rom_luts.py`. LUTs per output bit, mean over the seeds.", "",
             "| depth | Yosys | estimate (rom_luts) | estimate / Yosys | before (LUT6 per 64 words) | before / Yosys |",
             "|---:|---:|---:|---:|---:|---:|"]
    for depth in sorted({r["depth"] for r in rows}):
        rs = [r for r in rows if r["depth"] == depth]
        y = np.mean([r["yosys_LUT"] for r in rs]) / width
        e, b = rs[0]["estimate_LUT"] / width, rs[0]["before_LUT"] / width
        lines.append(f"| {depth:,} | {y:.2f} | {e:.0f} | {e / y:.2f} | {b:.0f} | {b / y:.2f} |")
    lines += ["", f"Mapping: `{rows[0]['mapping']}`; {rows[0]['yosys']}."]
    return "\n".join(lines) + "\n"


def plot(rows: list[dict], width: int, path: Path) -> None:
    depths = sorted({r["depth"] for r in rows})
    yosys = [np.mean([r["yosys_LUT"] for r in rows if r["depth"] == d]) / width for d in depths]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.plot(depths, yosys, "o-", label="Yosys")
    ax.plot(depths, [rom_luts(width, d) / width for d in depths], "s--", label="estimate (rom_luts)")
    ax.plot(depths, [before(width, d) / width for d in depths], "x:", label="estimate before")
    ax.set(xscale="log", yscale="log", xlabel="ROM depth (words)", ylabel="LUTs per output bit",
           title="A ROM in LUT logic (xc7, Yosys synth_xilinx)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=16)
    parser.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args(argv)
    rows = []
    for depth in args.depths:
        for seed in args.seeds:
            rows.append(measure(args.width, depth, seed))
            r = rows[-1]
            print(f"depth {depth:>5} seed {seed}: Yosys {r['yosys_LUT']:>6} LUT, estimate "
                  f"{r['estimate_LUT']:>6}, before {r['before_LUT']:>6}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "rom_luts.json").write_text(json.dumps({"rows": rows}, indent=1) + "\n")
    (RESULTS / "rom_luts.md").write_text(markdown(rows, args.width))
    plot(rows, args.width, RESULTS / "rom_luts.png")
    print(markdown(rows, args.width))


if __name__ == "__main__":
    main()
