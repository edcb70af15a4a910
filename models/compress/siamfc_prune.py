"""Prune a trained SiamFC checkpoint where the hardware needs it, then fine-tune it:
``python -m models.compress prune-siamfc --checkpoint best.pt --layers conv2 --fraction 0.25``.

The hardware chooses the layers and how many filters go (`python -m flow.targets.siamfc.fit` estimates
the folded accelerator for candidate channel counts); Bonsai's criterion pruning (Bingham and Helmich,
models/compress/bonsai.py) chooses which filters: one threshold over the named layers, the
smallest that removes `--fraction` of their filters. With `--criterion best` every criterion of
criteria.py is tried and the one whose pruned network (before retraining) has the lowest
validation centre error is kept. conv7, whose outputs are the features the correlation
consumes, is the output layer and is never pruned. The pruned network is then fine-tuned by the
siamfc recipe itself (models/recipes/siamfc.py, `--init`) with the checkpoint's training
settings, a lower learning rate and a few epochs.

Writes to --out: pruned.pt (pruned, not retrained), best.pt / checkpoint.pt / history.json (the
recipe's fine-tuning) and result.json. The checkpoints' config lists every convolution's output
channels, so models.siamfc.load_siamfc and `python -m flow.build siamfc_int4 --checkpoint` load
them.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

import torch

from models.compress.bonsai import MODES, Bonsai
from models.compress.criteria import CRITERIA
from models.recipes import siamfc as recipe
from models.siamfc import EXEMPLAR_SIZE, SiamFCNet, load_siamfc
from models.training import load_checkpoint, save_checkpoint


def add_arguments(p):
    p.add_argument("--checkpoint", required=True, help="trained siamfc checkpoint (best.pt)")
    p.add_argument("--layers", nargs="+", required=True,
                   help="convolutions to prune, e.g. conv2 (conv1..conv6; never conv7)")
    p.add_argument("--fraction", type=float, required=True,
                   help="fraction of the named layers' filters to remove")
    p.add_argument("--criterion", default="best", choices=["best", *CRITERIA],
                   help="filter criterion, or the one with the best validation before retraining")
    p.add_argument("--mode", default="static", choices=MODES)
    p.add_argument("--epochs", type=int, default=2, help="fine-tuning epochs")
    p.add_argument("--lr", type=float, default=5e-4, help="fine-tuning learning rate (cosine)")
    p.add_argument("--pairs", type=int, default=None,
                   help="training pairs per epoch (default: the checkpoint's)")


def layer_names(short: list[str]) -> list[str]:
    """conv2 -> layers.conv2, the name Bonsai's trace gives it in the backbone."""
    return [name if name.startswith("layers.") else f"layers.{name}" for name in short]


def prune_backbone(net: SiamFCNet, layers: list[str], fraction: float, criterion: str,
                   mode: str = "static") -> tuple[SiamFCNet, dict]:
    """A copy of `net` whose backbone lost `fraction` of the named layers' filters, chosen by
    `criterion` with one Bonsai threshold; and {layer: kept filter indices}."""
    example = torch.zeros(1, 3, EXEMPLAR_SIZE, EXEMPLAR_SIZE)
    bonsai = Bonsai(net.backbone, example, criterion, layer_names(layers), mode)
    result = bonsai.prune(bonsai.threshold_for_fraction(fraction))
    pruned = copy.deepcopy(net)
    pruned.backbone = result.model
    channels = [conv.out_channels for _, conv in result.model.convolutions()]
    pruned.backbone.channels = tuple(channels)
    # the same network, built from its channel counts: what load_siamfc will rebuild
    rebuilt = SiamFCNet(net.preset, net.backbone.width, channels)
    rebuilt.load_state_dict(pruned.state_dict())
    return rebuilt.eval(), result.keep


def run(args):
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    source = load_checkpoint(args.checkpoint)["config"]
    net = load_siamfc(args.checkpoint)
    config = dict(source, epochs=args.epochs, lr=args.lr, seed=args.seed, threads=args.threads,
                  device=None, init=str(out / "pruned.pt"), pairs=args.pairs or source["pairs"])
    device = torch.device("cpu")  # the pruned candidates are judged on the CPU, where they are
    _, val_sequences = recipe.training_sequences(config)
    val_set = recipe.validation_set(config, val_sequences)

    def centre_error(model):
        return recipe.validate(model, val_set, config["batch_size"], device)[1]

    criteria = list(CRITERIA) if args.criterion == "best" else [args.criterion]
    trials = {c: prune_backbone(net, args.layers, args.fraction, c, args.mode) for c in criteria}
    errors = {c: centre_error(model) for c, (model, _) in trials.items()}
    chosen = min(errors, key=errors.get)
    pruned, keep = trials[chosen]
    config["channels"] = list(pruned.backbone.channels)
    save_checkpoint(out / "pruned.pt", pruned, None, 0,
                    {"val_centre_error": errors[chosen], "keep": keep}, config)
    history = recipe.train(config, out)
    result = {
        "checkpoint": str(args.checkpoint), "layers": args.layers, "fraction": args.fraction,
        "mode": args.mode, "channels_before": list(net.backbone.channels),
        "channels": config["channels"], "keep": keep, "criterion": chosen,
        "val_centre_error": {"original": centre_error(net), "pruned_by_criterion": errors,
                             "fine_tuned": [h["val_centre_error"] for h in history]},
        "fine_tune": {k: config[k] for k in ("epochs", "lr", "pairs", "batch_size", "search_size")},
    }
    (out / "result.json").write_text(json.dumps(result, indent=2) + "\n")
    (out / "tables.md").write_text(tables(result))


def tables(result: dict) -> str:
    err = result["val_centre_error"]
    rows = [f"| original ({result['channels_before']}) | {err['original']:.2f} |"]
    rows += [f"| pruned by {c}, before fine-tuning | {e:.2f} |"
             for c, e in err["pruned_by_criterion"].items()]
    rows += [f"| {result['criterion']}, fine-tuned epoch {i + 1} | {e:.2f} |"
             for i, e in enumerate(err["fine_tuned"])]
    return ("Pruned " + ", ".join(result["layers"]) + f" by {result['fraction']:.0%} "
            f"-> channels {result['channels']}; criterion {result['criterion']}.\n\n"
            "| network | validation centre error (px) |\n|---|---|\n" + "\n".join(rows) + "\n")
