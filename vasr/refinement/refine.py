"""Refining the tracked boxes of a whole sequence with a VGRefineNet (any length, no ground truth read).

Windows of L frames cover the sequence (``vasr.selection.windows.window_starts`` with stride L: the last one
is aligned to the end, so a few frames are refined twice; the later window's box is kept). The G-Module reads
the geometry of all L frames of a window; only the frames asked for get a crop and a mask, which is where
the time goes. Annotation asks for the kept direction of each frame only (:func:`refine_kept`): the other
direction's refined box would be thrown away. Only the keyframes' boxes are read (for the templates), so this
is what annotation runs; adapting the net to the keyframes first is the pipeline's separate step."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import default_collate

from vasr.directions import BACKWARD, DIRECTIONS, FORWARD
from vasr.geometry.boxes import cxcywh_to_xywh, xywh_to_cxcywh
from vasr.refinement.dataset import RefineSequence, RefineWindows
from vasr.refinement.model import VGRefineNet

CROPPED_KEYS = ("search", "template", "frames")  # the per-crop entries of a window item


def _pad_crops(items: list[dict[str, Tensor]]) -> list[dict[str, Tensor]]:
    """Windows of one batch with the same number of crops: the shorter ones repeat their last crop (its
    box comes out twice, identical, and is written once)."""
    most = max(len(item["frames"]) for item in items)
    padded = []
    for item in items:
        extra = most - len(item["frames"])
        if extra:
            item = dict(item)
            for key in CROPPED_KEYS:
                item[key] = torch.cat([item[key], item[key][-1:].expand(extra, *item[key].shape[1:])])
        padded.append(item)
    return padded


@torch.no_grad()
def refine_sequence(
    net: VGRefineNet,
    material: RefineSequence,
    frames: dict[str, np.ndarray] | None = None,
    window: int = 20,
    batch_size: int = 8,
) -> dict[str, np.ndarray]:
    """``{"forward": (N, 4), "backward": (N, 4)}``: refined boxes in image pixels at the frames of
    ``frames[direction]`` (``(N,)`` bool; default: every tracked frame), the tracked box elsewhere (NaN where
    not tracked). With ``net.variant == "none"`` the tracked boxes come back unchanged."""
    out = {name: material.direction(name).boxes.copy() for name in DIRECTIONS}
    if net.variant == "none":
        return out
    tracked = {name: material.direction(name).valid for name in DIRECTIONS}
    frames = {name: tracked[name] & (True if frames is None else frames[name]) for name in DIRECTIONS}
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
        crop_frames=frames,
    )
    was_training = net.training
    net.eval()
    try:
        device = next(net.parameters()).device
        for start in range(0, len(windows), batch_size):
            entries = windows.entries[start : start + batch_size]
            items = _pad_crops([windows[i] for i in range(start, start + len(entries))])
            batch = {k: v.to(device) for k, v in default_collate(items).items()}
            boxes, _ = net.refine(batch)
            for row, ((_, d, first), item) in enumerate(zip(entries, items, strict=True)):
                cropped = first + item["frames"].numpy()
                out[DIRECTIONS[d]][cropped] = boxes[row].double().cpu().numpy()
    finally:
        net.train(was_training)
    return out


def refine_kept(
    net: VGRefineNet, material: RefineSequence, direction: np.ndarray, batch_size: int = 8
) -> np.ndarray:
    """``(N, 4)`` refined boxes of the direction kept at each frame (``direction``: FORWARD, BACKWARD or
    NO_DIRECTION per frame); NaN where no direction was kept."""
    direction = np.asarray(direction)
    wanted = {name: direction == d for d, name in enumerate(DIRECTIONS)}
    refined = refine_sequence(net, material, wanted, batch_size=batch_size)
    boxes = np.full((len(direction), 4), np.nan)
    boxes[direction == FORWARD] = refined["forward"][direction == FORWARD]
    boxes[direction == BACKWARD] = refined["backward"][direction == BACKWARD]
    return boxes


def towards(given: np.ndarray, refined: np.ndarray, share: float) -> np.ndarray:
    """``(N, 4)`` boxes ``share`` of the way from ``given`` to ``refined``: centres linearly, sizes
    geometrically (halfway between 10 and 40 px wide is 20 px, an equal factor from each). ``share`` 1 gives
    the refined boxes (the paper's VG-Refine), 0 the given ones. Where ``refined`` is NaN, ``given``.

    Why not always the refined box: on dcf-accurate tracks the adapted refiner's boxes are about as good as
    the tracker's (a little better on one real fold, worse on the other), but their errors are partly
    independent of the tracker's, so the boxes halfway between the two beat both (docs/results.md)."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be in [0, 1], got {share}")
    given, refined = np.asarray(given, dtype=np.float64), np.asarray(refined, dtype=np.float64)
    usable = np.isfinite(refined).all(axis=1, keepdims=True)
    if share == 1.0:  # exactly the refined boxes, as the paper's VG-Refine gives them
        return np.where(usable, refined, given)
    start, end = xywh_to_cxcywh(given).numpy(), xywh_to_cxcywh(refined).numpy()
    centre = (1 - share) * start[:, :2] + share * end[:, :2]
    with np.errstate(divide="ignore", invalid="ignore"):
        size = start[:, 2:] ** (1 - share) * end[:, 2:] ** share
    out = cxcywh_to_xywh(np.concatenate((centre, size), axis=1)).numpy()
    return np.where(usable, out, given)
