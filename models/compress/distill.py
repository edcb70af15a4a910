"""Knowledge distillation on an unlabelled transfer set (Rassadin and Savchenko, section 4).

A trained teacher labels a transfer set whose own labels are never used; a smaller student (float
or Brevitas-quantised) learns from it in one of two ways:
  labels   cross entropy on the teacher's predicted classes ("labels-only": Tramer et al.'s model
           extraction from returned labels);
  softmax  Kullback-Leibler divergence between the teacher's and the student's softmax outputs,
           both softened by a temperature T (Rassadin and Savchenko's "softmax outputs"; T = 1 is the paper's
           plain posterior matching, T > 1 Hinton et al.'s softening), times T^2 so that gradient
           magnitudes do not depend on T.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from models.compress.retrain import fit, logits

METHODS = ("labels", "softmax")


def kd_loss(temperature: float):
    """loss(student_logits, teacher_probs_at_T) = T^2 KL(teacher_T || student_T), batch mean."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")

    def loss(student_logits: torch.Tensor, teacher_probs: torch.Tensor) -> torch.Tensor:
        log_student = F.log_softmax(student_logits / temperature, dim=1)
        return F.kl_div(log_student, teacher_probs, reduction="batchmean") * temperature ** 2
    return loss


def teacher_targets(teacher_logits: torch.Tensor, method: str,
                    temperature: float = 1.0) -> torch.Tensor:
    """What the student learns from: the teacher's classes, or its softmax at temperature T."""
    if method not in METHODS:
        raise ValueError(f"unknown distillation method {method!r}; supported: {', '.join(METHODS)}")
    if method == "labels":
        return teacher_logits.argmax(1)
    return F.softmax(teacher_logits / temperature, dim=1)


def distill(teacher: nn.Module | torch.Tensor, student: nn.Module, x_transfer: torch.Tensor,
            method: str, epochs: int, temperature: float = 4.0, lr: float = 2e-3,
            batch_size: int = 64, seed: int = 0) -> list[dict]:
    """Train `student` in place from `teacher` (a model, or its logits on x_transfer computed
    once) on the unlabelled `x_transfer`."""
    out = teacher if isinstance(teacher, torch.Tensor) else logits(teacher, x_transfer)
    targets = teacher_targets(out, method, temperature)
    loss_fn = kd_loss(temperature) if method == "softmax" else nn.CrossEntropyLoss()
    return fit(student, x_transfer, targets, epochs, lr=lr, batch_size=batch_size, loss_fn=loss_fn,
               seed=seed, desc=f"distill ({method})")
