"""Direction selection and failure frames (paper section 3.3, Table 2).

Every frame between keyframes has a forward and a backward result, each with a T-Assess score. The paper's
variants:

- ``fwd``: always the forward result; ``bwd``: always the backward one;
- ``sel``: the direction with the higher score;
- ``sel-fail``: as ``sel``, and frames where *both* scores are below the threshold (0: f(IoU) = 0 at
  IoU = 0.5) are failure frames, handed back to a human (and not scored, as in the paper).

A direction without a result (an invisible keyframe could not start it, or the tail after the last keyframe
has no backward run) is never chosen while the other one has a result; a frame with no result in either
direction is always a failure frame in ``sel-fail`` and keeps a NaN box otherwise.

Every flagged frame carries its reason (`FLAG_REASONS`), so the person who checks it knows what to look for:
a frame no tracker reached, one every score doubts, or (with several trackers, `vasr.selection.candidates`)
one where the trackers disagree with confidence."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import torch

from vasr.data.keyframes import enclosing_keyframes
from vasr.geometry.boxes import box_iou
from vasr.geometry.quality import expected_iou
from vasr.tracking.snippets import SequenceTracks

Variant = Literal["fwd", "bwd", "sel", "sel-fail"]
VARIANTS: tuple[str, ...] = ("fwd", "bwd", "sel", "sel-fail")

NO_TRACK = "no track"
LOW_SCORE = "low score"
NO_WITNESS = "no witness"
TIED = "tied"
BETWEEN_FLAGS = "between flags"
FLAG_REASONS: dict[str, str] = {
    NO_TRACK: "no tracker has a box here",
    LOW_SCORE: "every candidate's T-Assess score is below the threshold",
    NO_WITNESS: "no other tracker's track overlaps the kept box: the trackers see the target in two places",
    TIED: "the two directions have parted and their scores are too close to choose between them",
    BETWEEN_FLAGS: "both neighbouring frames are flagged: a target lost on both sides is likely lost here",
}
"""Why a frame is flagged for a human, the first that applies in this order; the review page, the JSON
export and ``suggest.txt`` show it."""


@dataclass(frozen=True)
class Selection:
    """Per frame: the chosen box, which direction it came from (0 forward, 1 backward, -1 none), its score,
    and why the frame is a failure frame for a human to check (a `FLAG_REASONS` key, "" where it is not)."""

    boxes: np.ndarray  # (N, 4) float64, NaN where no result
    direction: np.ndarray  # (N,) int8
    score: np.ndarray  # (N,) float64, NaN where no result
    reason: np.ndarray  # (N,) str

    @property
    def failure(self) -> np.ndarray:
        """``(N,)`` bool, the frames flagged for a human: those with a reason."""
        return self.reason != ""

    def flag(self, frames: np.ndarray, reason: str) -> Selection:
        """This selection with ``frames`` (``(N,)`` bool) flagged too; a frame already flagged keeps its
        first reason."""
        if reason not in FLAG_REASONS:
            raise ValueError(f"unknown flag reason {reason!r}; known: {', '.join(FLAG_REASONS)}")
        new = np.asarray(frames, dtype=bool) & ~self.failure
        return replace(self, reason=np.where(new, reason, self.reason))


def select_directions(
    forward_boxes: np.ndarray,
    backward_boxes: np.ndarray,
    forward_scores: np.ndarray,
    backward_scores: np.ndarray,
    forward_valid: np.ndarray,
    backward_valid: np.ndarray,
    variant: Variant = "sel-fail",
    threshold: float = 0.0,
    is_keyframe: np.ndarray | None = None,
) -> Selection:
    """Choose a result per frame according to ``variant`` (see the module docstring). Keyframes (human
    boxes, given by ``is_keyframe``) are never failure frames."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {VARIANTS}, got {variant!r}")
    fwd_ok = np.asarray(forward_valid, bool) & np.isfinite(forward_boxes).all(axis=1)
    bwd_ok = np.asarray(backward_valid, bool) & np.isfinite(backward_boxes).all(axis=1)
    f_score = np.where(fwd_ok, np.nan_to_num(np.asarray(forward_scores, float), nan=-np.inf), -np.inf)
    b_score = np.where(bwd_ok, np.nan_to_num(np.asarray(backward_scores, float), nan=-np.inf), -np.inf)
    if variant == "fwd":
        use_backward = ~fwd_ok & bwd_ok
    elif variant == "bwd":
        use_backward = bwd_ok
    else:
        use_backward = (b_score > f_score) | (~fwd_ok & bwd_ok)
    direction = np.where(use_backward, 1, np.where(fwd_ok, 0, -1)).astype(np.int8)
    boxes = np.where(use_backward[:, None], backward_boxes, forward_boxes).astype(np.float64)
    boxes[direction < 0] = np.nan
    score = np.where(use_backward, b_score, f_score)
    score = np.where(np.isfinite(score), score, np.nan)
    reason = np.full(len(direction), "", dtype=object)
    if variant == "sel-fail":
        asked = np.ones(len(direction), bool) if is_keyframe is None else ~np.asarray(is_keyframe, bool)
        reason[asked & ~(np.maximum(f_score, b_score) >= threshold)] = LOW_SCORE
        reason[asked & (direction < 0)] = NO_TRACK
    return Selection(boxes, direction, score, reason)


