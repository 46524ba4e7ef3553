"""Scale and aspect from a handful of resized search windows (SAMF-style search, separate w and h factors).

The translation filter is applied to the search window resampled for a few candidate target sizes: the
unchanged size, one step larger and smaller (scale), and one step wider-and-shorter and narrower-and-taller
(aspect). A parabola through the three peak heights along each axis gives a continuous log-factor, so a
small step is enough and a change between the steps is still measured."""

from __future__ import annotations

import numpy as np
import torch


def size_variants(scale_step: float, aspect_step: float) -> np.ndarray:
    """``(V, 2)`` width and height factors: identity, scale up/down and (when ``aspect_step > 1``) aspect
    wide/tall. Row order is what `estimate_factors` relies on."""
    rows = [(1.0, 1.0)]
    if scale_step > 1:
        rows += [(scale_step, scale_step), (1 / scale_step, 1 / scale_step)]
    if aspect_step > 1:
        rows += [(aspect_step, 1 / aspect_step), (1 / aspect_step, aspect_step)]
    return np.asarray(rows, dtype=np.float64)


def _parabola(centre: torch.Tensor, up: torch.Tensor, down: torch.Tensor) -> torch.Tensor:
    """Offset in steps (in [-1, 1]) of the maximum of the parabola through (-1, down), (0, centre), (1, up);
    the better end when the three do not make a maximum."""
    curvature = up + down - 2 * centre
    vertex = 0.5 * (down - up) / torch.where(curvature < -1e-12, curvature, torch.full_like(centre, -1.0))
    fallback = torch.where(up > down, torch.ones_like(centre), -torch.ones_like(centre))
    fallback = torch.where(torch.maximum(up, down) > centre, fallback, torch.zeros_like(centre))
    return torch.where(curvature < -1e-12, vertex, fallback).clamp(-1.0, 1.0)


def estimate_factors(
    peaks: torch.Tensor, scale_step: float, aspect_step: float, penalty: float
) -> tuple[torch.Tensor, torch.Tensor]:
    """Width and height factors ``(B,)`` each from the peak heights ``(B, V)`` of `size_variants`.

    ``penalty`` (<= 1) multiplies the off-centre peaks: a change of size must win by a margin, which keeps
    the size from drifting on noise."""
    log_w = torch.zeros_like(peaks[:, 0])
    log_h = torch.zeros_like(peaks[:, 0])
    column = 1
    if scale_step > 1:
        t = _parabola(peaks[:, 0], penalty * peaks[:, column], penalty * peaks[:, column + 1])
        log_w = log_w + t * np.log(scale_step)
        log_h = log_h + t * np.log(scale_step)
        column += 2
    if aspect_step > 1:
        t = _parabola(peaks[:, 0], penalty * peaks[:, column], penalty * peaks[:, column + 1])
        log_w = log_w + t * np.log(aspect_step)
        log_h = log_h - t * np.log(aspect_step)
    return torch.exp(log_w), torch.exp(log_h)
