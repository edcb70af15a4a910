"""Criterion functions: one value per filter from the D x H matrix; the registry."""
from __future__ import annotations

import pytest
import torch

from models.compress import criteria
from models.compress.criteria import evaluate, filter_matrix, get_criterion, register_criterion


def test_filter_matrix_puts_one_filter_per_column():
    w = torch.arange(2 * 3 * 2 * 2, dtype=torch.float).reshape(2, 3, 2, 2)  # H=2 filters, D=12
    m = filter_matrix(w)
    assert m.shape == (12, 2)
    assert torch.equal(m[:, 1], w[1].flatten())


def test_the_four_criteria_on_known_filters():
    # dense weight (H=3, I=4): filter h is row h
    w = torch.tensor([[1.0, -1.0, 1.0, -1.0],
                      [0.0, 0.0, 0.0, 4.0],
                      [-2.0, -2.0, -2.0, -2.0]])
    torch.testing.assert_close(evaluate("sd", w), torch.tensor([1.0, 3 ** 0.5, 0.0]))
    torch.testing.assert_close(evaluate("max", w), torch.tensor([1.0, 4.0, 2.0]))
    torch.testing.assert_close(evaluate("mean", w), torch.tensor([1.0, 1.0, 2.0]))
    torch.testing.assert_close(evaluate("range", w), torch.tensor([2.0, 4.0, 0.0]))


def test_user_criterion_is_registered_and_checked(monkeypatch):
    monkeypatch.setattr(criteria, "CRITERIA", dict(criteria.CRITERIA))

    @register_criterion("l2")
    def l2(w):
        return w.norm(dim=0)

    assert get_criterion("l2") is l2
    torch.testing.assert_close(evaluate("l2", torch.tensor([[3.0, 4.0], [0.0, 1.0]])),
                               torch.tensor([5.0, 1.0]))
    with pytest.raises(ValueError, match="already registered"):
        register_criterion("l2")(l2)

    @register_criterion("bad")
    def bad(w):
        return w.sum()

    with pytest.raises(ValueError, match=r"shape \(2,\)"):
        evaluate("bad", torch.ones(2, 3))
    with pytest.raises(ValueError, match="unknown criterion 'nope'; registered: sd, max"):
        evaluate("nope", torch.ones(2, 3))
