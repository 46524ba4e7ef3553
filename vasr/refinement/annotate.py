"""Refining every tracked box of a sequence with a trained VGRefineNet (both directions, any length).

Windows of L frames cover the sequence (``vasr.selection.windows.window_starts`` with stride L: the last one
is aligned to the end, so a few frames are refined twice; the later window's box is kept). Every frame with a
tracked box gets a crop; frames without one keep NaN. The ground truth is not read (only the keyframes'
boxes, for the templates), so this is what annotation runs."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import default_collate

from vasr.refinement.dataset import DIRECTIONS, RefineSequence, RefineWindows
from vasr.refinement.model import VGRefineNet


@torch.no_grad()
def refine_sequence(
    net: VGRefineNet, material: RefineSequence, window: int = 20, batch_size: int = 8
) -> dict[str, np.ndarray]:
    """``{"forward": (N, 4), "backward": (N, 4)}`` refined boxes in image pixels (NaN where not tracked).

    With ``net.variant == "none"`` the tracked boxes come back unchanged."""
    out = {name: material.direction(name).boxes.copy() for name in DIRECTIONS}
    if net.variant == "none":
        return out
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
