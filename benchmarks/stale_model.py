"""Does a rebuild notice a model overwritten at the same path? Builds one small network with
`--model net.onnx`, overwrites net.onnx with other weights, rebuilds into the same directory and
prints which steps reran and whether the design changed (it must).

    PYTHONPATH=. python benchmarks/stale_model.py [--workdir DIR]
"""

import argparse
import contextlib
import hashlib
import io
import tempfile
from pathlib import Path

from flow.build import main as build
from tests.flow.nets import compile_net


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:12]


def run(workdir: Path) -> dict:
    model, out = workdir / "net.onnx", workdir / "build"
    args = ["--model", str(model), "--out", str(out), "--inputs", "2", "--backend", "hls",
            "--target-fps", "20000"]
    results = {}
    for seed in (0, 1):
        (workdir / f"seed{seed}").mkdir()
        compile_net("int4_convnet", workdir / f"seed{seed}", seed=seed, inputs=2)
        (workdir / f"seed{seed}" / "int4_convnet.onnx").replace(model)
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            status = build(args)
        reran = [line.split()[1] for line in printed.getvalue().splitlines()
                 if line.startswith("[") and "done in" in line]
        results[seed] = {"exit": status, "reran": reran, "hw_graph": digest(out / "20_hw.onnx"),
                         "model": digest(model)}
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        r = run(args.workdir or Path(tmp))
    for seed, v in r.items():
        print(f"model seed {seed} (file {v['model']}): exit {v['exit']}, hardware graph {v['hw_graph']}, "
              f"steps that ran: {', '.join(v['reran']) or 'none'}")
    changed = r[0]["hw_graph"] != r[1]["hw_graph"]
    print(f"the rebuild {'built the new model' if changed else 'kept the OLD design (stale)'}")


if __name__ == "__main__":
    main()
