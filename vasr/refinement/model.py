"""VGRefineNet: the refiner with the paper's ablation variants (Table 3) behind one switch.

* ``"none"`` (w/o-Refine): the identity; the input box is the output.
* ``"v"`` (V-Refine): the visual mask S~ alone: ``S = S~``.
* ``"vi"`` (VI-Refine): S~ weighted by a *hand-made* geometric prior instead of the G-Module:
  ``S = S~ * W(theta_VI)`` with eq. 1's Gaussian centred on the distance-blended forward/backward box of the
  frame (``vasr.baselines.blend.blend_by_distance``: in snippet (a, b) frame i takes (b - i) / (b - a) of
  the forward box and the rest of the backward box: the natural hand-made geometric model, after
  Kuznetsova et al.'s visual interpolation), with ``sigma = vi_sigma_scale * (w, h)`` of that box and
  ``alpha = vi_alpha`` (1: W is 0.78 on the blended box's edges, 0.37 one box width from its centre). Where
  the blend has no box W is 1 (pure V). VI has no parameters of its own: it reuses a V model's MaskNet.
* ``"vg"`` (VG-Refine): ``S = S~ * W(theta)`` with theta from the learned G-Module (eq. 1).

Input batch (what ``datamodules.refine_windows`` serves; B windows of L frames, K of them with image crops):
``search (B, K, 3, P, Q)`` and ``template (B, K, 3, T1, T2)`` in [0, 1], ``frames (B, K)`` (which of the L
frames the crops are), ``maps (B, L, S, S)``, ``boxes (B, L, 4)`` (corners / image size), ``conf (B, L)``,
``extras (B, L, 12)``, ``backward (B,)``, ``regions (B, L, 4)`` and ``input_boxes (B, L, 4)`` in image pixels,
``prior_crop (B, L, 4)`` in crop pixels (NaN where none)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
from torch import Tensor, nn

from vasr.layers import Temporal
from vasr.refinement.crops import template_size
from vasr.refinement.gmodule import GModule, weight_maps
from vasr.refinement.inference import DEFAULT_TAU, refine_boxes
from vasr.refinement.visual import MaskNet

Variant = Literal["none", "v", "vi", "vg"]
VARIANTS: tuple[str, ...] = ("none", "v", "vi", "vg")


def at_frames(values: Tensor, frames: Tensor) -> Tensor:
    """Rows ``frames (B, K)`` of per-frame ``values (B, L, ...)`` -> ``(B, K, ...)``."""
    index = frames.long().view(*frames.shape, *([1] * (values.ndim - 2))).expand(-1, -1, *values.shape[2:])
    return values.gather(1, index)


def handmade_theta(prior_crop: Tensor, alpha: float = 1.0, sigma_scale: float = 1.0) -> tuple[Tensor, Tensor]:
    """VI-Refine's theta ``(..., 5)`` from prior boxes in crop pixels, and where a prior exists ``(...,)``."""
    ok = torch.isfinite(prior_crop).all(-1) & (prior_crop[..., 2] > 0) & (prior_crop[..., 3] > 0)
    x, y, w, h = torch.where(ok[..., None], prior_crop, torch.ones_like(prior_crop)).unbind(-1)
    theta = torch.stack(
        (x + w / 2, y + h / 2, sigma_scale * w, sigma_scale * h, torch.full_like(w, alpha)), dim=-1
    )
    return theta, ok


@dataclass
class RefineOutput:
    """Masks of the K cropped frames (None for ``"none"``) and the G-Module's theta of all L frames."""

    mask: Tensor | None  # S (B, K, P, Q): what the boxes are read from and what the loss trains
    initial: Tensor | None  # S~ (B, K, P, Q)
    weight: Tensor | None  # W (B, K, P, Q); None for "v" and "none"
    theta: Tensor | None  # (B, L, 5) for "vg", (B, K, 5) hand-made for "vi", else None


