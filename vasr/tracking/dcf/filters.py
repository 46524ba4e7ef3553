"""The correlation filter itself: closed-form multi-channel ridge regression in the Fourier domain.

For a sample ``X`` (channels ``c``) and a Gaussian label ``Y`` the filter that best maps ``X`` to ``Y`` under
an L2 penalty ``lam`` is, per frequency, ``H_c = conj(Y) X_c / (sum_k |X_k|^2 + lam)`` (the DSST/KCF
single-sample solution). Numerator and denominator are averaged over time with a learning rate, which is
the cheap stand-in for solving over all past samples. Averaging the per-frequency channel covariance
instead and solving it (`exact_filter`) is the exact solution over those samples, for ``C x C`` solves per
frequency. All functions work on a leading batch dimension."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def cosine_window(grid: int, device: torch.device) -> torch.Tensor:
    """``(grid, grid)`` Hann window: tapers the patch border so the circular correlation sees no seam."""
    hann = torch.hann_window(grid + 2, periodic=False, dtype=torch.float32, device=device)[1:-1]
    return hann[:, None] * hann[None, :]


def gaussian_label_fft(grid: int, sigma: torch.Tensor) -> torch.Tensor:
    """Fourier transform ``(B, 1, grid, grid // 2 + 1)`` of Gaussian labels peaked at zero shift (index 0,
    circularly wrapped), one width ``sigma`` (in cells) per track."""
    shifts = torch.arange(grid, device=sigma.device, dtype=torch.float32)
    shifts = torch.where(shifts < grid / 2, shifts, shifts - grid)
    d2 = shifts[:, None] ** 2 + shifts[None, :] ** 2
    label = torch.exp(-0.5 * d2[None] / sigma.view(-1, 1, 1).float() ** 2)
    return torch.fft.rfft2(label)[:, None]


def sample_spectrum(features: torch.Tensor, window: torch.Tensor) -> torch.Tensor:
    """Windowed features ``(N, C, G, G)`` -> their 2-D spectra ``(N, C, G, G // 2 + 1)``."""
    return torch.fft.rfft2(features * window)


def filter_terms(
    spectrum: torch.Tensor, label: torch.Tensor, exact: bool = False
) -> tuple[torch.Tensor, torch.Tensor]:
    """Numerator ``conj(Y) X`` ``(B, C, G, G')`` and denominator: the shared ``sum |X|^2`` ``(B, 1, G, G')``,
    or with ``exact`` the channel covariance ``X X^H`` ``(B, G, G', C, C)`` (`channel_covariance`)."""
    numerator = torch.conj(label) * spectrum
    if exact:
        return numerator, channel_covariance(spectrum)
    denominator = (spectrum.real.square() + spectrum.imag.square()).sum(dim=1, keepdim=True)
    return numerator, denominator


def updated_terms(
    numerator: torch.Tensor,
    denominator: torch.Tensor,
    spectrum: torch.Tensor,
    label: torch.Tensor,
    rate: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """`filter_terms` of a new sample blended into the running ones with a learning ``rate`` ``(B,)``; the
    denominator keeps its form (shared or covariance)."""
    new_numerator, new_denominator = filter_terms(spectrum, label, exact=denominator.dim() == 5)
    r, rd = rate.view(-1, 1, 1, 1), rate.view(-1, *([1] * (denominator.dim() - 1)))
    return (1 - r) * numerator + r * new_numerator, (1 - rd) * denominator + rd * new_denominator


def channel_covariance(spectrum: torch.Tensor) -> torch.Tensor:
    """Per-frequency channel covariance ``x x^H`` ``(B, G, G', C, C)`` of spectra ``(B, C, G, G')``."""
    x = spectrum.permute(0, 2, 3, 1)
    return x[..., :, None] * torch.conj(x[..., None, :])


def exact_filter(numerator: torch.Tensor, covariance: torch.Tensor, lam: float) -> torch.Tensor:
    """The multi-channel ridge solution ``(S + lam I)^-1 r`` per frequency (MCCF, Kiani Galoogahi et al.
    2013), ``(B, C, G, G')``. On one sample it equals the shared-denominator filter; over a history of
    samples it weighs the channels by how they co-vary, which the shared denominator ignores."""
    eye = torch.eye(covariance.shape[-1], dtype=covariance.dtype, device=covariance.device)
    rhs = numerator.permute(0, 2, 3, 1)[..., None]
    return torch.linalg.solve(covariance + lam * eye, rhs)[..., 0].permute(0, 3, 1, 2)


def support_mask(grid: int, extent: torch.Tensor) -> torch.Tensor:
    """Masks ``(B, 1, G, G)`` that are 1 within ``extent`` ``(B, 2)`` cells (w, h) of the patch centre (where
    the filter's template of the target lies) and fade to 0 over one cell outside it."""
    shifts = (torch.arange(grid, device=extent.device, dtype=torch.float32) + 0.5 - grid / 2).abs()
    mx = (extent[:, 0, None].float() / 2 + 1 - shifts[None]).clamp(0, 1)
    my = (extent[:, 1, None].float() / 2 + 1 - shifts[None]).clamp(0, 1)
    return (my[:, :, None] * mx[:, None, :])[:, None]


def constrained_filter(
    numerator: torch.Tensor, denominator: torch.Tensor, lam: float, mask: torch.Tensor | None
) -> torch.Tensor:
    """The filter ``conj(H)`` ``(B, C, G, G')``; with a ``mask``, projected onto filters whose spatial support
    lies within it (one projection of CSR-DCF's constraint: the filter stops learning the background
    around the target, which is what makes it drift when that background moves).

    ``denominator`` is either the shared ``sum |X|^2`` ``(B, 1, G, G')`` of `filter_terms` or a channel
    covariance ``(B, G, G', C, C)`` of `channel_covariance`, which `exact_filter` solves."""
    if denominator.dim() == 5:
        spectrum = exact_filter(numerator, denominator, lam)
    else:
        spectrum = numerator / (denominator + lam)
    if mask is None:
        return spectrum
    grid = mask.shape[-1]
    spatial = torch.fft.irfft2(spectrum, s=(grid, grid)) * mask
    return torch.fft.rfft2(spatial)


def correlate(filter_spectrum: torch.Tensor, spectra: torch.Tensor, grid: int) -> torch.Tensor:
    """Responses ``(B, V, G, G)`` of filters ``(B, C, ...)`` on ``V`` spectra per track ``(B, V, C, ...)``."""
    product = (torch.conj(filter_spectrum)[:, None] * spectra).sum(dim=2)
    return torch.fft.irfft2(product, s=(grid, grid))


def subpixel_peak(response: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Peak value ``(B,)`` and signed shift ``(B, 2)`` (x, y in cells) of maps ``(B, G, G)``, refined by a
    parabola through the peak and its circular neighbours (the correlation is periodic)."""
    batch, grid, _ = response.shape
    flat = response.reshape(batch, -1)
    value, index = flat.max(dim=1)
    row, col = index // grid, index % grid
    rows = torch.arange(batch, device=response.device)

    def refine(minus: torch.Tensor, plus: torch.Tensor) -> torch.Tensor:
        curvature = minus - 2 * value + plus
        offset = 0.5 * (minus - plus) / torch.where(curvature < -1e-12, curvature, torch.full_like(value, -1))
        return torch.where(curvature < -1e-12, offset, torch.zeros_like(offset)).clamp(-0.5, 0.5)

    dx = refine(response[rows, row, (col - 1) % grid], response[rows, row, (col + 1) % grid])
    dy = refine(response[rows, (row - 1) % grid, col], response[rows, (row + 1) % grid, col])
    shift_x = torch.where(col < grid / 2, col, col - grid).float() + dx
    shift_y = torch.where(row < grid / 2, row, row - grid).float() + dy
    return value, torch.stack((shift_x, shift_y), dim=1), index


def centred_map(response: torch.Tensor, size: int) -> torch.Tensor:
    """Maps ``(B, G, G)`` with zero shift moved to the centre, resampled to ``(B, size, size)``.

    After the shift, zero lies at index ``G // 2``; for even ``G`` dropping the first row and column makes
    it the exact middle, so corner-aligned resampling keeps it on the output's centre pixel."""
    grid = response.shape[-1]
    shifted = torch.roll(response, shifts=(grid // 2, grid // 2), dims=(-2, -1))
    if grid % 2 == 0:
        shifted = shifted[:, 1:, 1:]
    out = F.interpolate(shifted[:, None], size=(size, size), mode="bilinear", align_corners=True)
    return out[:, 0]


def sigma_cells(target_cells: torch.Tensor, factor: float) -> torch.Tensor:
    """Label width in cells, proportional to the target's size in cells (``(B, 2)`` -> ``(B,)``)."""
    return factor * torch.sqrt(target_cells.prod(dim=1)).clamp(min=1.0)


def shift_spectrum(spectrum: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Spectra ``(B, C, G, G')`` of the samples translated by ``-shift`` (``(B, 2)`` x, y cells, sub-cell
    allowed): re-centres the search sample on the found target, so it can train the filter without a
    second crop and feature pass."""
    grid = spectrum.shape[-2]
    ky = torch.fft.fftfreq(grid, device=spectrum.device)[:, None]
    kx = torch.fft.rfftfreq(grid, device=spectrum.device)[None, :]
    phase = 2 * torch.pi * (kx[None] * shift[:, 0, None, None] + ky[None] * shift[:, 1, None, None])
    return spectrum * torch.polar(torch.ones_like(phase), phase)[:, None]


def pad_filter(filter_spectrum: torch.Tensor, grid: int, wide: int) -> torch.Tensor:
    """A filter ``(B, C, G, G')`` learned on a ``grid`` as the same spatial filter on a ``wide`` grid: its
    template lies on the patch centre (as `support_mask` keeps it), so zero padding around the patch keeps
    it there, and it can search a window ``wide / grid`` times larger at the same cell size."""
    spatial = torch.fft.irfft2(filter_spectrum, s=(grid, grid))
    before = (wide - grid) // 2
    spatial = torch.nn.functional.pad(spatial, (before, wide - grid - before, before, wide - grid - before))
    return torch.fft.rfft2(spatial)
