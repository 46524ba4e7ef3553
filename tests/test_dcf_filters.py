"""Specification of the correlation filter's solvers (`vasr.tracking.dcf.filters`): the shared-denominator
filter of DSST/MOSSE and the exact multi-channel ridge solution (MCCF) that ``dcf-accurate`` learns."""

from __future__ import annotations

import torch

from vasr.tracking.dcf import filters

GRID, CHANNELS, LAM = 8, 5, 0.5


def _spectra(samples: int, seed: int) -> torch.Tensor:
    """Spectra ``(samples, C, G, G')`` whose channels co-vary (each a mix of two shared sources), as HOG
    bins of one edge do."""
    generator = torch.Generator().manual_seed(seed)
    sources = torch.randn(samples, 2, GRID, GRID, generator=generator)
    mixing = torch.randn(CHANNELS, 2, generator=generator)
    noise = 0.1 * torch.randn(samples, CHANNELS, GRID, GRID, generator=generator)
    return torch.fft.rfft2(torch.einsum("cs,nsxy->ncxy", mixing, sources) + noise)


def _label() -> torch.Tensor:
    return filters.gaussian_label_fft(GRID, torch.tensor([1.0]))


def _ridge_cost(filt: torch.Tensor, spectra: torch.Tensor, label: torch.Tensor) -> float:
    """What both solvers minimise, averaged over the samples: squared error of each sample's response
    against the label, plus ``LAM`` times the filter's energy (per frequency, as the solvers see it)."""
    response = (torch.conj(filt) * spectra).sum(dim=1)  # (N, G, G')
    error = (response - label[:, 0]).abs().square().mean(dim=0)
    return float((error + LAM * filt[0].abs().square().sum(dim=0)).sum())


def test_channel_covariance_is_hermitian_per_frequency() -> None:
    covariance = filters.channel_covariance(_spectra(1, seed=0))
    assert covariance.shape == (1, GRID, GRID // 2 + 1, CHANNELS, CHANNELS)
    assert torch.allclose(covariance, torch.conj(covariance.transpose(-1, -2)))


def test_on_one_sample_the_exact_filter_is_the_shared_denominator_one() -> None:
    spectrum = _spectra(1, seed=1)
    numerator, denominator = filters.filter_terms(spectrum, _label())
    shared = filters.constrained_filter(numerator, denominator, LAM, None)
    exact = filters.constrained_filter(numerator, filters.channel_covariance(spectrum), LAM, None)
    assert torch.allclose(exact, shared, rtol=1e-3, atol=1e-5)


def test_over_several_samples_the_exact_filter_fits_them_better() -> None:
    spectra = _spectra(6, seed=2)
    label = _label()
    numerator = (torch.conj(label) * spectra).mean(dim=0, keepdim=True)
    denominator = (spectra.abs().square()).sum(dim=1, keepdim=True).mean(dim=0, keepdim=True)
    covariance = filters.channel_covariance(spectra).mean(dim=0, keepdim=True)
    shared = filters.constrained_filter(numerator, denominator, LAM, None)
    exact = filters.constrained_filter(numerator, covariance, LAM, None)
    assert _ridge_cost(exact, spectra, label) < 0.8 * _ridge_cost(shared, spectra, label)
    # it is the minimiser: moving away from it in any direction costs
    nudge = 1e-2 * torch.randn(exact.shape, dtype=exact.dtype, generator=torch.Generator().manual_seed(3))
    assert _ridge_cost(exact + nudge, spectra, label) > _ridge_cost(exact, spectra, label)


def test_a_masked_filter_lies_within_its_mask() -> None:
    spectrum = _spectra(1, seed=4)
    numerator, denominator = filters.filter_terms(spectrum, _label())
    mask = filters.support_mask(GRID, torch.tensor([[2.0, 2.0]]))
    filt = filters.constrained_filter(numerator, denominator, LAM, mask)
    spatial = torch.fft.irfft2(filt, s=(GRID, GRID))
    assert spatial[..., mask[0, 0] == 0].abs().max() < 1e-5
    assert spatial[..., mask[0, 0] == 1].abs().max() > 1e-3
