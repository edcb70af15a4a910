"""Analytic estimates against Yosys, op by op: synthesizes every op instance of some builds
alone (synth_xilinx, xc7) and writes benchmarks/results/<name>.{json,md} (default name
estimates_vs_yosys).

    ./dev python benchmarks/calibrate_estimates.py build/cnv_w1a1 [more build dirs] [--name NAME]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

from flow.backends.rtl.sources import rtl_sources
from flow.backends.rtl.synth import synthesize

RESULTS = Path(__file__).resolve().parent / "results"


def synth_op(args) -> dict:
    model_path, node_name = args
    model = ModelWrapper(str(model_path))
    node = next(n for n in model.graph.node if n.name == node_name)
    op = getCustomOp(node)
    with tempfile.TemporaryDirectory() as tmp:
        params = op.rtl_params(model, Path(tmp))
        result = synthesize(Path(tmp), rtl_sources(op.rtl_module), op.rtl_module, params)
    return {"build": model_path.parent.name, "op": node_name, "op_type": node.op_type,
            "params": {k: v for k, v in params.items() if not isinstance(v, str) or not v.endswith(".mem")},
            "yosys": {k: result[k] for k in ("LUT", "FF", "BRAM36", "DSP")}, "timing_proxy": result["timing_proxy"],
            "estimate": op.resources()}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("builds", nargs="+", type=Path)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--name", default="estimates_vs_yosys", help="results file name, without suffix")
    args = ap.parse_args(argv)
    jobs, seen = [], set()
    for build in args.builds:
        model_path = build / "30_folded.onnx"
        model = ModelWrapper(str(model_path))
        for node in model.graph.node:
            op = getCustomOp(node)
            key = (node.op_type, json.dumps({k: op.get_nodeattr(k) for k in op.get_nodeattr_types()}, default=str))
            if key not in seen:
                seen.add(key)
                jobs.append((model_path, node.name))
    with ProcessPoolExecutor(args.jobs) as pool:
        rows = []
        for row in pool.map(synth_op, jobs):
            rows.append(row)
            print(f"{row['build']:>12} {row['op']:<22} yosys {row['yosys']}  estimate {row['estimate']}", flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.json").write_text(json.dumps(rows, indent=2) + "\n")
    by_type = {}
    for r in rows:
        t = by_type.setdefault(r["op_type"], {"yosys": {"LUT": 0, "FF": 0, "BRAM36": 0}, "estimate": {"LUT": 0, "FF": 0, "BRAM36": 0}})
        for k in ("LUT", "FF", "BRAM36"):
            t["yosys"][k] += r["yosys"][k]
            t["estimate"][k] += r["estimate"][k]
    lines = ["| op type | LUT yosys | LUT est. | ratio | FF yosys | FF est. | BRAM36 yosys | BRAM36 est. |",
             "|---|---|---|---|---|---|---|---|"]
    for name, t in sorted(by_type.items()):
        y, e = t["yosys"], t["estimate"]
        ratio = e["LUT"] / y["LUT"] if y["LUT"] else float("nan")
        lines.append(f"| {name} | {y['LUT']:,.0f} | {e['LUT']:,.0f} | {ratio:.2f} | {y['FF']:,.0f} | {e['FF']:,.0f} | "
                     f"{y['BRAM36']:g} | {e['BRAM36']:g} |")
    (RESULTS / f"{args.name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
