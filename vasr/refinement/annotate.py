"""Refining every tracked box of a sequence with a trained VGRefineNet (both directions, any length).

Windows of L frames cover the sequence (``vasr.selection.windows.window_starts`` with stride L: the last one
is aligned to the end, so a few frames are refined twice; the later window's box is kept). Every frame with a
tracked box gets a crop; frames without one keep NaN. The ground truth is not read (only the keyframes'
boxes, for the templates and for keyframe adaptation), so this is what annotation runs.

Keyframe adaptation (``vasr.refinement.adaptation``): unless told otherwise, a copy of the net first adapts
its MaskNet to the sequence's keyframes as ``net.adaptation`` says; the net handed in is not changed."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import default_collate

from vasr.refinement.adaptation import KeyframeAdaptation, adapt_to_keyframes
from vasr.refinement.dataset import DIRECTIONS, RefineSequence, RefineWindows
from vasr.refinement.model import VGRefineNet


@torch.no_grad()
def refine_sequence(
    net: VGRefineNet,
    material: RefineSequence,
    window: int = 20,
    batch_size: int = 8,
    adaptation: KeyframeAdaptation | None = None,
) -> dict[str, np.ndarray]:
    """``{"forward": (N, 4), "backward": (N, 4)}`` refined boxes in image pixels (NaN where not tracked).

    ``adaptation`` overrides ``net.adaptation`` (``KeyframeAdaptation(steps=0)``: refine with the net as
    it is). With ``net.variant == "none"`` the tracked boxes come back unchanged."""
    out = {name: material.direction(name).boxes.copy() for name in DIRECTIONS}
    if net.variant == "none":
        return out
    net = adapt_to_keyframes(net, material, net.adaptation if adaptation is None else adaptation)
    windows = RefineWindows(
        [material],
        length=window,
        stride=window,
        frames=None,
        crop_size=net.size[0],
        context=net.context,
        template_context=net.template_context,
        train=False,
        require_target=False,
    )
    was_training = net.training
    net.eval()
    try:
        device = next(net.parameters()).device
        n = len(material)
        for start in range(0, len(windows), batch_size):
            entries = windows.entries[start : start + batch_size]
            items = [windows[i] for i in range(start, start + len(entries))]
            batch = {k: v.to(device) for k, v in default_collate(items).items()}
            boxes, _ = net.refine(batch)
            for row, (_, d, first) in enumerate(entries):
                name = DIRECTIONS[d]
                frames = first + np.arange(window)
                keep = (frames < n) & material.direction(name).valid[np.minimum(frames, n - 1)]
                out[name][frames[keep]] = boxes[row].double().cpu().numpy()[keep]
    finally:
        net.train(was_training)
    return out


def kept_refined_boxes(
    refined: dict[str, np.ndarray], direction: np.ndarray, boxes: np.ndarray
) -> np.ndarray:
    """Selection after refinement: where a direction was kept (``direction`` 0 forward, 1 backward; -1 none)
    its refined box replaces ``boxes``' row; rows without a kept direction stay as they are."""
    chosen = np.where((np.asarray(direction) == 1)[:, None], refined["backward"], refined["forward"])
    kept = np.asarray(direction) >= 0
    out = np.asarray(boxes, dtype=np.float64).copy()
    out[kept] = chosen[kept]
    return out
