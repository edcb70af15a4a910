"""Small helpers every training recipe shares: seeding, device, checkpoints, progress bars."""

import os
import random
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm


def seed_everything(seed):
    """Seed python, numpy and torch and make torch choose deterministic kernels."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    torch.backends.cudnn.benchmark = False


def pick_device(requested=None):
    """torch.device: `requested` ("cpu", "cuda", "cuda:1"), else CUDA when present, else the CPU."""
    if requested is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    device = torch.device(requested)
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {requested!r} requested but torch sees no CUDA device")
    return device


def save_checkpoint(path, model, optimizer, epoch, metrics, config, scheduler=None):
    """Write model/optimizer/scheduler state, the finished `epoch`, metrics, config and RNG state.

    The file is written next to `path` and renamed over it, so an interrupted save leaves the
    previous checkpoint intact.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": epoch,
        "metrics": metrics,
        "config": config,
        "rng": {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
                "python": random.getstate()},
    }
    partial = path.with_name(path.name + ".partial")
    torch.save(state, partial)
    os.replace(partial, path)


def load_checkpoint(path, model=None, restore_rng=False):
    """The checkpoint dict at `path`, its model state loaded into `model` when given.

    Brevitas replaces some parameter objects (learned scales) when it loads a state dict, so build
    the optimizer after this call and load ``state["optimizer"]`` (and ``state["scheduler"]``) into
    it; an optimizer built before would keep updating the replaced parameters. `restore_rng` puts
    back the RNG state saved with the checkpoint, so resumed training continues the random sequence
    of an uninterrupted run.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"checkpoint {path} not found")
    state = torch.load(path, map_location="cpu", weights_only=False)
    if model is not None:
        model.load_state_dict(state["model"])
    if restore_rng:
        torch.set_rng_state(state["rng"]["torch"])
        np.random.set_state(state["rng"]["numpy"])
        random.setstate(state["rng"]["python"])
    return state


def progress(iterable, desc, total=None, **kwargs):
    """A tqdm progress bar (quiet with the environment variable TQDM_DISABLE=1)."""
    return tqdm(iterable, desc=desc, total=total, dynamic_ncols=True, mininterval=1.0, **kwargs)
