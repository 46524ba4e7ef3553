"""Differentiable crops of search regions and templates, and box mapping between image and crop coordinates.

A *region* is an ``x, y, w, h`` box in image pixels (the same continuous convention as every box in vasr:
``[x, x + w) x [y, y + h)``) that is resampled to a ``P x Q`` crop (P rows, Q columns). Crop pixel ``(r, c)``
covers ``[c, c + 1) x [r, r + 1)`` in crop coordinates, exactly like the mask grid of
``vasr.geometry.masks``, so a box mapped into a crop can be rasterised with ``box_mask`` and a box read from
a mask maps back with :func:`crop_to_image`. The mapping is a per-axis scale and shift, and
:func:`image_to_crop` / :func:`crop_to_image` are exact inverses of each other (up to float rounding).

The search region is the tracked box scaled by ``context`` (2: "twice the size of the bounding box", paper
section 3.2) about its centre, per axis: the box always lands on the central ``[Q/4, 3Q/4) x [P/4, 3P/4)``
of the crop, whatever its aspect ratio, so the mask net sees every target at the same scale. The template is
the keyframe box itself (``context`` 1 by default) resampled at the same pixels-per-box scale as the box in
the search crop, so template and search features correlate at matching scales.

Sampling is bilinear (``grid_sample``, ``align_corners=False``, which matches the pixel-area convention
above); outside the image the crop reads ``fill`` (mid-grey by default, so padding is not a dark edge the net
could mistake for an object boundary). Down-scaling is not anti-aliased: crops are small and the backbone's
first conv averages anyway.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from vasr.geometry.boxes import BoxLike, as_boxes

MIN_SIZE = 1.0  # pixels: a degenerate box still gets a region of at least this size (times the context)


def context_regions(boxes: BoxLike, context: float = 2.0) -> Tensor:
    """Regions ``(..., 4)`` centred on ``boxes`` with ``context`` times their width and height."""
    x, y, w, h = as_boxes(boxes).unbind(-1)
    w, h = w.clamp(min=MIN_SIZE), h.clamp(min=MIN_SIZE)
    cx, cy = x + w / 2, y + h / 2
    return torch.stack((cx - context * w / 2, cy - context * h / 2, context * w, context * h), dim=-1)


def image_to_crop(boxes: BoxLike, regions: BoxLike, size: tuple[int, int]) -> Tensor:
    """Boxes in image pixels -> the same boxes in the pixels of a ``size = (P, Q)`` crop of ``regions``."""
    b, r = torch.broadcast_tensors(as_boxes(boxes), as_boxes(regions).to(as_boxes(boxes).dtype))
    rows, cols = size
    sx, sy = cols / r[..., 2], rows / r[..., 3]
    return torch.stack(
        ((b[..., 0] - r[..., 0]) * sx, (b[..., 1] - r[..., 1]) * sy, b[..., 2] * sx, b[..., 3] * sy), dim=-1
    )


def crop_to_image(boxes: BoxLike, regions: BoxLike, size: tuple[int, int]) -> Tensor:
    """Inverse of :func:`image_to_crop`: boxes in crop pixels -> image pixels."""
    b, r = torch.broadcast_tensors(as_boxes(boxes), as_boxes(regions).to(as_boxes(boxes).dtype))
    rows, cols = size
    sx, sy = r[..., 2] / cols, r[..., 3] / rows
    return torch.stack(
        (r[..., 0] + b[..., 0] * sx, r[..., 1] + b[..., 1] * sy, b[..., 2] * sx, b[..., 3] * sy), dim=-1
    )


def crop_images(images: Tensor, regions: BoxLike, size: tuple[int, int], fill: float = 0.5) -> Tensor:
    """Resample ``regions (B, 4)`` of ``images (B, C, H, W)`` (float) to crops ``(B, C, P, Q)``.

    Differentiable in the images and the regions. Pixels outside the image read ``fill``."""
    if images.ndim != 4:
        raise ValueError(f"images must be (B, C, H, W), got shape {tuple(images.shape)}")
    regions = as_boxes(regions).to(images.dtype).reshape(-1, 4)
    if len(regions) != len(images):
        raise ValueError(f"{len(regions)} regions for {len(images)} images")
    height, width = images.shape[-2:]
    x, y, w, h = regions.unbind(-1)
    zero = torch.zeros_like(x)
    # Output base coordinate u in (-1, 1) maps to image x = x0 + (u + 1) / 2 * w; normalised by the image:
    # g = 2 x / W - 1 = (w / W) u + (2 x0 + w) / W - 1 (align_corners=False: -1 and 1 are the outer edges).
    theta = torch.stack(
        (
            torch.stack((w / width, zero, (2 * x + w) / width - 1), dim=-1),
            torch.stack((zero, h / height, (2 * y + h) / height - 1), dim=-1),
        ),
        dim=1,
    )
    grid = F.affine_grid(theta, [len(images), images.shape[1], *size], align_corners=False)
    crops = F.grid_sample(images - fill, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
    return crops + fill


def crop_frame(frame: np.ndarray, region: Tensor, size: tuple[int, int], fill: float = 0.5) -> Tensor:
    """``crop_images`` of one RGB uint8 ``(H, W, 3)`` frame and one ``region (4,)`` -> ``(3, P, Q)``.

    Same values as ``crop_images(frame_tensor(frame), region[None], size)[0]`` (up to float rounding), but
    only the pixels under the region (plus a margin for the bilinear taps) are converted to float, which is
    what makes refining every frame of a large video affordable on a CPU."""
    height, width = frame.shape[:2]
    x, y, w, h = (float(v) for v in region)
    x0, y0 = max(0, math.floor(x) - 2), max(0, math.floor(y) - 2)
    x1, y1 = min(width, math.ceil(x + w) + 2), min(height, math.ceil(y + h) + 2)
    if x1 <= x0 or y1 <= y0:  # the region lies outside the image: all fill
        return torch.full((3, *size), fill)
    patch = frame_tensor(frame[y0:y1, x0:x1])
    shifted = torch.tensor([x - x0, y - y0, w, h], dtype=patch.dtype)
    # pixels outside the patch read ``fill``: right where the patch was cut at the image border, and never
    # reached elsewhere (the margin covers the bilinear taps of every sample inside the region)
    return crop_images(patch, shifted[None], size, fill)[0]


def template_crop(frame: np.ndarray, box: np.ndarray, context: float, size: tuple[int, int]) -> Tensor:
    """The template of a keyframe: its human ``box`` (image pixels) times ``context``, resampled to
    ``size``."""
    region = context_regions(torch.from_numpy(np.asarray(box, dtype=np.float64))[None], context)[0]
    return crop_frame(frame, region, size)


def template_size(search_size: tuple[int, int], context: float, template_context: float) -> tuple[int, int]:
    """Template crop size giving the template box the same pixels as the box in a search crop."""
    rows, cols = search_size
    scale = template_context / context
    return max(1, round(rows * scale)), max(1, round(cols * scale))


def frame_tensor(frame: Tensor) -> Tensor:
    """An RGB uint8 ``(H, W, 3)`` frame (tensor or array) as float ``(1, 3, H, W)`` in [0, 1]."""
    t = torch.as_tensor(frame)
    return t.permute(2, 0, 1).unsqueeze(0).float().div_(255.0)
