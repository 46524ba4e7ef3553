"""Masks on a P x Q pixel grid and the box-level operators of VG-Refine (paper eq. 1, 4-6 and inference).

Grid convention: a mask has shape (..., P, Q), P rows (height, y) and Q columns (width, x). Pixel (r, c)
covers ``[c, c + 1) x [r, r + 1)`` in the same continuous coordinates as the boxes (``vasr.geometry.boxes``),
so its centre is at ``(c + 0.5, r + 0.5)``. Everything is batched over the leading dimensions.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor

from vasr.geometry.boxes import BoxLike, as_boxes, xyxy_to_xywh


def rectified_accumulation(mask: Tensor, dim: int) -> Tensor:
    """``min(1, sum(mask, dim))``: the rectified accumulation operator (eq. 6, corrected).

    The paper prints ``max(1, .)``, which is always >= 1 and carries no information. With ``min`` a box mask
    maps to a 0/1 indicator of the rows/columns it spans, and a soft mask is rewarded for putting *some*
    foreground in every row/column of the box (multiple-instance supervision), not for filling it.
    The clamp is differentiable (zero gradient where the sum exceeds 1).
    """
    return mask.sum(dim=dim).clamp(max=1)


def aggregate_rows_cols(mask: Tensor) -> tuple[Tensor, Tensor]:
    """Rectified accumulation of a (..., P, Q) mask along each row -> (..., P) and each column -> (..., Q).

    The row aggregate is the paper's horizontal ``A^h`` (one value per row), the column aggregate its
    vertical ``A^v`` (one value per column).
    """
    return rectified_accumulation(mask, dim=-1), rectified_accumulation(mask, dim=-2)


def box_mask(boxes: BoxLike, height: int, width: int, fmt: Literal["xywh", "xyxy"] = "xywh") -> Tensor:
    """Rasterise boxes (..., 4) into {0, 1} masks (..., height, width) of the boxes' float dtype.

    A pixel is inside when its centre ``(c + 0.5, r + 0.5)`` lies in ``[x1, x2) x [y1, y2)``; an integer box
    inside the grid therefore covers exactly its pixels. Invalid (NaN, empty) boxes give empty masks.
    """
    t = as_boxes(boxes)
    if fmt == "xywh":
        x1, y1, w, h = t.unbind(-1)
        x2, y2 = x1 + w, y1 + h
    elif fmt == "xyxy":
        x1, y1, x2, y2 = t.unbind(-1)
    else:
        raise ValueError(f"fmt must be 'xywh' or 'xyxy', got {fmt!r}")
    cx = torch.arange(width, dtype=t.dtype, device=t.device) + 0.5
    cy = torch.arange(height, dtype=t.dtype, device=t.device) + 0.5
    in_cols = (cx >= x1[..., None]) & (cx < x2[..., None])  # (..., Q)
    in_rows = (cy >= y1[..., None]) & (cy < y2[..., None])  # (..., P)
    return (in_rows[..., :, None] & in_cols[..., None, :]).to(t.dtype)


def box_from_aggregates(rows: Tensor, cols: Tensor, tau: float = 0.5) -> tuple[Tensor, Tensor]:
    """Box from row/column aggregates (paper, inference): min/max index whose aggregate exceeds ``tau``.

    Args:
        rows: (..., P) row aggregates; cols: (..., Q) column aggregates (leading dimensions broadcast).
        tau: strict threshold; aggregates lie in [0, 1], so a useful tau is in [0, 1).

    Returns:
        ``(boxes, found)``: ``x, y, w, h`` boxes (..., 4) in mask pixels, spanning ``[xmin, xmax + 1)`` so
        a box mask gives back its own box, and a boolean (...,) ``found``. Where no row or no column exceeds
        ``tau`` there is no box: ``found`` is False and the box is NaN (which every IoU scores as 0).
        Index selection is not differentiable; train on the aggregates instead (eq. 5).
    """
    rows, cols = torch.as_tensor(rows), torch.as_tensor(cols)
    dtype = rows.dtype if rows.is_floating_point() else torch.get_default_dtype()

    def extent(agg: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        above = agg > tau
        n = agg.shape[-1]
        idx = torch.arange(n, device=agg.device)
        lo = torch.where(above, idx, n).amin(dim=-1)
        hi = torch.where(above, idx, -1).amax(dim=-1)
        return lo, hi, above.any(dim=-1)

    y0, y1, found_rows = extent(rows)
    x0, x1, found_cols = extent(cols)
    found = found_rows & found_cols
    xyxy = torch.stack(torch.broadcast_tensors(x0, y0, x1 + 1, y1 + 1), dim=-1).to(dtype)
    boxes = torch.where(found[..., None], xyxy_to_xywh(xyxy), torch.full_like(xyxy, float("nan")))
    return boxes, found


def gaussian_weight_map(theta: Tensor, height: int, width: int) -> Tensor:
    """Geometric weight map of eq. 1 for parameters ``theta`` (..., 5) -> (..., height, width).

    ``W(x, y) = exp(-alpha ((x - mu1)^2 / sigma1^2 + (y - mu2)^2 / sigma2^2))`` with
    ``theta = (mu1, mu2, sigma1, sigma2, alpha)`` in pixel units of the mask grid: x runs over columns
    (width), y over rows (height), evaluated at pixel centres ``x = c + 0.5``, ``y = r + 0.5``.
    ``theta`` is used as given (activation is the predictor's job): sigmas must be non-zero and
    ``alpha >= 0`` keeps W in (0, 1].
    """
    theta = torch.as_tensor(theta)
    if not theta.is_floating_point():
        theta = theta.to(torch.get_default_dtype())
    if theta.shape[-1] != 5:
        raise ValueError(f"theta needs a last dimension of 5, got shape {tuple(theta.shape)}")
    mu1, mu2, sigma1, sigma2, alpha = (p[..., None, None] for p in theta.unbind(-1))
    x = torch.arange(width, dtype=theta.dtype, device=theta.device) + 0.5  # (Q,)
    y = (torch.arange(height, dtype=theta.dtype, device=theta.device) + 0.5)[:, None]  # (P, 1)
    return torch.exp(-alpha * ((x - mu1) ** 2 / sigma1**2 + (y - mu2) ** 2 / sigma2**2))
