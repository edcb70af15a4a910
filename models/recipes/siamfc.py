"""SiamFC recipe: ``python -m models.train siamfc --preset binary`` (models/siamfc_presets.py).

Brevitas quantisation-aware training of the SiamFC network (models/siamfc.py) on exemplar/search
pairs (models/data/pairs.py) from seeded semi-synthetic sequences of the "train" photographs
(models/data/synthetic_tracking.py; written once to the data cache in OTB format), or from any
OTB-format folder (--train-data). Loss: SiamFC's logistic loss with balanced positive/negative
weights; metric: the centre error, in search-crop pixels, of the score map's peak. Adam with a
per-step cosine learning-rate decay; a fixed validation set of pairs from held-out sequences.

Every epoch writes <out>/checkpoint.pt (for --resume) and, when the validation centre error
improved, <out>/best.pt (model only): the model the results in models/README_siamfc.md evaluate.
Pairs are drawn from (seed, epoch, index) and the RNG state is checkpointed, so a run is
reproducible and a resumed run continues as an uninterrupted one.

Two options narrow the gap between a quantised tracker and the float one:
--teacher CHECKPOINT distils a trained (float) tracker into the one being trained, with Hinton et
al.'s softened-softmax distillation (models/compress/distill.py's kd_loss, as Rassadin and
Savchenko's "softmax outputs") applied to the score maps: each map is a distribution over its cells
at temperature --kd-temperature, and the loss is (1 - a) logistic + a T^2 KL(teacher || student),
a = --kd-weight. --scenes varied trains on scenes with more look-alike distractors, occlusion and
fast motion (models/data/synthetic_tracking.py's TRAINING_SCENES), cached apart from the default.

--init CHECKPOINT fine-tunes a trained (or pruned) siamfc checkpoint instead of starting from
random weights: its preset, width and per-layer channel counts define the network
(models/compress/siamfc_prune.py prunes a checkpoint and fine-tunes it this way).

Default size (two CPU cores): width 1.0 (the hardware width), 191x191 search crops in training
(17x17 score maps; the tracker uses 255x255), 6 epochs of 800 pairs, one CPU thread. --full is the
GPU-size schedule of Przewlocka et al.: 30 epochs of 10,000 pairs at 255x255.
"""

import json
import math
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from models.compress.distill import kd_loss
from models.data import cache_root
from models.data.otb import load_benchmark
from models.data.pairs import PairConfig, PairDataset, window_centre
from models.data.synthetic_tracking import TRAINING_SCENES, benchmark, write_otb
from models.quant import images_to_input
from models.recipes import RECIPES
from models.siamfc import SEARCH_SIZE, SiamFCNet, load_siamfc
from models.siamfc_presets import PRESETS
from models.training import load_checkpoint, pick_device, progress, save_checkpoint, seed_everything

DEFAULTS = {
    "width": 1.0,
    "epochs": 6,
    "pairs": 800,
    "val_pairs": 128,
    "batch_size": 8,
    "search_size": 191,
    "sequences": 48,
    "val_sequences": 8,
    "frames": 100,
}
FULL = {
    "epochs": 30,
    "pairs": 10000,
    "val_pairs": 1000,
    "batch_size": 16,
    "search_size": SEARCH_SIZE,
    "sequences": 400,
    "val_sequences": 40,
}
# Options that may differ between a checkpoint and the run that resumes it.
RESUMABLE_CHANGES = {"epochs", "threads", "device"}
TRAIN_DATA_SEED = 1  # synthetic training sequences: seed 1 (val: 2); the benchmark uses seed 0


