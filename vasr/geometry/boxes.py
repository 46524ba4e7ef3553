"""Box conversions and IoU, batched over any leading dimensions.

Conventions (see ``vasr.data.sequence``): boxes are ``x, y, w, h`` in 0-based continuous pixel coordinates and
span ``[x, x + w) x [y, y + h)``, so the right edge is ``x + w`` (no ``- 1``). The last dimension holds the 4
coordinates; every other dimension is a batch dimension.

Every function accepts a ``torch.Tensor`` or anything ``torch.as_tensor`` takes (numpy arrays, lists) and
returns a tensor: one torch core instead of a numpy twin that could drift. Integer input is promoted to the
default float dtype. Device and dtype of tensors are kept and everything is differentiable except the
validity tests.

A box is *valid* when all four values are finite and ``w > 0`` and ``h > 0``. A NaN box means "no prediction":
its IoU with anything is 0, never NaN, so a missing prediction counts as a miss and cannot poison a mean.
"""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import torch
from torch import Tensor

BoxLike: TypeAlias = Tensor | np.ndarray | list | tuple


def as_boxes(boxes: BoxLike) -> Tensor:
    """``boxes`` as a floating tensor with a last dimension of 4 (no copy when it already is one)."""
    t = torch.as_tensor(boxes)
    if not t.is_floating_point():
        t = t.to(torch.get_default_dtype())
    if t.ndim == 0 or t.shape[-1] != 4:
        raise ValueError(f"boxes need a last dimension of 4, got shape {tuple(t.shape)}")
    return t


def xywh_to_xyxy(boxes: BoxLike) -> Tensor:
    """``x, y, w, h`` -> ``x1, y1, x2, y2`` with ``x2 = x + w`` (exclusive right/bottom edge)."""
    x, y, w, h = as_boxes(boxes).unbind(-1)
    return torch.stack((x, y, x + w, y + h), dim=-1)


def xyxy_to_xywh(boxes: BoxLike) -> Tensor:
    """``x1, y1, x2, y2`` -> ``x, y, w, h``; inverse of :func:`xywh_to_xyxy`."""
    x1, y1, x2, y2 = as_boxes(boxes).unbind(-1)
    return torch.stack((x1, y1, x2 - x1, y2 - y1), dim=-1)


def xywh_to_cxcywh(boxes: BoxLike) -> Tensor:
    """``x, y, w, h`` -> centre ``cx, cy`` and size ``w, h``."""
    x, y, w, h = as_boxes(boxes).unbind(-1)
    return torch.stack((x + w / 2, y + h / 2, w, h), dim=-1)


def cxcywh_to_xywh(boxes: BoxLike) -> Tensor:
    """Centre ``cx, cy`` and size ``w, h`` -> ``x, y, w, h``; inverse of :func:`xywh_to_cxcywh`."""
    cx, cy, w, h = as_boxes(boxes).unbind(-1)
    return torch.stack((cx - w / 2, cy - h / 2, w, h), dim=-1)


def boxes_valid(boxes: BoxLike) -> Tensor:
    """Boolean (...,): all coordinates finite and ``w > 0`` and ``h > 0``."""
    t = as_boxes(boxes)
    return torch.isfinite(t).all(dim=-1) & (t[..., 2] > 0) & (t[..., 3] > 0)


def box_area(boxes: BoxLike) -> Tensor:
    """Area ``w * h`` of ``x, y, w, h`` boxes; 0 for degenerate boxes (negative sizes clamp to 0)."""
    t = as_boxes(boxes)
    return t[..., 2].clamp(min=0) * t[..., 3].clamp(min=0)


def box_iou(a: BoxLike, b: BoxLike) -> Tensor:
    """Elementwise IoU of ``x, y, w, h`` boxes, broadcasting the leading dimensions of ``a`` and ``b``.

    In [0, 1]; 0 for disjoint boxes and whenever either box is invalid (NaN, infinite, ``w`` or ``h <= 0``).
    Invalid boxes are replaced by a dummy before any arithmetic so no NaN reaches the values or the gradients.
    """
    a, b = as_boxes(a), as_boxes(b)
    a, b = torch.broadcast_tensors(a, b)
    valid = boxes_valid(a) & boxes_valid(b)
    dummy = torch.tensor([0.0, 0.0, 1.0, 1.0], dtype=a.dtype, device=a.device)
    a = torch.where(valid[..., None], a, dummy)
    b = torch.where(valid[..., None], b, dummy.to(b.dtype))
    ax1, ay1, ax2, ay2 = xywh_to_xyxy(a).unbind(-1)
    bx1, by1, bx2, by2 = xywh_to_xyxy(b).unbind(-1)
    iw = (torch.minimum(ax2, bx2) - torch.maximum(ax1, bx1)).clamp(min=0)
    ih = (torch.minimum(ay2, by2) - torch.maximum(ay1, by1)).clamp(min=0)
    inter = iw * ih
    # Areas from the same corners as the intersection (not w * h, which can differ in the last bit):
    # rounding is monotonic, so inter <= union holds in floating point and IoU never exceeds 1.
    # The clamp only matters when both areas underflow to 0, and then inter is 0 as well.
    area_a, area_b = (ax2 - ax1) * (ay2 - ay1), (bx2 - bx1) * (by2 - by1)
    union = (area_a + area_b - inter).clamp(min=torch.finfo(inter.dtype).tiny)
    return torch.where(valid, inter / union, torch.zeros_like(inter))


def pairwise_box_iou(a: BoxLike, b: BoxLike) -> Tensor:
    """IoU of every box in ``a`` (..., N, 4) with every box in ``b`` (..., M, 4) -> (..., N, M)."""
    a, b = as_boxes(a), as_boxes(b)
    return box_iou(a[..., :, None, :], b[..., None, :, :])


def clip_boxes(boxes: BoxLike, width: float, height: float) -> Tensor:
    """Clip ``x, y, w, h`` boxes to the image ``[0, width) x [0, height)``.

    A box entirely outside the image comes back with zero width or height (invalid); NaN boxes stay NaN.
    """
    x1, y1, x2, y2 = xywh_to_xyxy(boxes).unbind(-1)
    x1, x2 = x1.clamp(0, width), x2.clamp(0, width)
    y1, y2 = y1.clamp(0, height), y2.clamp(0, height)
    return torch.stack((x1, y1, (x2 - x1).clamp(min=0), (y2 - y1).clamp(min=0)), dim=-1)
