"""Per-frame scores and the frame selection every annotation metric shares.

Vocabulary (paper Sec. 4.3): a frame is *evaluated* when its ground truth is visible, it is
not a keyframe (a human boxed it) and not a failure frame (handed back to a human). Accuracy metrics pool the
evaluated frames of all sequences (a long sequence weighs more than a short one), never per-sequence means.
Thresholds are strict: a frame counts as a hit at t when IoU > t.
"""

from __future__ import annotations

import torch
from torch import Tensor

from vasr.geometry.boxes import BoxLike, box_iou

#: Success-plot thresholds are 0, 0.05, ..., 1.0 (21 values, as in OTB/LaSOT).
NUM_SUCCESS_THRESHOLDS = 21


def success_thresholds(
    dtype: torch.dtype = torch.float64, device: torch.device | str | None = None
) -> Tensor:
    """The 21 success-plot thresholds ``k / 20``, k = 0..20 (divided from integers, so 0.7 is exactly 0.7)."""
    return torch.arange(NUM_SUCCESS_THRESHOLDS, dtype=dtype, device=device) / (NUM_SUCCESS_THRESHOLDS - 1)


def per_frame_iou(pred: BoxLike, gt: BoxLike, valid: Tensor | None = None) -> Tensor:
    """IoU of predicted and ground-truth ``x, y, w, h`` boxes (N, 4) -> (N,).

    A NaN prediction scores 0 (a miss). Where ``valid`` (GT visible) is False the IoU is undefined and comes
    back NaN, so an average that forgets the mask fails loudly instead of counting absent targets.
    """
    iou = box_iou(pred, gt)
    if valid is None:
        return iou
    valid = torch.as_tensor(valid, dtype=torch.bool, device=iou.device)
    return torch.where(valid, iou, torch.full_like(iou, float("nan")))


def evaluated_iou(iou: Tensor, evaluate: Tensor | None = None) -> Tensor:
    """The IoUs of the evaluated frames, flattened; ``evaluate`` None means every frame counts.

    Raises ValueError on a NaN IoU among them: that is an upstream bug (e.g. an absent target left unmasked).
    """
    iou = torch.as_tensor(iou)
    if evaluate is not None:
        evaluate = torch.as_tensor(evaluate, device=iou.device)
        if evaluate.dtype != torch.bool:
            raise TypeError(f"evaluate must be a boolean mask, got {evaluate.dtype}")
        if evaluate.shape != iou.shape:
            raise ValueError(f"evaluate has shape {tuple(evaluate.shape)}, iou {tuple(iou.shape)}")
        iou = iou[evaluate]
    iou = iou.reshape(-1)
    if torch.isnan(iou).any():
        raise ValueError("NaN IoU on an evaluated frame: mask frames whose ground truth is absent")
    return iou


def success_curve(iou: Tensor, evaluate: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """Success plot: ``(thresholds, rates)``, the share of evaluated frames with IoU > t for each threshold.

    Strict, so the rate at t = 1 is always 0 and at t = 0 it counts frames with any overlap. The area under
    the curve is ``rates.mean()`` (see ``SuccessAUC``). Rates are NaN when no frame is evaluated.
    """
    iou = evaluated_iou(iou, evaluate)
    thresholds = success_thresholds(device=iou.device).to(iou.dtype)
    hits = (iou[:, None] > thresholds).sum(dim=0)
    return thresholds, hits.double() / iou.numel()
