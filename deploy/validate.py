"""python -m deploy.validate [DEPLOY_DIR] [--out FILE]: on the board (or the emulated board),
L6 on the shipped reference inputs against reference.onnx's outputs, then throughput and latency
for batch sizes 1..N by wall time and by the accelerator's cycle counter; prints JSON. From a
real board, that JSON is what `python -m flow.board ingest FILE` takes as measured silicon figures
(it names the design, its RTL and bitstream, pynq's version and the board)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from deploy.driver import QNNOverlay, board_kind


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m deploy.validate", description=__doc__.split(";")[0])
    ap.add_argument("deploy_dir", nargs="?", default=".", type=Path)
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    ap.add_argument("--outputs", type=Path, help="write the board's L6 outputs here (.npy)")
    ap.add_argument("--max-batch", type=int, default=128)
    args = ap.parse_args(argv)
    accel = QNNOverlay(args.deploy_dir, max_batch=args.max_batch)
    l6 = accel.validate(outputs=args.outputs)
    import numpy as np

    x = np.load(args.deploy_dir / "reference.npz")["core_in"]
    sizes = [b for b in (1, 2, 4, 8, 16, 32, 64, 128) if b <= min(len(x), accel.max_batch)]
    import pynq

    design = accel.design
    result = {"L2_L6": l6, "throughput": accel.throughput(x, sizes), "clock_mhz": accel.clock_mhz,
              "device": str(accel.device.name), "design": design["name"], "board": design["board"],
              "rtl_digest": design["rtl_digest"], "bitstream": design.get("bitstream", {"source": "emulated"}),
              "pynq": pynq.__version__, "platform": board_kind(),
              "python": ".".join(map(str, sys.version_info[:3])), "numpy": np.__version__}
    text = json.dumps(result, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0 if l6["equal"] else 1


if __name__ == "__main__":
    sys.exit(main())