def select_tracks(
    tracks: SequenceTracks,
    forward_scores: np.ndarray,
    backward_scores: np.ndarray,
    variant: Variant = "sel-fail",
    threshold: float = 0.0,
) -> Selection:
    """`select_directions` over a tracked sequence; keyframes are never failures."""
    is_keyframe = np.zeros(len(tracks), bool)
    is_keyframe[np.asarray(tracks.keyframes, dtype=np.int64)] = True
    return select_directions(
        tracks.forward.boxes,
        tracks.backward.boxes,
        forward_scores,
        backward_scores,
        tracks.forward.valid,
        tracks.backward.valid,
        variant=variant,
        threshold=threshold,
        is_keyframe=is_keyframe,
    )


@dataclass(frozen=True)
class Fusion:
    """When the two directions agree, their mean is a better box than either (two trackers' errors partly
    cancel): where both have a result and IoU(forward, backward) >= ``min_agreement``, the kept box is the
    mean of both, each weighted by its expected IoU (its T-Assess score read back, to the ``power``) over
    its distance in frames from the keyframe it started on. Where they disagree, selection stands."""

    min_agreement: float = 0.5
    power: float = 2.0


def fuse_agreeing(
    tracks: SequenceTracks,
    selection: Selection,
    forward_scores: np.ndarray,
    backward_scores: np.ndarray,
    fusion: Fusion,
) -> Selection:
    """``selection`` with its boxes fused where the directions agree (see `Fusion`); directions, scores and
    failure flags are kept (the better-scored direction stays the kept one)."""
    forward, backward = tracks.forward, tracks.backward
    both = (
        forward.valid
        & backward.valid
        & np.isfinite(forward.boxes).all(1)
        & np.isfinite(backward.boxes).all(1)
    )
    fuse = both & (box_iou(forward.boxes, backward.boxes).numpy() >= fusion.min_agreement)
    if not fuse.any():
        return selection
    before, after = enclosing_keyframes(tracks.keyframes, len(tracks))
    frames = np.arange(len(tracks))
    trust_f = expected_iou(torch.from_numpy(np.nan_to_num(forward_scores, nan=-1.0))).numpy() ** fusion.power
    trust_b = expected_iou(torch.from_numpy(np.nan_to_num(backward_scores, nan=-1.0))).numpy() ** fusion.power
    weight_f = trust_f / np.maximum(frames - before, 1)
    weight_b = trust_b / np.maximum(after - frames, 1)
    total = weight_f + weight_b
    share_f = np.where(total > 0, weight_f / np.where(total > 0, total, 1.0), 0.5)
    mean = share_f[:, None] * forward.boxes + (1 - share_f[:, None]) * backward.boxes  # used where both exist
    return replace(selection, boxes=np.where(fuse[:, None], mean, selection.boxes))
