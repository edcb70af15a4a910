"""`python -m models.compress decompose`: CP or Tucker decomposition of a float model's
convolutions (dense layers: truncated SVD) at a fraction of full rank, then fine-tuning."""
from __future__ import annotations

from models.compress.decompose import LAYER_SETS, METHODS
from models.compress.method_run import add_common, run_method


def add_arguments(p) -> None:
    add_common(p)
    p.add_argument("--method", default="cp", choices=METHODS)
    p.add_argument("--rank-fraction", type=float, default=0.5,
                   help="rank as a fraction of the layer's full rank min(O, I kh kw)")
    p.add_argument("--layers", default="conv", choices=LAYER_SETS)


def run(args) -> dict:
    return run_method(args, args.method, {"rank_fraction": args.rank_fraction,
                                          "layers": args.layers})