def add_arguments(parser):
    parser.add_argument(
        "--preset", choices=list(PRESETS), default=None, help="default binary, or --init's"
    )
    parser.add_argument(
        "--init",
        default=None,
        help="siamfc checkpoint to fine-tune (its preset, width and channel counts are used)",
    )
    parser.add_argument(
        "--width", type=float, default=None, help=f"width multiplier (default {DEFAULTS['width']})"
    )
    parser.add_argument("--epochs", type=int, default=None, help=f"default {DEFAULTS['epochs']}")
    parser.add_argument(
        "--pairs",
        type=int,
        default=None,
        help=f"training pairs per epoch (default {DEFAULTS['pairs']})",
    )
    parser.add_argument(
        "--val-pairs", type=int, default=None, help=f"default {DEFAULTS['val_pairs']}"
    )
    parser.add_argument(
        "--batch-size", type=int, default=None, help=f"default {DEFAULTS['batch_size']}"
    )
    parser.add_argument(
        "--search-size",
        type=int,
        default=None,
        help=f"training search crop (default {DEFAULTS['search_size']}; 63 + 4k)",
    )
    parser.add_argument(
        "--sequences",
        type=int,
        default=None,
        help=f"synthetic training sequences (default {DEFAULTS['sequences']})",
    )
    parser.add_argument(
        "--val-sequences",
        type=int,
        default=None,
        help=f"synthetic validation sequences (default {DEFAULTS['val_sequences']})",
    )
    parser.add_argument(
        "--frames", type=int, default=DEFAULTS["frames"], help="frames per synthetic sequence"
    )
    parser.add_argument(
        "--train-data",
        default=None,
        help="OTB-format folder to train on instead of synthetic sequences "
        "(its last --val-sequences sequences validate)",
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="GPU-size schedule: "
        + ", ".join(f"{k}={v}" for k, v in FULL.items())
        + " (explicit options win)",
    )
    parser.add_argument(
        "--scenes",
        choices=tuple(TRAINING_SCENES),
        default="default",
        help="synthetic training scenes (varied: more distractors, occlusion, fast motion)",
    )
    parser.add_argument(
        "--teacher", default=None, help="trained siamfc checkpoint to distil from (score maps)"
    )
    parser.add_argument(
        "--kd-weight",
        type=float,
        default=0.5,
        help="weight a of the distillation loss with --teacher (1 - a for the logistic loss)",
    )
    parser.add_argument(
        "--kd-temperature", type=float, default=4.0, help="softmax temperature T with --teacher"
    )
    parser.add_argument("--lr", type=float, default=2e-3, help="Adam learning rate (cosine decay)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--out", default=None, help="output directory (default build/models/siamfc-<preset>)"
    )
    parser.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt")
    parser.add_argument(
        "--stop-after",
        type=int,
        default=None,
        help="end this run after N epochs of the schedule (continue with --resume)",
    )
    parser.add_argument(
        "--device", default=None, help="cpu, cuda, ... (default: CUDA when present)"
    )
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads for torch (1: on a shared 2-core machine one thread is faster)",
    )


def init_network(path, preset):
    """(preset, width, channels) of the checkpoint --init fine-tunes; --preset must agree."""
    init = load_checkpoint(path)["config"]
    if init.get("recipe") != "siamfc":
        raise SystemExit(f"--init {path} is not a siamfc checkpoint (recipe {init.get('recipe')!r})")
    if preset is not None and preset != init["preset"]:
        raise SystemExit(f"--preset {preset} differs from --init {path}'s preset {init['preset']}")
    return init["preset"], init["width"], init.get("channels")


def distill_config(args):
    """{"teacher", "weight", "temperature"} with --teacher, else None."""
    if args.teacher is None:
        return None
    if not Path(args.teacher).is_file():
        raise SystemExit(f"--teacher {args.teacher}: no such checkpoint")
    if not 0 < args.kd_weight <= 1:
        raise SystemExit(f"--kd-weight must be in (0, 1], got {args.kd_weight}")
    if args.kd_temperature <= 0:
        raise SystemExit(f"--kd-temperature must be > 0, got {args.kd_temperature}")
    return {
        "teacher": str(args.teacher),
        "weight": args.kd_weight,
        "temperature": args.kd_temperature,
    }


def config_from_args(args) -> dict:
    preset, width, channels = args.preset or "binary", args.width, None
    if args.init is not None:
        if args.width is not None:
            raise SystemExit("--width comes from the --init checkpoint; leave it out")
        preset, width, channels = init_network(args.init, args.preset)
    config = {
        "recipe": "siamfc",
        "preset": preset,
        "init": None if args.init is None else str(args.init),
        "channels": channels,
        "lr": args.lr,
        "seed": args.seed,
        "frames": args.frames,
        "train_data": args.train_data,
        # None for the default scenes and no teacher, so that earlier checkpoints resume
        "scenes": None if args.scenes == "default" else args.scenes,
        "distill": distill_config(args),
        "threads": args.threads,
        "device": args.device,
    }
    for key in DEFAULTS:
        explicit = width if key == "width" else getattr(args, key, None)
        config[key] = (
            explicit
            if explicit is not None
            else (FULL if args.full else DEFAULTS).get(key, DEFAULTS[key])
        )
    for key in (
        "epochs",
        "pairs",
        "val_pairs",
        "batch_size",
        "sequences",
        "val_sequences",
        "frames",
        "threads",
    ):
        if config[key] < 1:
            raise SystemExit(f"--{key.replace('_', '-')} must be >= 1, got {config[key]}")
    if (config["search_size"] - 63) % 4 or config["search_size"] < 127 + 32:
        raise SystemExit(
            f"--search-size must be 63 + 4k and at least 159, got {config['search_size']}"
        )
    return config


