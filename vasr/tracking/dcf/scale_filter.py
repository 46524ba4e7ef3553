"""`ScaleFilter`: a one-dimensional correlation filter over scales (DSST), batched across tracks.

The translation filter's own size search (`vasr.tracking.dcf.scale`) compares the peak heights of a few
resized search windows. On vasr's real clips that estimate adds almost nothing to the size interpolated
between the two human boxes, while the true size would be worth 0.025 mIoU (``make bench-tracker``'s error
split). DSST (Danelljan et al., BMVC 2014) learns the target's look at ``S`` sizes around the current one
instead: each size's patch becomes one feature vector, a ridge-regression filter along the scale axis maps
that stack to a Gaussian peaked at the current size, and on the next frame the peak of its response says
by which factor the target grew. Only the target (not the search window's background) is sampled, so the
answer reads the target's own extent."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from vasr.tracking.dcf.crops import crop_windows
from vasr.tracking.dcf.features import colour_features, hog_features


class ScaleFilter:
    """Per-track scale filters over ``scales`` sizes ``step`` apart (log-spaced around the current size).

    ``patch`` is the side in px each sampled size is resampled to (stretched to a square, as the
    translation filter's windows are), ``cell`` the feature cell; ``sigma`` is the label's width in scale
    steps, ``lam`` the ridge penalty. The running numerator and denominator are averaged with each
    `update`'s ``rate``, as the translation filter's are."""

    def __init__(
        self,
        scales: int,
        step: float,
        device: torch.device,
        patch: int = 32,
        cell: int = 4,
        sigma: float = 1.4,
        lam: float = 1e-2,
        padding: float = 1.0,
    ) -> None:
        if scales < 3 or scales % 2 == 0:
            raise ValueError(f"the scale filter needs an odd number of scales >= 3, got {scales}")
        if step <= 1:
            raise ValueError(f"the scale filter's step must be > 1, got {step}")
        self.scales, self.patch, self.cell, self.lam, self.padding = scales, patch, cell, lam, padding
        self.device = device
        self.log_step = float(np.log(step))
        offsets = np.arange(scales, dtype=np.float64) - (scales - 1) / 2
        self.factors = step**offsets  # (S,) size factors of the samples, 1 in the middle
        hann = torch.hann_window(scales + 2, periodic=False, dtype=torch.float32, device=device)[1:-1]
        self.window = hann.view(1, scales, 1)
        label = torch.exp(-0.5 * torch.as_tensor(offsets, dtype=torch.float32, device=device) ** 2 / sigma**2)
        # Peaked at index 0 (circularly), so a response's argmax is directly the scale offset.
        self.label = torch.fft.fft(torch.roll(label, -(scales // 2))).view(1, scales, 1)
        self._numerator: torch.Tensor | None = None
        self._denominator: torch.Tensor | None = None

    def _spectra(self, frames: Sequence[np.ndarray], centres: np.ndarray, sizes: np.ndarray) -> torch.Tensor:
        """Spectra along the scale axis ``(B, S, D)`` of each track's target sampled at every factor."""
        patches = torch.cat(
            [
                crop_windows(frame, centre, size[None] * self.factors[:, None] * self.padding, self.patch, self.device)
                for frame, centre, size in zip(frames, centres, sizes, strict=True)
            ]
        ).mul_(1 / 255)
        features = torch.cat((hog_features(patches, self.cell), colour_features(patches, self.cell)), dim=1)
        vectors = features.reshape(len(frames), self.scales, -1)
        return torch.fft.fft(vectors * self.window, dim=1)

    def initialize(self, frames: Sequence[np.ndarray], centres: np.ndarray, sizes: np.ndarray) -> None:
        """Learn each track's filter on its first box."""
        self._numerator, self._denominator = self._terms(self._spectra(frames, centres, sizes))

    def _terms(self, spectra: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        numerator = torch.conj(self.label) * spectra  # (B, S, D)
        denominator = (spectra.real.square() + spectra.imag.square()).sum(dim=2)  # (B, S)
        return numerator, denominator

    def estimate(self, frames: Sequence[np.ndarray], centres: np.ndarray, sizes: np.ndarray) -> np.ndarray:
        """Size factor ``(B,)`` of each track's target now, around ``sizes`` at ``centres``: the response's
        peak along the scale axis, refined between samples by a parabola through its neighbours."""
        if self._numerator is None or self._denominator is None:
            raise RuntimeError("ScaleFilter.estimate() called before initialize()")
        spectra = self._spectra(frames, centres, sizes)
        response_spectrum = (torch.conj(self._numerator) * spectra).sum(dim=2) / (self._denominator + self.lam)
        response = torch.fft.ifft(response_spectrum, dim=1).real  # (B, S), index 0 = no change
        best = response.argmax(dim=1)
        rows = torch.arange(len(best), device=response.device)
        left = response[rows, (best - 1) % self.scales]
        right = response[rows, (best + 1) % self.scales]
        centre = response[rows, best]
        curvature = left + right - 2 * centre
        offset = torch.where(curvature < -1e-12, 0.5 * (left - right) / curvature.clamp(max=-1e-12), 0.0 * centre)
        offset = offset.clamp(-0.5, 0.5)
        index = best.double() + offset.double()
        index = torch.where(index > self.scales / 2, index - self.scales, index)  # circular -> signed steps
        return np.exp(index.cpu().numpy() * self.log_step)

    def update(
        self, frames: Sequence[np.ndarray], centres: np.ndarray, sizes: np.ndarray, rate: torch.Tensor
    ) -> None:
        """Blend a sample at each track's new box into its filter with ``rate`` ``(B,)`` (0: no update)."""
        if self._numerator is None or self._denominator is None:
            raise RuntimeError("ScaleFilter.update() called before initialize()")
        if not bool((rate > 0).any()):
            return
        numerator, denominator = self._terms(self._spectra(frames, centres, sizes))
        r = rate.view(-1, 1).to(denominator.dtype)
        self._numerator = (1 - r[..., None]) * self._numerator + r[..., None] * numerator
        self._denominator = (1 - r) * self._denominator + r * denominator
