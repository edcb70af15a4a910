"""Build every BNN-PYNQ network of brevitas_examples through `python -m flow.build --model`.

Each network gets seeded random weights and BatchNorm statistics calibrated on real images
(as the cnv_w1a1/tfc_w1a1 targets do), is exported to QONNX, and is built with verification
at every level. Writes benchmarks/results/bnn_pynq_zoo.{json,md}.

    ./dev python benchmarks/bnn_pynq_zoo.py [--inputs 20] [--only cnv_2w2a ...] [--backend hls]
        [--workers 2 | --address HOST:PORT]   (each network a Ray task, flow/tasks.py)

--backend rtl or hls builds one backend only and writes bnn_pynq_zoo_<backend>.{json,md}.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from flow.build import main as build_main
from flow.frontend import export_brevitas
from flow.targets.bnn_pynq import bnn_pynq_model, mnist_digits, photo_crops

NETWORKS = {  # config name: (calibration / input images, folding target fps)
    "tfc_1w1a": (mnist_digits, 100_000), "tfc_1w2a": (mnist_digits, 100_000),
    "tfc_2w2a": (mnist_digits, 100_000), "sfc_1w1a": (mnist_digits, 20_000),
    "sfc_1w2a": (mnist_digits, 20_000), "sfc_2w2a": (mnist_digits, 20_000),
    "lfc_1w1a": (mnist_digits, 5_000), "lfc_1w2a": (mnist_digits, 5_000),
    "cnv_1w1a": (photo_crops, 3_000), "cnv_1w2a": (photo_crops, 3_000),
    "cnv_2w2a": (photo_crops, 3_000), "resnet18_4w4a": (photo_crops, 100),
}
# networks whose first layer takes the image unquantized: their input declared as 8-bit pixels
# (the images in [0, 1], as 1/255 steps), and the test images moved onto those steps
DECLARED_INPUTS = {"resnet18_4w4a": "UINT8:1/255"}
# networks that fit no board without streaming their weights from DDR: verified with the budget
# check relaxed (the report says so), as a design that no board holds
OVER_BUDGET = {"resnet18_4w4a"}
RESULTS = Path(__file__).resolve().parent / "results"


def build_network(name: str, inputs: int, workdir: Path, backend: str = "both") -> dict:
    images, fps = NETWORKS[name]
    started = time.time()
    try:
        model = bnn_pynq_model(name, images)
    except Exception as err:  # noqa: BLE001 - a network brevitas cannot instantiate is a result too
        return {"network": name, "built": False, "reason": f"model: {err}"}
    x = images(inputs, 7)
    declared = DECLARED_INPUTS.get(name)
    if declared:
        x = np.round(x * 255).astype(np.float32) * np.float32(1 / 255)
    onnx_path = workdir / f"{name}.onnx"
    try:
        export_brevitas(model, torch.from_numpy(x[:1]), onnx_path)
    except Exception as err:  # noqa: BLE001
        return {"network": name, "built": False, "reason": f"export: {err}"}
    np.save(workdir / f"{name}_inputs.npy", x)
    out = workdir / name
    code = build_main(["--model", str(onnx_path), "--out", str(out), "--input-data",
                       str(workdir / f"{name}_inputs.npy"), "--target-fps", str(fps), "--no-op-sim",
                       "--backend", backend, *(["--input-datatype", declared] if declared else []),
                       *(["--ignore-budget"] if name in OVER_BUDGET else [])])
    row = {"network": name, "built": code == 0, "seconds": round(time.time() - started, 1),
           "budget_check": "relaxed (--ignore-budget)" if name in OVER_BUDGET else "the board's"}
    report_path = out / "report.json"
    if report_path.exists():
        report = json.loads(report_path.read_text())
        row["verification"] = {k: v["equal"] for k, v in report["verification"].items()}
        row["measured_fps"] = report["performance"].get("measured_fps")
        row["estimate"] = report["totals"]["estimate"]
        csim = (report.get("hls") or {}).get("csim")
        if csim:
            row["csim_seconds"] = {"compile": csim["compile_seconds"], "run": csim["run_seconds"]}
    else:
        row["reason"] = (out / "build_error.txt").read_text().strip()
    return row


def _build_job(job: tuple) -> dict:
    name, inputs, workdir, backend = job
    return build_network(name, inputs, Path(workdir), backend)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--inputs", type=int, default=20)
    ap.add_argument("--only", nargs="*", choices=sorted(NETWORKS))
    ap.add_argument("--workdir", type=Path, default=Path("build/zoo"))
    ap.add_argument("--backend", choices=("rtl", "hls", "both"), default="both")
    ap.add_argument("--stem", help="results file name (default bnn_pynq_zoo[_<backend>])")
    where = ap.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, help="build each network as a Ray task on this machine")
    where.add_argument("--address", help="build each network as a Ray task on the cluster at HOST:PORT")
    args = ap.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    names = args.only or list(NETWORKS)
    started = time.time()
    if args.workers or args.address:
        from flow.tasks import Pool, TaskError

        jobs = [(name, args.inputs, str(args.workdir.resolve()), args.backend) for name in names]
        rows = [None] * len(jobs)
        with Pool(workers=args.workers, address=args.address) as pool:
            for i, row in pool.run(_build_job, jobs, desc="networks"):
                rows[i] = ({"network": names[i], "built": False, "reason": f"task: {row.message}"}
                           if isinstance(row, TaskError) else row)
                print(json.dumps(rows[i]), flush=True)
    else:
        rows = []
        for name in names:
            print(f"== {name}", flush=True)
            rows.append(build_network(name, args.inputs, args.workdir, args.backend))
            print(json.dumps(rows[-1]), flush=True)
    wall = time.time() - started
    print(f"{len(rows)} networks in {wall:.0f} s wall", flush=True)
    RESULTS.mkdir(exist_ok=True)
    stem = args.stem or "bnn_pynq_zoo" + ("" if args.backend == "both" else f"_{args.backend}")
    (RESULTS / f"{stem}.json").write_text(json.dumps(rows, indent=2) + "\n")
    text = table(rows)
    (RESULTS / f"{stem}.md").write_text(text + "\n")
    print(text)


def table(rows: list[dict]) -> str:
    """The rows as markdown; the levels column names the levels the builds compared."""
    compared = sorted({level for r in rows for level in r.get("verification", {})})
    lines = [f"| network | built | {', '.join(compared) or 'levels'} equal | measured fps @100 MHz | LUT est. "
             "| BRAM36 est. | C-sim compile / run (s) | note |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        levels = r.get("verification", {})
        equal = "yes" if levels and all(levels.values()) else ("-" if not levels else "**no**")
        fps = f"{r['measured_fps']:,.0f}" if r.get("measured_fps") else "-"
        est = r.get("estimate", {})
        csim = "{compile} / {run}".format(**r["csim_seconds"]) if r.get("csim_seconds") else "-"
        lines.append(f"| {r['network']} | {'yes' if r['built'] else 'no'} | {equal} | {fps} | "
                     f"{est.get('LUT', '-')} | {est.get('BRAM36', '-')} | {csim} | "
                     f"{_note(r)} |")
    return "\n".join(lines)


def _note(row: dict) -> str:
    if not row["built"]:
        return row.get("reason", "")
    return "budget check relaxed (--ignore-budget): fits no board as built" \
        if row.get("budget_check", "").startswith("relaxed") else ""


if __name__ == "__main__":
    main()