def synthetic_split(seed: int, count: int, frames: int, scenes: str | None = None):
    """OTB-format synthetic sequences of the training photographs, written once to the cache."""
    suffix = "" if scenes is None else f"_{scenes}"
    folder = cache_root() / "siamfc_synthetic" / f"train_seed{seed}_n{count}_f{frames}{suffix}"
    marker = folder / "complete"
    if not marker.is_file():
        scene = TRAINING_SCENES[scenes or "default"]
        for sequence in progress(
            benchmark(count, seed, "train", frames, scene=scene),
            f"writing {count} synthetic sequences to {folder}",
            unit="seq",
        ):
            write_otb(sequence, folder)
        marker.write_text("ok\n")
    return load_benchmark(folder)


def training_sequences(config):
    """(train, validation) sequences."""
    if config["train_data"]:
        sequences = load_benchmark(config["train_data"])
        n_val = config["val_sequences"]
        if len(sequences) <= n_val:
            raise SystemExit(
                f"{config['train_data']} has {len(sequences)} sequences; "
                f"need more than --val-sequences {n_val}"
            )
        return sequences[:-n_val], sequences[-n_val:]
    scenes = config.get("scenes")
    return (
        synthetic_split(TRAIN_DATA_SEED, config["sequences"], config["frames"], scenes),
        synthetic_split(TRAIN_DATA_SEED + 1, config["val_sequences"], config["frames"], scenes),
    )


def validation_set(config, sequences) -> PairDataset:
    """The fixed validation pairs of a run (the same for every epoch)."""
    return PairDataset(
        sequences,
        config["val_pairs"],
        seed=config["seed"] * 1_000_003 + 999_983,
        config=PairConfig(search_size=config["search_size"]),
    )


def batches(dataset, batch_size, desc):
    """Consecutive batches of a PairDataset, stacked, with a progress bar."""
    for start in progress(range(0, len(dataset), batch_size), desc, leave=False):
        items = [dataset[i] for i in range(start, min(start + batch_size, len(dataset)))]
        yield {k: torch.stack([item[k] for item in items]) for k in items[0]}


def logistic_loss(scores, labels, weights):
    """SiamFC's balanced logistic loss: sum of weighted BCE per map, averaged over the batch."""
    per_cell = F.binary_cross_entropy_with_logits(scores.squeeze(1), labels, reduction="none")
    return (per_cell * weights).sum(dim=(1, 2)).mean()


def centre_errors(scores, targets):
    """Distances (search-crop pixels) between each score map's peak and the target centre."""
    size = scores.shape[-1]
    peak = scores.reshape(scores.shape[0], -1).argmax(dim=1)
    rows, cols = peak // size, peak % size
    x, y = window_centre(cols.cpu().numpy()), window_centre(rows.cpu().numpy())
    return np.hypot(x - targets[:, 0].cpu().numpy(), y - targets[:, 1].cpu().numpy())


def distillation_loss(scores, teacher_scores, temperature):
    """T^2 KL(teacher || student) of the score maps, each a softmax over its cells at T."""
    teacher_probs = F.softmax(teacher_scores.flatten(1) / temperature, dim=1)
    return kd_loss(temperature)(scores.flatten(1), teacher_probs)


def run_batch(model, batch, device, teacher=None, distill=None):
    """(loss, centre errors); with a teacher, the loss mixes in the score-map distillation."""
    z = images_to_input(batch["exemplar"]).to(device)
    x = images_to_input(batch["search"]).to(device)
    scores = model(z, x)
    loss = logistic_loss(scores, batch["labels"].to(device), batch["weights"].to(device))
    if teacher is not None:
        with torch.no_grad():
            teacher_scores = teacher(z, x)
        weight = distill["weight"]
        loss = (1 - weight) * loss + weight * distillation_loss(
            scores, teacher_scores, distill["temperature"]
        )
    return loss, centre_errors(scores.detach(), batch["target"])


