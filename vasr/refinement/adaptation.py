"""Keyframe adaptation: before refining a sequence, fine-tune a copy of the MaskNet on its human keyframes.

Why: a MaskNet trained offline on little data learns its training objects rather than objects in general
(``ablations/refine_diagnostics.py --also-train`` shows it on the real clips). The human keyframes of the
sequence being annotated show the very object, drawn by the very annotator, so a copy of the net learns from
them what a good box of *this* target is: crops around jittered keyframe boxes (as if a tracker had returned
them) must give back the human box, with eq. 5, the loss of offline training.

* Only keyframe boxes are read (``RefineSequence.is_key``), which is what annotation has.
* Each example's template is a *neighbouring* keyframe's (its own would show the answer), as at inference,
  where a frame's template is its start keyframe, up to one keyframe interval away.
* Only the MaskNet adapts. The G-Module reads tracking geometry, and keyframes have none.
* Every step draws fresh jitter: a fixed pool of crops overfits clips with few keyframes.
* The net handed in is never changed: a copy adapts, and is dropped after its sequence.

A sequence with no usable keyframe box (none visible) is refined by the net as it is. This is a step of the
pipeline (``vasr.pipeline.Annotator.adapt``), not a property of the net: its settings travel beside the net
(``vasr.checkpoints.load_refiner`` reads them from a checkpoint).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from vasr.refinement.crops import context_regions, crop_frame, image_to_crop, template_crop
from vasr.refinement.dataset import RefineSequence, jitter_boxes
from vasr.refinement.losses import box_level_loss
from vasr.refinement.model import VGRefineNet


@dataclass(frozen=True)
class KeyframeAdaptation:
    """How a copy of the MaskNet adapts to one sequence's keyframes (``steps=0``: no adaptation).

    Args:
        steps: optimiser steps (Adam).
        lr: its learning rate.
        batch_size: jittered keyframe crops per step.
        shift, scale: the jitter of the keyframe boxes (centre by N(0, shift * size), each side by
            exp(N(0, scale))), about the size of a good tracker's own errors.
        seed: the jitter and the batches are drawn from this seed (same input, same result).
    """

    steps: int = 150
    lr: float = 1e-3
    batch_size: int = 32
    shift: float = 0.1
    scale: float = 0.1
    seed: int = 0


def usable_keyframes(material: RefineSequence) -> np.ndarray:
    """Keyframe indices whose human box can teach: visible, finite, of positive size."""
    gt = material.gt
    ok = material.is_key & np.isfinite(gt).all(1)
    ok[ok] &= (gt[ok, 2] > 0) & (gt[ok, 3] > 0)
    return np.flatnonzero(ok)


def neighbour(keys: np.ndarray, i: int, after_first: bool) -> int:
    """The keyframe whose template an example of ``keys[i]`` uses: the previous or (``after_first``) the
    next keyframe, the other one where that one does not exist, the keyframe itself only when alone."""
    before = keys[i - 1] if i > 0 else None
    after = keys[i + 1] if i + 1 < len(keys) else None
    for choice in (after, before) if after_first else (before, after):
        if choice is not None:
            return int(choice)
    return int(keys[i])


class KeyframeExamples:
    """Draws training batches from a sequence's keyframes: search crops around jittered human boxes, the
    templates of neighbouring keyframes, and the human boxes in crop pixels (frames decoded once)."""

    def __init__(self, net: VGRefineNet, material: RefineSequence, keys: np.ndarray) -> None:
        self.net, self.keys, self.gt = net, keys, material.gt
        self.frames = {int(k): np.asarray(material.sequence.frame(int(k))) for k in keys}
        self.templates = {
            k: template_crop(frame, material.gt[k], net.template_context, net.template_size)
            for k, frame in self.frames.items()
        }

    def batch(
        self, size: int, shift: float, scale: float, generator: torch.Generator
    ) -> tuple[Tensor, Tensor, Tensor]:
        """``search (size, 1, 3, P, Q)``, ``template (size, 1, 3, T1, T2)``, ``target (size, 4)``."""
        picks = torch.randint(len(self.keys), (size,), generator=generator).tolist()
        sides = torch.rand(size, generator=generator).lt(0.5).tolist()
        keys = [int(self.keys[i]) for i in picks]
        truth = self.gt[keys]
        regions = context_regions(
            torch.from_numpy(jitter_boxes(truth, shift, scale, 1.0, generator)), self.net.context
        )
        search = torch.stack(
            [crop_frame(self.frames[k], r, self.net.size) for k, r in zip(keys, regions, strict=True)]
        )
        template = torch.stack(
            [self.templates[neighbour(self.keys, i, s)] for i, s in zip(picks, sides, strict=True)]
        )
        target = image_to_crop(torch.from_numpy(truth), regions, self.net.size)
        return search.float()[:, None], template.float()[:, None], target.float()


def adapt_to_keyframes(net: VGRefineNet, material: RefineSequence, config: KeyframeAdaptation) -> VGRefineNet:
    """A copy of ``net`` whose MaskNet was fine-tuned on ``material``'s keyframes (see the module
    docstring); ``net`` itself when there is nothing to adapt (no MaskNet, ``steps=0``, no usable
    keyframe)."""
    keys = usable_keyframes(material)
    if config.steps <= 0 or net.mask_net is None or len(keys) == 0:
        return net
    examples = KeyframeExamples(net, material, keys)
    adapted = copy.deepcopy(net)
    device = next(adapted.parameters()).device
    parameters = [p for p in adapted.mask_net.parameters() if p.requires_grad]
    optimiser = torch.optim.Adam(parameters, lr=config.lr)
    generator = torch.Generator().manual_seed(config.seed)
    ones = torch.ones(config.batch_size, device=device)
    adapted.train()
    with torch.enable_grad():
        for _ in range(config.steps):
            search, template, target = examples.batch(
                config.batch_size, config.shift, config.scale, generator
            )
            mask = adapted.mask_net(search.to(device), template.to(device))[:, 0]
            loss = box_level_loss(mask, target.to(device), ones)
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    return adapted.eval()