class VGRefineNet(nn.Module):
    """MaskNet + G-Module (see the module docstring for the variants and the batch layout).

    Args:
        variant: "none", "v", "vi" or "vg"; may be switched after training among the variants whose parts
            exist (a "vg" net also answers as "v"/"vi" with its own MaskNet).
        crop_size: P = Q, the side of the search crops.
        context: search region = box times this (2 in the paper).
        template_context: template region = keyframe box times this.
        decoder_width, pretrained, train_blocks, mask_head, mask_prior: the MaskNet
            (``vasr.refinement.visual``).
        g_channels, g_width, g_hidden, g_layers, temporal, extras: the G-Module
            (``vasr.refinement.gmodule``).
        vi_alpha, vi_sigma_scale: VI-Refine's hand-made Gaussian.
        tau: inference threshold on the aggregates.

    How a copy of the MaskNet adapts to a sequence's keyframes before refining it is not the net's business:
    that is a step of the pipeline (``vasr.refinement.adaptation``), with its settings beside the net.
    """

    def __init__(
        self,
        variant: Variant = "vg",
        crop_size: int = 96,
        context: float = 2.0,
        template_context: float = 1.0,
        decoder_width: int = 32,
        pretrained: bool = True,
        train_blocks: int = 0,
        mask_head: Literal["separable", "dense"] = "separable",
        mask_prior: float = 3.0,
        g_channels: int = 8,
        g_width: int = 16,
        g_hidden: int = 64,
        g_layers: int = 2,
        temporal: Temporal = "lstm",
        extras: bool = True,
        vi_alpha: float = 1.0,
        vi_sigma_scale: float = 1.0,
        tau: float = DEFAULT_TAU,
    ) -> None:
        config = {k: v for k, v in locals().items() if k not in ("self", "__class__")}
        super().__init__()
        self.config = config  # what a checkpoint records to build the net again (vasr.checkpoints)
        if variant not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
        self.size = (int(crop_size), int(crop_size))
        self.context, self.template_context = float(context), float(template_context)
        self.template_size = template_size(self.size, self.context, self.template_context)
        self.vi_alpha, self.vi_sigma_scale, self.tau = float(vi_alpha), float(vi_sigma_scale), float(tau)
        self.mask_net = None
        if variant != "none":
            self.mask_net = MaskNet(
                self.template_size, decoder_width, pretrained, train_blocks, mask_head, mask_prior
            )
        self.g_module = None
        if variant == "vg":
            self.g_module = GModule(g_channels, g_width, g_hidden, g_layers, temporal, extras)
        self._variant = variant

    @property
    def variant(self) -> str:
        return self._variant

    @variant.setter
    def variant(self, value: str) -> None:
        if value not in VARIANTS:
            raise ValueError(f"variant must be one of {VARIANTS}, got {value!r}")
        if value != "none" and self.mask_net is None:
            raise ValueError(f"a net built as 'none' has no MaskNet for variant {value!r}")
        if value == "vg" and self.g_module is None:
            raise ValueError("variant 'vg' needs a net built with its G-Module (variant='vg')")
        self._variant = value

    def check_batch(self, batch: dict[str, Tensor]) -> None:
        """The crops must have the sizes this net was built for (the data module crops them)."""
        if "search" in batch and tuple(batch["search"].shape[-2:]) != self.size:
            raise ValueError(
                f"search crops of {tuple(batch['search'].shape[-2:])}, the net expects {self.size}"
            )
        if "template" in batch and tuple(batch["template"].shape[-2:]) != self.template_size:
            raise ValueError(
                f"templates of {tuple(batch['template'].shape[-2:])}, the net expects {self.template_size}"
            )

    def theta(self, batch: dict[str, Tensor]) -> Tensor:
        """The G-Module's theta ``(B, L, 5)`` for every frame of the windows."""
        if self.g_module is None:
            raise ValueError("this net has no G-Module")
        extras = batch.get("extras") if self.g_module.extras else None
        return self.g_module(
            batch["maps"], batch["boxes"], batch["conf"], extras, batch["backward"], self.size
        )

    def forward(self, batch: dict[str, Tensor]) -> RefineOutput:
        if self.variant == "none":
            return RefineOutput(None, None, None, None)
        self.check_batch(batch)
        initial = self.mask_net(batch["search"], batch["template"])
        if self.variant == "v":
            return RefineOutput(initial, initial, None, None)
        if self.variant == "vi":
            prior = at_frames(batch["prior_crop"], batch["frames"]).to(initial.dtype)
            theta, ok = handmade_theta(prior, self.vi_alpha, self.vi_sigma_scale)
            weight = torch.where(ok[..., None, None], weight_maps(theta, self.size), torch.ones_like(initial))
            return RefineOutput(initial * weight, initial, weight, theta)
        theta = self.theta(batch)
        weight = weight_maps(at_frames(theta, batch["frames"]), self.size)
        return RefineOutput(initial * weight, initial, weight, theta)

    @torch.no_grad()
    def refine(self, batch: dict[str, Tensor], output: RefineOutput | None = None) -> tuple[Tensor, Tensor]:
        """Refined boxes ``(B, K, 4)`` in image pixels for the K cropped frames, and where the mask found a
        box (``found``; elsewhere the input box is kept, see ``vasr.refinement.inference``)."""
        frames = batch["frames"]
        inputs = at_frames(batch["input_boxes"], frames)
        output = self(batch) if output is None else output
        if output.mask is None:
            return inputs.clone(), torch.zeros(inputs.shape[:-1], dtype=torch.bool, device=inputs.device)
        regions = at_frames(batch["regions"], frames)
        boxes, found = refine_boxes(output.mask.double(), regions.double(), inputs.double(), self.tau)
        return boxes.to(inputs.dtype), found
