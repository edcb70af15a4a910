"""Compress trained networks: ``python -m models.compress prune | remove-neurons | distill ...``.

    prune           Bonsai criterion pruning (Bingham and Helmich): threshold functions, AUC per criterion and
                    layer set, prune at the chosen threshold, retrain (Tables 2, 4, 6)
    remove-neurons  Distill-Net neuron removal for subsets of the classes (Distill-Net, Table 3)
    distill         knowledge distillation, labels-only vs softmax outputs (Rassadin and Savchenko, Table 3)
    hash            HashedNets weight sharing at a compression rate, then fine-tuning
    decompose       CP or Tucker decomposition of the convolutions at a rank, then fine-tuning
    binarize        BWN, XNOR-Net or binary activations only (Rastegari et al.), then fine-tuning
    search          hardware-aware search over VGG widths and per-layer presets: top-1 after a
                    short training against the compiler's LUT estimate at a fixed frames/s
    prune-siamfc    criterion pruning of a SiamFC checkpoint's named layers, then fine-tuning
                    with the siamfc recipe (the layers and fraction the hardware needs)

Each writes result.json, tables.md and plots into --out, and the compressed models (.pt, plus
.onnx QONNX for quantised presets, which `python -m flow.build --model file.onnx` builds).
Original models come from `python -m models.train` recipes: trained here on first use into
--base-dir (shared by all commands), or given with --checkpoint.
"""
from __future__ import annotations

import argparse
import importlib
import sys

import torch

from models.compress import (
    binarize_run,
    decompose_run,
    hash_run,
    kd_run,
    neurons_run,
    prune_run,
    search_run,
    siamfc_prune,
)

COMMANDS = {
    "prune": (prune_run, "Bonsai criterion pruning (Bingham and Helmich)"),
    "remove-neurons": (neurons_run, "Distill-Net neuron removal (Distill-Net paper)"),
    "distill": (kd_run, "knowledge distillation (Rassadin and Savchenko)"),
    "hash": (hash_run, "HashedNets weight sharing (Chen et al.)"),
    "decompose": (decompose_run, "CP / Tucker decomposition of convolutions"),
    "binarize": (binarize_run, "BWN, XNOR-Net, binary activations (Rastegari et al.)"),
    "search": (search_run, "hardware-aware search: VGG widths x per-layer presets"),
    "prune-siamfc": (siamfc_prune, "criterion pruning + fine-tuning of a SiamFC checkpoint"),
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m models.compress", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    for name, (module, help) in COMMANDS.items():
        s = sub.add_parser(name, help=help, description=module.__doc__,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
        s.add_argument("--out", default=f"build/compress/{name}", help="output folder")
        s.add_argument("--base-dir", default="build/compress/base",
                       help="where original models are trained and cached")
        s.add_argument("--seed", type=int, default=0)
        s.add_argument("--threads", type=int, default=1,
                       help="CPU threads for torch (1 is fastest on a shared machine)")
        module.add_arguments(s)
    return p


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser().parse_args(argv)
    args.argv = argv   # the command as given, for the results that record it
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    if getattr(args, "criterion_module", None):
        importlib.import_module(args.criterion_module)
    module = COMMANDS[args.command][0]
    module.run(args)
    print(f"wrote {args.out}/tables.md and {args.out}/result.json")


if __name__ == "__main__":
    main(sys.argv[1:])
