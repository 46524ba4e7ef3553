"""From a refined mask to a refined box (paper section 3.3, inference), in crop and in image coordinates.

The mask is aggregated along rows and columns with ``min(1, sum)``, the rows and columns whose aggregate
exceeds ``tau`` are kept, and their min/max give the box (``vasr.geometry.masks.box_from_aggregates``: a box
mask gives back its own box exactly). ``tau`` defaults to 0.5, the middle of the aggregates' [0, 1] range
(Alpha-Refine also thresholds its masks at 0.5).

Fallback (documented policy): where no row or no column exceeds ``tau`` the net saw no target in the crop;
the refined box is then the *input* box unchanged (the refinement abstains rather than inventing a box or
dropping the frame; whether the frame is a failure is T-Assess's call, not the refiner's)."""

from __future__ import annotations

import torch
from torch import Tensor

from vasr.geometry.masks import aggregate_rows_cols, box_from_aggregates
from vasr.refinement.crops import crop_to_image

DEFAULT_TAU = 0.5


def mask_to_crop_box(mask: Tensor, tau: float = DEFAULT_TAU) -> tuple[Tensor, Tensor]:
    """``(..., P, Q)`` mask -> ``(boxes (..., 4) in crop pixels, found (...,))``; NaN where not found."""
    rows, cols = aggregate_rows_cols(mask)
    return box_from_aggregates(rows, cols, tau)


def refine_boxes(
    mask: Tensor, regions: Tensor, input_boxes: Tensor, tau: float = DEFAULT_TAU
) -> tuple[Tensor, Tensor]:
    """Refined boxes in image pixels ``(..., 4)`` and ``found (...,)``.

    Args:
        mask: refined mask S ``(..., P, Q)`` of the crops of ``regions``.
        regions: the search regions ``(..., 4)`` (image pixels) the crops were resampled from.
        input_boxes: the boxes being refined ``(..., 4)``, kept where the mask shows nothing above ``tau``.
    """
    crop_boxes, found = mask_to_crop_box(mask, tau)
    image_boxes = crop_to_image(crop_boxes, regions.to(crop_boxes.dtype), tuple(mask.shape[-2:]))
    keep = torch.as_tensor(input_boxes, dtype=image_boxes.dtype, device=image_boxes.device)
    return torch.where(found[..., None], image_boxes, keep), found
