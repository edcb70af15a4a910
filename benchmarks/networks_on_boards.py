"""Residual and depthwise networks on their boards (ResNet-8 on the PYNQ-Z2, MobileNet v1 on the
ZCU104): the verification ladder, measured fps and the Yosys counts of the board top against the
board's budget, from finished builds, beside the peer that publishes the same network on the same
board.

    ./dev build resnet8 --synth --out build/resnet8
    ./dev build resnet8 --target-fps max --synth --out build/resnet8_max
    ./dev build residual_tiny --synth --out build/residual_tiny
    ./dev build mobilenet_v1 --synth --out build/mobilenet_v1
    ./dev python benchmarks/networks_on_boards.py build/resnet8 build/resnet8_max build/residual_tiny \
        build/mobilenet_v1

Writes benchmarks/results/networks_on_boards.{json,md}; README.md's table renders from the JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.finished_builds import (
    RESOURCE_COLUMNS,
    RESOURCE_HEADER,
    common_fields,
    ladder_cell,
    resource_cells,
    synthesized_report,
)

RESULTS = Path(__file__).resolve().parent / "results"
LEVELS = ("L0_L1", "L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6")
# the same topology on the same board, as its authors measured it (a cited figure, not run here)
PEERS = [{
    "network": "hls4ml RN08 (MLPerf Tiny ResNet-8, its own quantization)",
    "fps": 130.8, "top1": "83.5 % (CIFAR-10)",
    "source": "mlcommons/tiny_results_v1.0, open division, hls4ml, RN08 on the PYNQ-Z2: the benchmark "
              "harness's inferences/s, host I/O included",
}]


def row(build: Path) -> dict:
    r = synthesized_report(build)
    return {"build": build.name, "network": r["build"]["name"], "weights": r["build"]["weights"],
            "folding": r["build"]["folding"], **common_fields(r, LEVELS),
            "seconds": round(sum(r["build"]["steps"].values()))}


def table(rows: list[dict], peers: list[dict] = PEERS) -> str:
    lines = [f"| network | folding | ladder | fps @100 MHz | {RESOURCE_HEADER} | build (s) |",
             "|---" * (4 + RESOURCE_COLUMNS + 1) + "|"]
    lines += [f"| {r['network']} ({r['weights']}) | {r['folding']} | {ladder_cell(r)} | {r['fps']:,.1f} | "
              f"{resource_cells(r)} | {r['seconds']:,} |" for r in rows]
    lines += [f"| {p['network']}, peer: {p['source']} | - | top-1 {p['top1']} | {p['fps']:,.1f} |"
              + " - |" * (RESOURCE_COLUMNS + 1) for p in peers]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("builds", nargs="+", type=Path)
    args = ap.parse_args(argv)
    rows = [row(b) for b in args.builds]
    command = "./dev python benchmarks/networks_on_boards.py " + " ".join(str(b) for b in args.builds)
    (RESULTS / "networks_on_boards.json").write_text(
        json.dumps({"command": command, "rows": rows, "peers": PEERS}, indent=2) + "\n")
    (RESULTS / "networks_on_boards.md").write_text(table(rows) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()
