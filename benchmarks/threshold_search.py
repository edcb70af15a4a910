"""Thresholds compared all at once (threshold_unit.v) against a binary search
(threshold_search.v), by Yosys, on one MVAU at activation widths of 3 to 8 bits: where the
search starts to pay (flow/ops/threshold_search.py's SEARCH_FROM).

    ./dev python benchmarks/threshold_search.py

The MVAU is a w4a4 conv layer's (288 x 32, SIMD 32, PE 8: 8 lanes, 4 threshold sets each), with
tests/rtl/test_mvau.py's random weights and thresholds. Writes
benchmarks/results/threshold_search.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from qonnx.core.datatype import DataType
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.synth import synthesize, yosys_release
from flow.ops.threshold_search import SEARCH_FROM
from tests.rtl.test_mvau import make_case

RESULTS = Path(__file__).resolve().parent / "results"
OUTPUTS = ("UINT3", "UINT4", "UINT5", "UINT6", "UINT8")
KINDS = ("LUT", "FF", "BRAM36")


def measure(out: str) -> dict:
    model, node, _ = make_case((288, 32, 32, 8, "UINT4", "INT4", out, 0, [2]), frames=1)
    op = getCustomOp(node)
    row = {"output": out, "thresholds": 2 ** DataType[out].bitwidth() - 1}
    for search in (False, True):
        with tempfile.TemporaryDirectory() as tmp:
            result = synthesize(Path(tmp), rtl_sources("mvau"), "mvau", op.rtl_params(model, Path(tmp), search=search))
        row["search" if search else "compare"] = {k: result[k] for k in KINDS}
        row["yosys"] = result["yosys"]
    return row


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--outputs", nargs="*", default=list(OUTPUTS), help="activation datatypes")
    args = ap.parse_args(argv)
    rows = []
    for out in args.outputs:
        rows.append(measure(out))
        print(json.dumps(rows[-1]), flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "threshold_search.json").write_text(json.dumps({"search_from": SEARCH_FROM, "rows": rows}, indent=1) + "\n")
    yosys = yosys_release(rows[0]["yosys"])
    lines = [f"MVAU 288 x 32, SIMD 32, PE 8, UINT4 x INT4, by {yosys} (`synth_xilinx -abc9`, xc7, the MVAU alone); "
             f"the flow searches from {SEARCH_FROM} thresholds.", "",
             "| activation | thresholds | LUT compare | LUT search | FF compare | FF search | BRAM36 compare | BRAM36 search |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        c, s = r["compare"], r["search"]
        lines.append(f"| {r['output']} | {r['thresholds']} | {c['LUT']:,} | {s['LUT']:,} | {c['FF']:,} | {s['FF']:,} | "
                     f"{c['BRAM36']:g} | {s['BRAM36']:g} |")
    (RESULTS / "threshold_search.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
