"""`python -m models.compress binarize`: a float model's weights carried into a binary preset
(BWN, XNOR-Net, binary activations only; Rastegari et al. as compared by Rassadin and Savchenko),
then fine-tuning. --input-scale adds XNOR-Net's per-position input scale K (torch only)."""
from __future__ import annotations

from models.compress.method_run import add_common, run_method
from models.compress.methods import BINARY_PRESETS


def add_arguments(p) -> None:
    add_common(p)
    p.add_argument("--preset", default="xnor", choices=BINARY_PRESETS,
                   help="bwn, xnor, binact as in the paper; bwn_a8, xnor, binact_w8 build in "
                        "hardware")
    p.add_argument("--input-scale", action="store_true",
                   help="XNOR-Net's K (xnor only): cannot fold into thresholds, torch only")


def run(args) -> dict:
    if args.input_scale and args.preset != "xnor":
        raise SystemExit(f"--input-scale goes with --preset xnor, not {args.preset}")
    return run_method(args, "xnor_k" if args.input_scale else args.preset, {})
