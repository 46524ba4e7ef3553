"""The quality score that T-Assess Net learns (paper eq. 2) and its loss (eq. 3).

The printed eq. 2 is garbled; the reading that matches the paper's Fig. 5 and its threshold 0 is

    f(u) = a^(1/b) (u - 0.5) / (1 + a |u - 0.5|^b)^(1/b),   u = IoU, a = 50, b = 2.

``|u - 0.5|`` (rather than ``(u - 0.5)``) keeps f defined and odd around 0.5 for any b > 0. f is increasing,
f(0.5) = 0 (the failure threshold), and it saturates at +-a^(1/b) 0.5 / (1 + a 0.5^b)^(1/b) (~0.962 for the
defaults), so IoUs far from 0.5 matter less than the reliable/unreliable boundary.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor


def quality_score(iou: Tensor | float, alpha: float = 50.0, beta: float = 2.0) -> Tensor:
    """Quality score ``f(iou)`` of eq. 2, elementwise and differentiable; ``iou`` is usually in [0, 1]."""
    if alpha <= 0 or beta <= 0:
        raise ValueError(f"alpha and beta must be positive, got alpha={alpha}, beta={beta}")
    u = torch.as_tensor(iou)
    if not u.is_floating_point():
        u = u.to(torch.get_default_dtype())
    d = u - 0.5
    return alpha ** (1 / beta) * d / (1 + alpha * d.abs() ** beta) ** (1 / beta)


def expected_iou(score: Tensor | float, alpha: float = 50.0, beta: float = 2.0) -> Tensor:
    """The IoU whose quality score is ``score``: the inverse of :func:`quality_score`, so a predicted score
    reads as an expected IoU. Scores at or beyond the saturation level map to IoU 0 or 1 (clamped to
    [0, 1]); NaN stays NaN."""
    g = torch.as_tensor(score)
    if not g.is_floating_point():
        g = g.to(torch.get_default_dtype())
    magnitude = g.abs().clamp(max=1.0 - 1e-9) ** beta
    d = g.sign() * (magnitude / (alpha * (1.0 - magnitude))) ** (1 / beta)
    return (0.5 + d).clamp(0.0, 1.0)


def quality_loss(
    pred: Tensor,
    target: Tensor,
    mask: Tensor | None = None,
    reduction: Literal["sum", "mean", "none"] = "sum",
) -> Tensor:
    """Squared error between predicted and target quality scores (eq. 3).

    Args:
        pred, target: broadcastable quality scores (e.g. (batch, L) frames of a snippet).
        mask: optional boolean, True where the frame has a target (GT visible); other frames contribute 0 to
            the loss and get zero gradient, even where ``target`` is NaN.
        reduction: ``"sum"`` as in the paper, ``"mean"`` over the frames that count (0 when none does), or
            ``"none"`` for the per-frame errors (0 where masked out).
    """
    diff = pred - target
    if mask is not None:
        # Masking the difference (not the square) keeps NaN targets out of the backward pass.
        diff = torch.where(mask, diff, torch.zeros_like(diff))
    err = diff.square()
    if reduction == "none":
        return err
    if reduction == "sum":
        return err.sum()
    if reduction == "mean":
        if mask is None:
            return err.mean()
        count = torch.broadcast_to(mask, err.shape).sum()
        return err.sum() / count.clamp(min=1)
    raise ValueError(f"reduction must be 'sum', 'mean' or 'none', got {reduction!r}")
