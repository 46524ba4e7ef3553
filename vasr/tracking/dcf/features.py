"""Download-free features for the correlation filter, all computed with torch ops on a batch of patches.

* ``hog``: gradient-orientation histograms per cell (HOG/fHOG-like): what makes a DCF localise precisely.
* ``colour``: per-cell mean of an opponent colour space (intensity and two chroma axes), which helps on
  low-texture targets and separates look-alikes that differ in colour.

Each group is scaled to unit mean energy
per cell so no group drowns the others."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _cell_pool(x: torch.Tensor, cell: int) -> torch.Tensor:
    """Sum to cells, then spread each cell a little into its neighbours ([1, 2, 1] / 4 per axis): a cheap
    stand-in for HOG's bilinear voting, so a feature does not jump when the target moves by a pixel."""
    if cell > 1:
        x = F.avg_pool2d(x, cell, stride=cell)
    return _smooth_cells(x)


def _smooth_cells(x: torch.Tensor) -> torch.Tensor:
    x = F.pad(x, (1, 1, 1, 1), mode="replicate")
    x = 0.25 * x[..., :-2] + 0.5 * x[..., 1:-1] + 0.25 * x[..., 2:]
    return 0.25 * x[..., :-2, :] + 0.5 * x[..., 1:-1, :] + 0.25 * x[..., 2:, :]


def _orientation_cells(magnitude: torch.Tensor, angle: torch.Tensor, cell: int, bins: int) -> torch.Tensor:
    """Histograms ``(N, bins, G, G)``: each pixel votes its gradient magnitude into its cell, split linearly
    between the two nearest orientation bins.

    Scattering votes (``index_add_``) costs per pixel, not per pixel and bin: materialising a full-resolution
    map per bin was 10x slower on CPU."""
    n, _, height, width = magnitude.shape
    gh, gw = height // cell, width // cell
    # Index arithmetic in float32 (exact below 2**24) with one conversion: int64 ops are slow on CPU.
    position = angle.reshape(n, -1) * (bins / math.pi) - 0.5  # bin k is centred on k + 0.5 of the range
    lower = torch.floor(position)
    upper_share = position - lower
    lower = torch.where(lower < 0, lower + bins, lower)
    upper = torch.where(lower >= bins - 1, torch.zeros_like(lower), lower + 1)
    ys = torch.arange(height, device=magnitude.device).clamp(max=gh * cell - 1) // cell
    xs = torch.arange(width, device=magnitude.device).clamp(max=gw * cell - 1) // cell
    cell_index = (ys[:, None] * gw + xs[None, :]).reshape(1, -1)
    base = (torch.arange(n, device=magnitude.device)[:, None] * (bins * gh * gw) + cell_index).float()
    weight = magnitude.reshape(n, -1)
    hist = torch.zeros(n * bins * gh * gw, device=magnitude.device, dtype=magnitude.dtype)
    hist.index_add_(
        0, (base + lower * (gh * gw)).long().reshape(-1), (weight - weight * upper_share).reshape(-1)
    )
    hist.index_add_(0, (base + upper * (gh * gw)).long().reshape(-1), (weight * upper_share).reshape(-1))
    return hist.view(n, bins, gh, gw) / (cell * cell)


def hog_features(patches: torch.Tensor, cell: int, bins: int = 9) -> torch.Tensor:
    """Contrast-normalised unsigned orientation histograms ``(N, bins + 1, G, G)``; the last channel is the
    normalised gradient energy (the texture-less part of the target still says something)."""
    grey = patches.mean(dim=1, keepdim=True)
    padded = F.pad(grey, (1, 1, 1, 1), mode="replicate")
    gx = padded[:, :, 1:-1, 2:] - padded[:, :, 1:-1, :-2]
    gy = padded[:, :, 2:, 1:-1] - padded[:, :, :-2, 1:-1]
    magnitude = torch.sqrt(gx * gx + gy * gy) * 0.5
    angle = torch.atan2(gy, gx) % math.pi  # unsigned orientation in [0, pi)
    hist = _smooth_cells(_orientation_cells(magnitude, angle, cell, bins))
    energy = (hist * hist).sum(dim=1, keepdim=True)
    block = F.avg_pool2d(energy, 3, stride=1, padding=1, count_include_pad=False)
    hist = (hist / torch.sqrt(block + 1e-4)).clamp(max=0.4)
    texture = _cell_pool(magnitude, cell)
    texture = texture / torch.sqrt(F.avg_pool2d(texture * texture, 3, 1, 1, count_include_pad=False) + 1e-4)
    return torch.cat((hist, 0.3 * texture), dim=1)


def colour_features(patches: torch.Tensor, cell: int) -> torch.Tensor:
    """Per-cell opponent colour ``(N, 3, G, G)``: intensity, red-green and yellow-blue, centred on zero.
    The transform is linear, so it is applied after pooling (16x fewer pixels)."""
    pooled = F.avg_pool2d(patches, cell, stride=cell) if cell > 1 else patches
    r, g, b = pooled.unbind(dim=1)
    return torch.stack(((r + g + b) / 3 - 0.5, (r - g) / 2, (r + g) / 4 - b / 2), dim=1)


def group_energy(group: torch.Tensor) -> torch.Tensor:
    """Mean energy per cell of each sample ``(N,)``: measured once on the first frame to weigh the groups
    alike, then kept fixed so that a changed appearance still changes the response's height."""
    return group.pow(2).sum(dim=1).mean(dim=(-2, -1))


class FeatureExtractor:
    """Both feature groups (HOG, colour) on one grid of ``size // cell`` cells, as a list of tensors."""

    def __init__(self, cell: int) -> None:
        self.cell = cell

    def __call__(self, patches: torch.Tensor) -> list[torch.Tensor]:
        return [hog_features(patches, self.cell), colour_features(patches, self.cell)]
