"""Knowledge distillation: the KL loss, the targets, and a student that learns its teacher."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from models.compress.distill import distill, kd_loss, teacher_targets
from models.compress.retrain import logits


def test_kd_loss_is_t_squared_kl_of_softened_outputs():
    g = torch.Generator().manual_seed(0)
    s, t = torch.randn(4, 6, generator=g), torch.randn(4, 6, generator=g)
    T = 3.0
    p, q = F.softmax(t / T, 1), F.softmax(s / T, 1)
    manual = (p * (p.log() - q.log())).sum(1).mean() * T * T
    torch.testing.assert_close(kd_loss(T)(s, p), manual)
    assert kd_loss(T)(t, p).abs() < 1e-6          # zero when the student matches the teacher
    with pytest.raises(ValueError, match="temperature"):
        kd_loss(0.0)


def test_targets():
    teacher = nn.Linear(3, 4)
    x = torch.randn(10, 3)
    out = logits(teacher, x)
    assert torch.equal(teacher_targets(out, "labels"), out.argmax(1))
    torch.testing.assert_close(teacher_targets(out, "softmax", 2.0), F.softmax(out / 2, 1))
    with pytest.raises(ValueError, match="unknown distillation method 'hints'"):
        teacher_targets(out, "hints")


@pytest.mark.parametrize("method", ["labels", "softmax"])
def test_student_learns_the_teacher_without_labels(method):
    torch.manual_seed(0)
    teacher = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 4))
    student = nn.Linear(8, 4)
    x, x_new = torch.randn(512, 8), torch.randn(256, 8)

    def agreement():
        return (logits(student, x_new).argmax(1) == logits(teacher, x_new).argmax(1)).float().mean()

    before = agreement()
    distill(teacher, student, x, method, epochs=15, temperature=2.0, lr=1e-2)
    assert agreement() > max(0.7, before + 0.3)
