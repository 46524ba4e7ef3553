"""Resampling search windows out of frames of any size into fixed-size patches, on any device.

Frames in one batch may differ in size (different sequences), so each track is cropped on its own; what it
gets back is a stack of same-sized patches the feature extractor can batch. Only the part of the frame a
window touches is copied to the device, big windows are box-filtered down first (bilinear sampling alone
would alias), and whatever lies outside the frame replicates the border (the target leaving the frame must
not crash or pull the filter towards a black edge)."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F


def as_rgb(frame: np.ndarray) -> np.ndarray:
    """Grey ``(H, W)`` or ``(H, W, 1)`` frames as ``(H, W, 3)``; anything else is returned unchanged."""
    frame = np.asarray(frame)
    if frame.ndim == 2:
        return np.repeat(frame[:, :, None], 3, axis=2)
    if frame.ndim == 3 and frame.shape[2] == 1:
        return np.repeat(frame, 3, axis=2)
    return frame


def crop_windows(
    frame: np.ndarray, centre: np.ndarray, windows: np.ndarray, size: int, device: torch.device
) -> torch.Tensor:
    """Patches ``(S, 3, size, size)`` in [0, 255] of windows ``windows[s] = (w, h)`` centred on ``centre``.

    Coordinates are continuous pixels (pixel ``i`` spans ``[i, i + 1)``), the convention of the boxes. The
    window is stretched to a square patch; the filter learns in that stretched frame, so it is consistent.
    The sampling grid is built in numpy: per-track torch calls are what a busy CPU makes expensive."""
    height, width = frame.shape[:2]
    cx, cy = float(centre[0]), float(centre[1])
    windows = np.asarray(windows, dtype=np.float64).reshape(-1, 2)
    half_w, half_h = windows[:, 0].max() / 2, windows[:, 1].max() / 2
    x0 = min(max(math.floor(cx - half_w) - 1, 0), width - 1)
    y0 = min(max(math.floor(cy - half_h) - 1, 0), height - 1)
    x1 = max(min(math.ceil(cx + half_w) + 1, width), x0 + 1)
    y1 = max(min(math.ceil(cy + half_h) + 1, height), y0 + 1)
    sub = torch.from_numpy(np.ascontiguousarray(frame[y0:y1, x0:x1])).to(device)
    image = sub.permute(2, 0, 1).unsqueeze(0).to(torch.float32)
    # Box-filter by the integer factor that keeps the smallest window at or above the patch resolution.
    kx = min(max(1, int(windows[:, 0].min() / size)), image.shape[3])
    ky = min(max(1, int(windows[:, 1].min() / size)), image.shape[2])
    if kx > 1 or ky > 1:
        image = F.avg_pool2d(image, (ky, kx), (ky, kx))
    ph, pw = image.shape[2:]
    steps = (np.arange(size, dtype=np.float64) + 0.5) / size - 0.5
    # Patch pixel centre -> frame pixel index -> index in the cropped, pooled image -> grid_sample's [-1, 1].
    xs = (cx + steps[None, :] * windows[:, :1] - 0.5 - x0 - (kx - 1) / 2) / kx
    ys = (cy + steps[None, :] * windows[:, 1:] - 0.5 - y0 - (ky - 1) / 2) / ky
    count = len(windows)
    grid = np.empty((count, size, size, 2), dtype=np.float32)
    grid[..., 0] = ((2 * xs + 1) / pw - 1)[:, None, :]
    grid[..., 1] = ((2 * ys + 1) / ph - 1)[:, :, None]
    return F.grid_sample(
        image.expand(count, -1, -1, -1),
        torch.from_numpy(grid).to(device),
        mode="bilinear",
        padding_mode="border",
        align_corners=False,
    )
