"""Parameters, memory, MACs/FLOPs (Bonsai formulas), bit-ops and the energy model."""
from __future__ import annotations

import pytest

from models.compress.metrics import load_energy_pj, mac_energy_pj, model_metrics, reduction
from models.compress.surgery import remove_channels
from tests.compress.nets import inputs, tiny


def test_layer_figures_by_hand():
    rows = model_metrics(tiny(), inputs(1))["layers"]
    conv1, conv2, dense1, dense2 = rows
    # conv: 2 k1 k2 rh rw I H FLOPs; output maps 10x10 and 3x3
    assert conv1["flops"] == 2 * 3 * 3 * 10 * 10 * 1 * 6
    assert conv2["flops"] == 2 * 3 * 3 * 3 * 3 * 6 * 8
    # dense: 2 I H
    assert dense1["flops"] == 2 * 72 * 16 and dense2["flops"] == 2 * 16 * 5
    assert conv1["macs"] * 2 == conv1["flops"]
    # parameters: weights (+ BatchNorm scale and shift after them) + the last layer's bias
    assert conv1["params"] == 54 + 2 * 6 and dense2["params"] == 80 + 5
    assert conv1["memory_bits"] == 32 * conv1["params"]
    assert conv1["bitops"] == conv1["macs"] * 32 * 32


def test_quantised_bit_widths():
    rows = model_metrics(tiny(1, 1), inputs(1))["layers"]
    assert [(r["weight_bits"], r["act_bits"]) for r in rows] == [(1, 8), (1, 1), (1, 1), (1, 1)]
    assert rows[0]["bitops"] == rows[0]["macs"] * 8
    assert rows[1]["memory_bits"] == 6 * 8 * 9 + 2 * 8 * 32  # binary weights, 32-bit BatchNorm
    rows4 = model_metrics(tiny(4, 4), inputs(1))["layers"]
    assert [(r["weight_bits"], r["act_bits"]) for r in rows4] == [(4, 8), (4, 4), (4, 4), (4, 4)]


def test_energy_model_reproduces_seed_003_eq_11():
    # Distill-Net, 7.2: at a 95 % hit rate, skipping a multiplication saves 2.58 % of its energy
    assert load_energy_pj(0.95) == pytest.approx(37.7)
    assert 1.0 / (1.0 + load_energy_pj(0.95)) == pytest.approx(0.0258, abs=1e-4)
    assert mac_energy_pj(32, 32) == pytest.approx(2 + 2 * 37.7)
    assert mac_energy_pj(1, 1) == pytest.approx(1 / 1024 + 1 + 37.7 / 16)
    with pytest.raises(ValueError, match="hit rate"):
        load_energy_pj(1.5)


def test_reduction_after_pruning():
    model, x = tiny(), inputs(1)
    before = model_metrics(model, x)
    after = model_metrics(remove_channels(model, x, {"0": [0, 1, 2]}), x)
    # half of conv1's filters: conv1's FLOPs halve, and conv2 loses half of its inputs
    expected = (before["layers"][0]["flops"] + before["layers"][1]["flops"]) / 2
    assert before["total"]["flops"] - after["total"]["flops"] == expected
    assert reduction(before, after)["flops"] == pytest.approx(expected / before["total"]["flops"])
