"""A colour-histogram response beside the correlation filter (Staple's complement, batched in torch).

A correlation filter is a rigid template: it localises precisely but loses a target that deforms, blurs or
turns, whose gradients change while its colours do not. A colour model has the opposite strengths. Each
track keeps two RGB histograms, of the pixels inside its box (foreground) and of the rest of its search
window (background); every pixel of a new window gets the probability that its colour is the target's, and
the mean of that probability over a box of the target's size, centred at each candidate shift, is a
response on the filter's grid that can be mixed with the filter's (Bertinetto et al., "Staple", CVPR 2016).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


class ColourHistogram:
    """Foreground/background colour histograms of ``B`` tracks, ``bins`` levels per RGB channel.

    Coordinates are patch pixels of the (square, ``S`` px) search patches the tracker already samples, so
    the model needs no crop of its own: a box is its centre and size in that patch."""

    def __init__(self, bins: int, device: torch.device) -> None:
        self.bins = bins
        self.device = device
        self.foreground: torch.Tensor | None = None  # (B, bins**3) colour densities
        self.background: torch.Tensor | None = None

    def _bin_index(self, patches: torch.Tensor) -> torch.Tensor:
        """Bin of every pixel ``(N, S * S)`` of patches ``(N, 3, S, S)`` in [0, 1]."""
        levels = (patches.clamp(0, 1) * (self.bins - 1e-3)).long()
        return ((levels[:, 0] * self.bins + levels[:, 1]) * self.bins + levels[:, 2]).flatten(1)

    @staticmethod
    def _box_mask(size: int, centres: torch.Tensor, extents: torch.Tensor) -> torch.Tensor:
        """Masks ``(N, S, S)``: 1 on pixels whose centre lies in the boxes (centre, w/h in patch px)."""
        pixel = torch.arange(size, device=centres.device, dtype=torch.float32) + 0.5
        inside_x = (pixel[None] - centres[:, :1]).abs() <= extents[:, :1] / 2
        inside_y = (pixel[None] - centres[:, 1:]).abs() <= extents[:, 1:] / 2
        return (inside_y[:, :, None] & inside_x[:, None, :]).float()

    def _densities(self, index: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        """Normalised histograms ``(N, bins**3)`` of the pixel bins ``index`` ``(N, P)``, weighted."""
        hist = torch.zeros(index.shape[0], self.bins**3, device=index.device)
        hist.scatter_add_(1, index, weight)
        return hist / hist.sum(dim=1, keepdim=True).clamp(min=1e-6)

    def learn(
        self,
        patches: torch.Tensor,
        centres: torch.Tensor,
        extents: torch.Tensor,
        rate: torch.Tensor | None = None,
    ) -> None:
        """Learn (``rate`` None) or update with a rate ``(B,)`` the histograms from patches ``(B, 3, S, S)``
        with the target at ``centres`` ``(B, 2)`` and of size ``extents`` ``(B, 2)`` (patch px)."""
        size = patches.shape[-1]
        index = self._bin_index(patches)
        inside = self._box_mask(size, centres.float(), extents.float()).flatten(1)
        # a margin around the box belongs to neither model: boxes are loose and edges are mixed pixels
        outside = 1 - self._box_mask(size, centres.float(), extents.float() * 1.3).flatten(1)
        foreground, background = self._densities(index, inside), self._densities(index, outside)
        if rate is None or self.foreground is None:
            self.foreground, self.background = foreground, background
            return
        r = rate.view(-1, 1).float()
        self.foreground = (1 - r) * self.foreground + r * foreground
        self.background = (1 - r) * self.background + r * background

    def response(self, patches: torch.Tensor, extents: torch.Tensor, grid: int) -> torch.Tensor:
        """Maps ``(B, grid, grid)`` in [0, 1] laid out like `filters.correlate`'s (zero shift at index 0,
        shifts wrap): at each shift of ``S / grid`` px from the patch centre, the mean foreground
        probability over a box of size ``extents`` ``(B, 2)`` centred there."""
        assert self.foreground is not None and self.background is not None
        batch, _, size, _ = patches.shape
        index = self._bin_index(patches)
        fg = torch.gather(self.foreground, 1, index)
        bg = torch.gather(self.background, 1, index)
        likelihood = (fg / (fg + bg + 1e-6)).view(batch, 1, size, size)
        # Box means by an integral image: one cumulative sum per axis serves any box size per track.
        integral = F.pad(likelihood[:, 0].cumsum(1).cumsum(2), (1, 0, 1, 0))
        step = size / grid
        shifts = torch.arange(grid, device=patches.device, dtype=torch.float32)
        # the patch pixel each shift puts the box centre on
        shifts = torch.where(shifts < grid / 2, shifts, shifts - grid) * step + size / 2
        half = extents.float() / 2

        def edges(axis: int) -> tuple[torch.Tensor, torch.Tensor]:
            low = (shifts[None] - half[:, axis, None]).round().clamp(0, size).long()
            high = (shifts[None] + half[:, axis, None]).round().clamp(0, size).long()
            return low, high

        (x0, x1), (y0, y1) = edges(0), edges(1)
        rows = torch.arange(batch, device=patches.device)[:, None, None]

        def corner(ys: torch.Tensor, xs: torch.Tensor) -> torch.Tensor:
            return integral[rows, ys[:, :, None], xs[:, None, :]]

        total = corner(y1, x1) - corner(y0, x1) - corner(y1, x0) + corner(y0, x0)
        area = (extents[:, 0] * extents[:, 1]).float().clamp(min=1.0).view(-1, 1, 1)
        return total / area
