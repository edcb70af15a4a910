"""The SiamFC targets' inputs: the tracker's backbone (models/siamfc.py) on real benchmark crops.

The network is the backbone of a trained SiamFCNet checkpoint (the shipped `binary` one by
default). Its test inputs are the search crops (255x255) of exemplar/search pairs drawn from the
semi-synthetic benchmark's test sequences (models/data/pairs.PairDataset), normalised as the
tracker does, (p - 128) / 128, so the hardware's input is the int8 p - 128.
"""

from __future__ import annotations

from functools import cache

import numpy as np

from models.siamfc import BINARY_CHECKPOINT, SEARCH_SIZE

BENCHMARK_SEQUENCES = 16   # the test benchmark of models/README_siamfc.md (seed 0, 80 frames)
BENCHMARK_FRAMES = 80
FRAME_SHAPE = (240, 320)   # the benchmark's frames (H, W): the tracker accelerator's crop engine takes these


@cache
def benchmark_pairs(count: int, seed: int, search_size: int = SEARCH_SIZE):
    """`count` exemplar/search pairs of the test benchmark, item i a function of (seed, i);
    search crops of search_size (SiamFC's geometry: the target as large as in a 255 crop)."""
    from models.data.pairs import PairConfig, PairDataset
    from models.data.synthetic_tracking import benchmark
    from models.siamfc import score_size

    sequences = benchmark(BENCHMARK_SEQUENCES, 0, "test", BENCHMARK_FRAMES)
    # smaller crops (reduced test networks) shift the target less, so it stays on the score map
    shift = PairConfig.max_shift * (score_size(search_size) - 1) / (score_size() - 1)
    return PairDataset(sequences, count, seed, PairConfig(search_size=search_size, max_shift=shift))


def pixels_to_model_input(pixels: np.ndarray) -> np.ndarray:
    """uint8 N x H x W x 3 crops -> float32 N x 3 x H x W network input (p - 128) / 128."""
    return ((np.asarray(pixels, dtype=np.float32) - 128.0) / 128.0).transpose(0, 3, 1, 2).copy()


def search_crops(count: int, seed: int, search_size: int = SEARCH_SIZE) -> np.ndarray:
    """The search crops of `count` benchmark pairs, as network input N x 3 x S x S."""
    pairs = benchmark_pairs(count, seed, search_size)
    return pixels_to_model_input(np.stack([pairs[i]["search"].numpy() for i in range(count)]))


def siamfc_backbone(checkpoint=BINARY_CHECKPOINT):
    """The backbone of a siamfc checkpoint (written by `python -m models.train siamfc`)."""
    from models.siamfc import load_siamfc

    return load_siamfc(checkpoint).backbone.eval()


def untrained_backbone(preset: str, seed: int = 0):
    """A backbone of `preset` with seeded random weights and BatchNorm calibrated on benchmark
    search crops (no trained checkpoint is shipped for it; --checkpoint loads one). Cycles and
    resources do not depend on the weights; tracking precision does."""
    import torch

    from flow.targets.calibration import calibrate_batchnorm
    from models.siamfc import SiamFCBackbone

    torch.manual_seed(seed)
    model = SiamFCBackbone(preset)
    calibrate_batchnorm(model, torch.from_numpy(search_crops(32, seed + 1)))
    return model.eval()


SCALES = 3                 # search crops per tracker frame (SiamFC's scale pyramid)
GOAL_TRACKER_FPS = 60      # the tracker's frame-rate goal at 100 MHz
SEQUENCE_FRAMES = 100      # frames per sequence, over which the exemplar's capture is amortised
# the fabric's share of a tracker frame: the host's part (the crops' headers, the frame's writes,
# the peak search: benchmarks/siamfc_tracker_fps.py) takes the rest, so the backbone folds for
# twice the goal's search images
FABRIC_SHARE = 0.5
SEARCH_IMAGES_PER_SECOND = round(GOAL_TRACKER_FPS * SCALES / FABRIC_SHARE)   # the backbone's folding goal
FPS_NOTE = (f"target fps {SEARCH_IMAGES_PER_SECOND} search images/s: {GOAL_TRACKER_FPS} tracker "
            f"frames/s with {SCALES} scales in {FABRIC_SHARE:.0%} of each frame, the host's part in the "
            "rest (the exemplar is embedded once per sequence)")
UNTRAINED_NOTE = ("seeded random weights with calibrated BatchNorm unless --checkpoint gives a "
                  "trained siamfc checkpoint (python -m models.train siamfc --preset int4)")
CORRELATION_PAIRS = 20  # exemplar/search pairs through the whole tracker accelerator
DEFAULT_INPUTS = 8  # rtlsim runs about 0.4 search images/s here: 8 keep the step near 20 s
