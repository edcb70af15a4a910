"""BatchNorm statistics for networks built with seeded random weights (the random-weight variants
of targets): random signs and offsets, so negative scales are exercised, then running statistics
measured on real images."""

import torch

SEED = 0


def calibrate_batchnorm(model: torch.nn.Module, images: torch.Tensor, seed: int = SEED) -> None:
    """Random BatchNorm signs and offsets (drawn from `seed`), then running statistics measured
    on `images`."""
    gen = torch.Generator().manual_seed(seed)
    norms = [m for m in model.modules() if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d))]
    for bn in norms:
        bn.weight.data = torch.randn(bn.num_features, generator=gen)
        bn.bias.data = 0.1 * torch.randn(bn.num_features, generator=gen)
        bn.reset_running_stats()
        bn.momentum = None  # cumulative average over the calibration batches
    model.train()
    with torch.no_grad():
        for batch in images.split(64):
            model(batch)
    model.eval()
