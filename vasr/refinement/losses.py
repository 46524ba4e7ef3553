"""Box-level supervision of the refined mask (paper eq. 4-6, with eq. 6's ``min(1, sum)`` erratum).

A ground-truth *box* cannot say which pixels are the target, but every row and every column it spans holds
some target and no other row or column does. So the mask S and the box mask M are both aggregated along rows
and columns with the rectified accumulation ``min(1, sum)`` (``vasr.geometry.masks.aggregate_rows_cols``), and
the aggregates are compared by squared error (eq. 5).

Averaging (the paper sums): per frame the squared errors of the P row and Q column aggregates are summed and
divided by ``P + Q``, so a frame's loss lies in [0, 1] whatever the crop size; frames are then averaged over
the frames that have a target (``weight``), so the learning rate depends neither on the crop size nor on the
batch. Same minimiser as the paper's sum.

Gradient (``straight_through``, default on): the clamp of ``min(1, sum)`` has zero gradient wherever a row's
sum exceeds 1, so a row *outside* the box that the net has filled (sum > 1, target 0) would never be pushed
back: an untrained mask of 0.12 everywhere already has every row and column at 1 and trains not at all. The
loss therefore uses the eq. 6 value in the forward pass and lets the gradient pass straight through the clamp
(``s + (min(1, s) - s).detach()``). Loss values are exactly eq. 5; rows inside the box with sum > 1 still get
no gradient (their error is 0)."""

from __future__ import annotations

import torch
from torch import Tensor

from vasr.geometry.masks import aggregate_rows_cols, box_mask


def straight_through_aggregates(mask: Tensor) -> tuple[Tensor, Tensor]:
    """``aggregate_rows_cols`` values with the gradient of the plain sums (see the module docstring)."""
    rows, cols = aggregate_rows_cols(mask)
    sum_rows, sum_cols = mask.sum(-1), mask.sum(-2)
    return sum_rows + (rows - sum_rows).detach(), sum_cols + (cols - sum_cols).detach()


def aggregate_error(mask: Tensor, target: Tensor, straight_through: bool = True) -> Tensor:
    """Per-frame eq. 5 ``(...,)``: squared error of the row and column aggregates over ``P + Q``."""
    rows_s, cols_s = straight_through_aggregates(mask) if straight_through else aggregate_rows_cols(mask)
    rows_m, cols_m = aggregate_rows_cols(target)
    rows, cols = mask.shape[-2:]
    return (((rows_s - rows_m) ** 2).sum(-1) + ((cols_s - cols_m) ** 2).sum(-1)) / (rows + cols)


def box_level_loss(
    mask: Tensor, gt_crop_boxes: Tensor, weight: Tensor, straight_through: bool = True
) -> Tensor:
    """Mean eq. 5 over the frames where ``weight`` (bool or float ``(...,)``) is set.

    Args:
        mask: predicted mask S ``(..., P, Q)`` in [0, 1].
        gt_crop_boxes: ground-truth boxes in crop pixels ``(..., 4)`` (``x, y, w, h``; NaN where none).
        weight: which frames count; 0 with a gradient path when none does.
        straight_through: pass the gradient through the clamp (see the module docstring).
    """
    target = box_mask(torch.nan_to_num(gt_crop_boxes, nan=0.0).to(mask.dtype), *mask.shape[-2:])
    per_frame = aggregate_error(mask, target, straight_through)
    w = weight.to(mask.dtype)
    return (per_frame * w).sum() / w.sum().clamp(min=1.0)