def validate(model, dataset, batch_size, device):
    model.eval()
    losses, errors = [], []
    with torch.no_grad():
        for batch in batches(dataset, batch_size, "validate"):
            loss, err = run_batch(model, batch, device)
            losses.append(loss.item() * len(err))
            errors.append(err)
    errors = np.concatenate(errors)
    return sum(losses) / len(errors), float(errors.mean())


def train(config, out_dir, resume=False, stop_after=None):
    """Train per `config` into `out_dir`; returns the metrics history (one dict per epoch)."""
    out_dir = Path(out_dir)
    torch.set_num_threads(config["threads"])
    device = pick_device(config["device"])
    seed_everything(config["seed"])
    model = SiamFCNet(config["preset"], config["width"], config.get("channels"))
    distill = config.get("distill")
    teacher = None
    if distill:
        teacher = load_siamfc(distill["teacher"]).eval()
        teacher.to(device, memory_format=torch.channels_last)
    state = load_checkpoint(out_dir / "checkpoint.pt", restore_rng=True) if resume else None
    if state is None and config.get("init"):
        load_checkpoint(config["init"], model)
    if state is not None:
        changed = sorted(
            k for k in config if k not in RESUMABLE_CHANGES and state["config"].get(k) != config[k]
        )
        if changed:
            raise SystemExit(
                f"{out_dir / 'checkpoint.pt'} was trained with other options: "
                + ", ".join(f"{k}={state['config'].get(k)!r} (now {config[k]!r})" for k in changed)
            )
        # Brevitas replaces some parameters when it loads a state: the optimizer comes after
        model.load_state_dict(state["model"])
    # channels-last convolutions are about 1.5x faster on the CPU (oneDNN)
    model.to(device, memory_format=torch.channels_last)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    steps_per_epoch = math.ceil(config["pairs"] / config["batch_size"])
    total_steps = config["epochs"] * steps_per_epoch
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step, total_steps) / total_steps))
    )
    history, start_epoch = [], 0
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        history, start_epoch = state["metrics"]["history"], state["epoch"]
    train_seqs, val_seqs = training_sequences(config)
    pair_config = PairConfig(search_size=config["search_size"])
    val_set = validation_set(config, val_seqs)
    best = min((h["val_centre_error"] for h in history), default=math.inf)
    end_epoch = min(config["epochs"], stop_after or config["epochs"])
    for epoch in range(start_epoch, end_epoch):
        model.train()
        train_set = PairDataset(
            train_seqs, config["pairs"], seed=config["seed"] * 1_000_003 + epoch, config=pair_config
        )
        total_loss, errors = 0.0, []
        bar = batches(train_set, config["batch_size"], f"epoch {epoch + 1}/{config['epochs']}")
        for batch in bar:
            loss, err = run_batch(model, batch, device, teacher, distill)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * len(err)
            errors.append(err)
        errors = np.concatenate(errors)
        val_loss, val_error = validate(model, val_set, config["batch_size"], device)
        record = {
            "epoch": epoch + 1,
            "train_loss": total_loss / len(errors),
            "train_centre_error": float(errors.mean()),
            "val_loss": val_loss,
            "val_centre_error": val_error,
        }
        history.append(record)
        print(
            f"epoch {epoch + 1}/{config['epochs']}: train loss {record['train_loss']:.4f}, "
            f"centre error {record['train_centre_error']:.1f} px; val loss {val_loss:.4f}, "
            f"centre error {val_error:.1f} px",
            flush=True,
        )
        metrics = {"history": history, **record}
        save_checkpoint(
            out_dir / "checkpoint.pt", model, optimizer, epoch + 1, metrics, config, scheduler
        )
        if val_error < best:  # the tracker's own measure, not the loss
            best = val_error
            save_checkpoint(out_dir / "best.pt", model, None, epoch + 1, metrics, config)
    (out_dir / "history.json").write_text(json.dumps(history, indent=2) + "\n")
    return history


@RECIPES.register(
    "siamfc", "SiamFC tracker network (Przewlocka et al.) on semi-synthetic pairs", add_arguments
)
def run(args):
    config = config_from_args(args)
    out_dir = args.out or Path("build") / "models" / f"siamfc-{config['preset']}"
    return train(config, out_dir, resume=args.resume, stop_after=args.stop_after)
