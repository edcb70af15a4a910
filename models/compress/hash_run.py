"""`python -m models.compress hash`: HashedNets (Chen et al.) weight sharing of a float model's
conv and dense layers at a compression rate (buckets per weight), then fine-tuning."""
from __future__ import annotations

from models.compress.hashing import LAYER_SETS
from models.compress.method_run import add_common, run_method


def add_arguments(p) -> None:
    add_common(p)
    p.add_argument("--rate", type=float, default=0.125,
                   help="buckets per weight (HashedNets' compression factor 1/8 = 0.125)")
    p.add_argument("--layers", default="both", choices=LAYER_SETS)


def run(args) -> dict:
    return run_method(args, "hashed", {"rate": args.rate, "layers": args.layers})
