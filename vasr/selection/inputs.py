"""What T-Assess Net sees of one tracking direction, and what it learns to predict.

Per frame: the response map (``S x S``), the box as corners normalised by the image size (so the net sees
position and size independently of the resolution, as LTMU does) and the tracker confidence. Frames without
a result, and trackers that give no map or no confidence, read as zeros: a constant input the net learns to
discount, never a NaN. The target is f(IoU) of eq. 2 against the ground truth, and the loss only counts
frames where that target exists: a result, a visible ground-truth box, and not a keyframe (a keyframe *is*
the human box)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from vasr.geometry.boxes import box_iou
from vasr.geometry.quality import quality_score
from vasr.tracking.snippets import DirectionTracks


@dataclass(frozen=True)
class DirectionInputs:
    """Network inputs of one direction over a whole sequence (``N`` frames)."""

    maps: Tensor  # (N, S, S) float32
    boxes: Tensor  # (N, 4) float32, x1/W, y1/H, x2/W, y2/H
    confidences: Tensor  # (N,) float32

    def window(self, index: np.ndarray) -> tuple[Tensor, Tensor, Tensor]:
        """The inputs at ``index`` (any shape of frame indices), e.g. ``(W, L)`` windows."""
        i = torch.as_tensor(index)
        return self.maps[i], self.boxes[i], self.confidences[i]


def normalised_corners(boxes: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """``x, y, w, h`` -> ``x1/W, y1/H, x2/W, y2/H``; NaN rows become zeros."""
    width, height = image_size
    corners = np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1)
    corners = corners / np.array([width, height, width, height], dtype=np.float64)
    return np.nan_to_num(corners, nan=0.0, posinf=0.0, neginf=0.0)


def direction_inputs(
    tracks: DirectionTracks, image_size: tuple[int, int], response_size: int = 19
) -> DirectionInputs:
    """The inputs of one direction; a missing response map gives ``response_size`` square zeros."""
    n = len(tracks.valid)
    if tracks.responses is None:
        maps = torch.zeros(n, response_size, response_size)
    else:
        maps = torch.from_numpy(np.nan_to_num(np.asarray(tracks.responses, dtype=np.float32)))
        maps[torch.from_numpy(~np.asarray(tracks.valid, bool))] = 0.0
    boxes = normalised_corners(np.where(tracks.valid[:, None], tracks.boxes, np.nan), image_size)
    confidences = np.where(tracks.valid, np.nan_to_num(tracks.confidences, nan=0.0), 0.0)
    return DirectionInputs(
        maps, torch.from_numpy(boxes).float(), torch.from_numpy(confidences.astype(np.float32))
    )


def quality_targets(
    tracks: DirectionTracks,
    gt_boxes: np.ndarray,
    gt_visible: np.ndarray,
    is_keyframe: np.ndarray,
    alpha: float = 50.0,
    beta: float = 2.0,
) -> tuple[Tensor, Tensor, Tensor]:
    """Per frame ``(iou, f(iou), mask)``; ``mask`` marks the frames the loss and the metrics count."""
    valid = np.asarray(tracks.valid, bool) & np.isfinite(tracks.boxes).all(axis=1)
    mask = valid & np.asarray(gt_visible, bool) & ~np.asarray(is_keyframe, bool)
    mask &= np.isfinite(gt_boxes).all(axis=1)
    pred = torch.from_numpy(np.nan_to_num(tracks.boxes, nan=0.0))
    gt = torch.from_numpy(np.nan_to_num(gt_boxes, nan=0.0))
    iou = box_iou(pred, gt).float()
    iou = torch.where(torch.from_numpy(mask), iou, torch.zeros_like(iou))
    return iou, quality_score(iou, alpha, beta).float(), torch.from_numpy(mask)
