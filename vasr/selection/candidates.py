"""Selection among every candidate track: several trackers, each run both ways (`TrackerSet`).

The paper chooses per frame between two candidates, the forward and the backward track. With a tracker set
every member's forward and backward track is a candidate, and each is scored by the T-Assess net of its own
member (one F-Net and B-Net per tracker: a net learns what a good box looks like in its tracker's
response map). The first member is the precise one (dcf-accurate's box is tighter than a Siamese tracker's
at the same score): a later member's result is kept only where its score beats the first's by
`SWITCH_MARGIN`, so its scores count that much lower throughout. Choosing the best of those scores per
frame is done in two steps that give the same choice: per direction, the best member (`kept_candidates`),
then the paper's selection between the two directions. So everything after selection (fusion, failure
flags, refinement, suggestions) reads one forward and one backward result per frame, as with one tracker.

What one tracker cannot see, two can. Where the kept box overlaps none of another member's tracks
(`witness_overlap` below `WITNESS_IOU`), the trackers saw the target in different places and at least one
is wrong however confident: the frame is flagged for a human like a frame every candidate scores below the
threshold. Where the two kept directions have parted and their scores are too close to tell them apart
(`undecided`), keeping either is a coin toss between two places: that frame is flagged too (the paper's
selection trusts the better score, which here says nothing). A frame between two flagged frames is flagged
too (`fill_flag_gaps`): the witness tests each frame on its own, and where a lost box hovers around the
witness's overlap one frame of a lost stretch can pass. Where the members' tracks part
(`tracker_disagreement`), the frame's doubt rises (`vasr.selection.suggest`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from vasr.directions import DIRECTIONS
from vasr.geometry.boxes import box_iou
from vasr.tracking.snippets import DirectionTracks, SequenceTracks

PARTED_IOU = 0.5
"""Two trackers' boxes overlapping less than this have parted: at most one of them can be on the target with
the overlap a usable box needs."""
SWITCH_MARGIN = 0.3  # how much better a later member must score to replace the first's box (real fold 0)
WITNESS_IOU = 0.3  # a kept box overlapping no other member's track less than this is flagged (real fold 0)
TIE_MARGIN = 0.03  # parted directions whose scores differ less than this are undecided (real fold 0)


def kept_candidates(
    tracks: SequenceTracks, scores: Sequence[tuple[np.ndarray, np.ndarray]], margin: float = SWITCH_MARGIN
) -> tuple[SequenceTracks, np.ndarray, np.ndarray, np.ndarray]:
    """Per frame and direction, the best-scored member's result among ``tracks.candidates`` (``scores[k]``
    are member ``k``'s forward and backward scores, NaN where it has no result; every member after the first
    counts ``margin`` lower). Returns the tracks of those results (the candidates kept alongside), their
    forward and backward scores (so counted), and ``(2, N)`` which member each came from (-1: none)."""
    members = tracks.candidates
    if len(scores) != len(members):
        raise ValueError(f"{len(scores)} members' scores for {len(members)} candidates' tracks")
    scores = [(f - margin * (k > 0), b - margin * (k > 0)) for k, (f, b) in enumerate(scores)]
    kept, kept_scores, sources = {}, [], []
    for d, direction in enumerate(DIRECTIONS):
        results = [getattr(m, direction) for m in members]
        table = np.stack(
            [
                np.where(r.valid, np.nan_to_num(s[d], nan=-np.inf), -np.inf)
                for r, s in zip(results, scores, strict=True)
            ]
        )
        best = table.argmax(axis=0)
        valid = np.stack([r.valid for r in results])[best, np.arange(len(best))]
        kept[direction] = _pick(results, best)
        kept_scores.append(
            np.where(valid, np.stack([s[d] for s in scores])[best, np.arange(len(best))], np.nan)
        )
        sources.append(np.where(valid, best, -1).astype(np.int8))
    view = replace(tracks, forward=kept["forward"], backward=kept["backward"])  # the candidates kept along
    return view, kept_scores[0], kept_scores[1], np.stack(sources)


def _pick(results: list[DirectionTracks], best: np.ndarray) -> DirectionTracks:
    """Frame ``i`` of ``results[best[i]]`` for every frame."""
    frames = np.arange(len(best))
    responses = None
    if all(r.responses is not None for r in results):
        responses = np.stack([r.responses for r in results])[best, frames]
    return DirectionTracks(
        boxes=np.stack([r.boxes for r in results])[best, frames],
        confidences=np.stack([r.confidences for r in results])[best, frames],
        responses=responses,
        valid=np.stack([r.valid for r in results])[best, frames],
    )


def witness_overlap(tracks: SequenceTracks, sources: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """``(N,)`` the highest IoU of each frame's kept box (``direction``: the kept direction of ``tracks``,
    the kept candidates; ``sources``: which member each came from) with any track of another member; NaN
    where no box was kept or no other member has a result."""
    n, members = len(tracks), tracks.candidates
    frames = np.arange(n)
    kept_direction = np.asarray(direction)
    kept = np.full((n, 4), np.nan)
    for d, name in enumerate(DIRECTIONS):
        rows = kept_direction == d
        kept[rows] = getattr(tracks, name).boxes[rows]
    source = np.where(kept_direction >= 0, sources[np.clip(kept_direction, 0, 1), frames], -1)
    best = np.full(n, np.nan)
    for k, member in enumerate(members):
        for name in DIRECTIONS:
            other = getattr(member, name)
            usable = other.valid & (source >= 0) & (source != k)
            iou = box_iou(kept, other.boxes).numpy()
            best = np.where(usable, np.fmax(best, iou), best)
    return best


def undecided(
    tracks: SequenceTracks,
    forward_scores: np.ndarray,
    backward_scores: np.ndarray,
    parted_iou: float = PARTED_IOU,
    margin: float = TIE_MARGIN,
) -> np.ndarray:
    """``(N,)`` the frames whose forward and backward boxes (of ``tracks``, the candidates kept) have parted
    (IoU below ``parted_iou``) while their scores differ by less than ``margin``: at most one is on the
    target and the scores cannot say which."""
    forward, backward = tracks.forward, tracks.backward
    both = forward.valid & backward.valid & np.isfinite(forward_scores) & np.isfinite(backward_scores)
    parted = box_iou(forward.boxes, backward.boxes).numpy() < parted_iou
    tied = np.abs(np.nan_to_num(forward_scores) - np.nan_to_num(backward_scores)) < margin
    return both & parted & tied


def fill_flag_gaps(failure: np.ndarray) -> np.ndarray:
    """``failure`` with every frame whose two neighbours are flagged flagged too: a target lost on both
    sides of a frame is most likely lost on it."""
    failure = np.asarray(failure, dtype=bool)
    filled = failure.copy()
    filled[1:-1] |= failure[:-2] & failure[2:]
    return filled


def tracker_disagreement(tracks: SequenceTracks, parted_iou: float = PARTED_IOU) -> np.ndarray:
    """``(N,)`` in [0, 1]: how far the members' tracks have parted, per frame the worst over directions and
    pairs of members with a result: 0 while their boxes overlap at least ``parted_iou``, rising to 1 as the
    overlap falls to 0. Zeros without candidates."""
    members = tracks.candidates
    parted = np.zeros(len(tracks))
    for direction in DIRECTIONS:
        results = [getattr(m, direction) for m in members]
        for i, a in enumerate(results):
            for b in results[i + 1 :]:
                both = a.valid & b.valid
                iou = box_iou(a.boxes, b.boxes).numpy()
                part = np.clip((parted_iou - iou) / parted_iou, 0.0, 1.0)
                parted = np.maximum(parted, np.where(both, part, 0.0))
    return parted
