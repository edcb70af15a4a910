"""The models qonnx ships as test data (qonnx/data/onnx in its wheel), built as a new user would
with `--model`: the verification ladder, measured fps, and the Yosys counts of the board top
against the PYNQ-Z2's budget, from finished builds.

    M=$(./dev python -c "import qonnx, pathlib; print(pathlib.Path(qonnx.__file__).parent / 'data/onnx')")
    ./dev build --model $M/eltwise_chanlast_testcase.onnx --out build/eltwise_max --target-fps max --inputs 100 --synth
    ./dev build --model $M/bsd300x3-espcn/subpixel/quant_model.onnx --input-datatype UINT8:1/255 \\
        --out build/espcn_subpixel_max --target-fps max --inputs 10 --synth
    ./dev build --model $M/bsd300x3-espcn/nn_resize/quant_model.onnx --out build/espcn_nn_resize_max \\
        --target-fps max --inputs 10 --synth
    ./dev python benchmarks/qonnx_models.py build/eltwise_max build/espcn_subpixel_max build/espcn_nn_resize_max

Writes benchmarks/results/qonnx_models.{json,md}; README.md's table renders from the JSON.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import qonnx
from qonnx.core.modelwrapper import ModelWrapper

from benchmarks.finished_builds import (
    RESOURCE_COLUMNS,
    RESOURCE_HEADER,
    common_fields,
    ladder_cell,
    resource_cells,
    synthesized_report,
)
from flow.declared_input import declared_input

RESULTS = Path(__file__).resolve().parent / "results"
QONNX_DATA = Path(qonnx.__file__).resolve().parent / "data" / "onnx"   # the models' folder
LEVELS = ("L1_L2", "L2_L3", "L2_L4", "L2_L5", "L2_L6")


def row(build: Path) -> dict:
    r = synthesized_report(build)
    args = json.loads((build / "build_args.json").read_text())["argv"]
    model = Path(args[args.index("--model") + 1])
    declared = args[args.index("--input-datatype") + 1] if "--input-datatype" in args else None
    facts = json.loads((build / "deploy" / "design.json").read_text())["input"]
    quantizer = facts["quantizer"]
    if declared:
        source = f"declared `--input-datatype {declared}`"
    elif declared_input(ModelWrapper(str(model)), None) is not None:
        source = f"{facts['dtype']} by its qonnx annotation"
    else:
        source = "float, " + " then ".join([*quantizer["float_edge"], "its own quantizer"])
    return {
        "model": model.resolve().relative_to(QONNX_DATA).as_posix(),
        "build": build.name, "input": source, "input_codes": facts["dtype"], "folding": r["build"]["folding"],
        **common_fields(r, LEVELS),
        "boundary_cases": r["verification"]["L1_L2"].get("boundary_cases", 0),
    }


def table(rows: list[dict]) -> str:
    lines = [f"| model | input | ladder | fps @100 MHz | {RESOURCE_HEADER} |",
             "|---" * (4 + RESOURCE_COLUMNS) + "|"]
    lines += [f"| {r['model']} | {r['input']} | {ladder_cell(r, r['boundary_cases'])} | {r['fps']:,.1f} | "
              f"{resource_cells(r)} |" for r in rows]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("builds", nargs="+", type=Path)
    args = ap.parse_args(argv)
    rows = [row(b) for b in args.builds]
    command = "./dev python benchmarks/qonnx_models.py " + " ".join(str(b) for b in args.builds)
    (RESULTS / "qonnx_models.json").write_text(json.dumps({"command": command, "rows": rows}, indent=2) + "\n")
    (RESULTS / "qonnx_models.md").write_text(table(rows) + "\n")
    print(table(rows))


if __name__ == "__main__":
    main()
