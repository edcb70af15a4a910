"""Pruned quantised models export to QONNX, and qonnx executes them exactly like torch (L1 = L0)."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from models.compress.bonsai import Bonsai
from models.compress.export import export, run_qonnx
from models.compress.retrain import logits
from tests.compress.nets import inputs, randomize_batchnorm, tiny


@pytest.mark.parametrize("bits", [1, 4])
def test_pruned_model_runs_in_qonnx_like_torch(tmp_path, bits):
    model = randomize_batchnorm(tiny(bits, bits))
    x = inputs(3)
    bonsai = Bonsai(model, x[:1], "mean", "both")
    result = bonsai.prune(torch.cat(list(bonsai.static_values.values())).median().item())
    assert 0.3 < result.fraction_pruned < 0.7   # the median criterion value prunes about half
    path = export(result.model, x[:1], tmp_path / "pruned.onnx")
    expected = logits(result.model, x).numpy()
    np.testing.assert_array_equal(run_qonnx(path, x), expected)
