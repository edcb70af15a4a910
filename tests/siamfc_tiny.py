"""A reduced SiamFC build (width 0.25, 143x143 search crops -> 21x21 features, 5x5 score maps
against a 17x17 exemplar) through every step, the tracker's L6 included: seconds instead of the
full network's minutes. The tracker, board and notebook tests share it (tests/conftest.py)."""

from __future__ import annotations

import dataclasses
from functools import partial
from pathlib import Path

import torch

from flow.config import BuildConfig
from flow.pipeline import run_build
from flow.targets.calibration import calibrate_batchnorm
from flow.targets.siamfc import TARGETS, tracker_steps
from flow.targets.siamfc.inputs import search_crops
from models.siamfc import SiamFCBackbone

SEARCH = 143


def tiny_backbone():
    torch.manual_seed(0)
    model = SiamFCBackbone("binary", width=0.25)
    calibrate_batchnorm(model, torch.from_numpy(search_crops(16, 1, SEARCH)))
    return model.eval()


def tiny_config(out: Path) -> BuildConfig:
    target = dataclasses.replace(
        TARGETS["siamfc_binary"], name="siamfc_tiny", make_model=tiny_backbone,
        make_inputs=partial(search_crops, search_size=SEARCH), target_fps=2000,
        load_checkpoint=None, steps=tracker_steps(pairs=2))
    return BuildConfig(name="siamfc_tiny", out=out, target=target, target_fps=2000, inputs=2,
                       per_op_sim=False)


def build_tiny_siamfc(out: Path) -> dict:
    """The build into out/; returns its report."""
    result = run_build(tiny_config(out), say=lambda _: None)
    assert result.passed, result.failures
    return result.report
