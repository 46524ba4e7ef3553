"""Which frames a human box is worth most on: the ranked list vasr asks the annotator to check.

Every frame gets a *doubt* in [0, 1], the IoU its kept box is expected to lose:

* the T-Assess score of the kept box read back as an IoU (:func:`vasr.geometry.expected_iou`, the inverse of
  eq. 2), so doubt = 1 - expected IoU (1 where no box was kept);
* raised where the forward and backward tracks disagree: they started from two human boxes, so when they
  part at least one is wrong, and T-Assess can be confidently wrong about a tracker that is confidently
  wrong (doubt >= ``disagreement_weight`` x (1 - IoU(forward, backward))).

Keyframes have no doubt. Frames with doubt >= ``min_doubt`` form *runs* (a run never crosses a keyframe);
a run is worth the doubt it holds (its length times how bad it is). Suggestions are chosen greedily: the most
valuable run first, on the frame that splits its doubt in two equal halves (so the human box starts new tracks
into both halves). Every run gets one suggestion before any run gets a second (two suggestions never fall in
one run while another run has none); a run's halves are then runs of their own. Failure frames (both
directions below the threshold) have high doubt, so they lie in runs and are covered by the same list: there
is one list of frames to check, not two notions.

Frames only one track reaches come first: before the first human box and after the last there is no
second track to disagree, so a confident drift there looks fine to every other signal. Each such stretch is
asked at its far end (the last frame of the video, or its first), longest stretch first: a box there gives
the whole stretch a second track.

The values are comparable across sequences (expected IoU mass), so a simulated annotator or a review page
can also rank the suggestions of many sequences together.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import torch

from vasr.geometry.boxes import box_iou
from vasr.geometry.quality import expected_iou

MIN_DOUBT = 0.15  # expected IoU of the kept box below 0.85: a frame worth a look
DISAGREEMENT_WEIGHT = 1.0


@dataclass(frozen=True)
class SuggestionRule:
    """The two knobs of the ranking (module docstring)."""

    min_doubt: float = MIN_DOUBT
    disagreement_weight: float = DISAGREEMENT_WEIGHT


@dataclass(frozen=True)
class Suggestion:
    """One frame to box, with why."""

    frame: int
    rank: int  # 1 = the first frame to box
    value: float  # the doubt of the run it was chosen in (expected IoU mass lost there)
    run: tuple[int, int]  # first and last frame of that run
    reason: str = "low score"  # or "disagreement" (the two tracks part), "unchecked" (only one track)


def frame_doubt(
    quality: np.ndarray,
    forward_boxes: np.ndarray,
    backward_boxes: np.ndarray,
    forward_valid: np.ndarray,
    backward_valid: np.ndarray,
    is_keyframe: np.ndarray,
    disagreement_weight: float = DISAGREEMENT_WEIGHT,
) -> np.ndarray:
    """``(N,)`` doubt of every frame (see the module docstring); 0 at keyframes."""
    score, disagreement = doubt_parts(quality, forward_boxes, backward_boxes, forward_valid, backward_valid)
    doubt = np.maximum(score, disagreement_weight * disagreement)
    return np.where(np.asarray(is_keyframe, bool), 0.0, doubt)


def doubt_parts(
    quality: np.ndarray,
    forward_boxes: np.ndarray,
    backward_boxes: np.ndarray,
    forward_valid: np.ndarray,
    backward_valid: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """``(N,)`` each: the doubt the score gives (1 - its expected IoU) and the two tracks' disagreement
    (1 - their IoU, 0 where one is missing)."""
    score = 1.0 - expected_iou(torch.from_numpy(np.asarray(quality, dtype=np.float64))).numpy()
    both = np.asarray(forward_valid, bool) & np.asarray(backward_valid, bool)
    disagreement = np.where(both, 1.0 - box_iou(forward_boxes, backward_boxes).numpy(), 0.0)
    return np.where(np.isfinite(score), score, 1.0), disagreement


def unchecked_stretches(
    forward_valid: np.ndarray, backward_valid: np.ndarray, keyframes: np.ndarray
) -> list[tuple[int, int, int]]:
    """``(first, last, frame to ask)`` of the stretches only one track reaches: before the first keyframe
    (asked at frame 0) and after the last (asked at the last frame), where some frame has a box."""
    n, keys = len(forward_valid), np.sort(np.asarray(keyframes, dtype=np.int64))
    if not len(keys):
        return []
    stretches = [(0, int(keys[0]) - 1, 0, backward_valid), (int(keys[-1]) + 1, n - 1, n - 1, forward_valid)]
    return [
        (
            a,
            b,
            ask,
        )
        for a, b, ask, valid in stretches
        if a <= b and np.asarray(valid)[a : b + 1].any()
    ]


def doubt_runs(doubt: np.ndarray, min_doubt: float = MIN_DOUBT) -> list[tuple[int, int]]:
    """First and last frame of every maximal run of frames with doubt >= ``min_doubt`` (keyframes, whose
    doubt is 0, end runs)."""
    low = np.concatenate([[False], np.asarray(doubt) >= min_doubt, [False]])
    edges = np.flatnonzero(np.diff(low.astype(np.int8)))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def _split_frame(doubt: np.ndarray, first: int, last: int) -> int:
    """The frame of ``first..last`` where the run's doubt is cut in two equal halves."""
    mass = np.cumsum(doubt[first : last + 1])
    return first + int(np.searchsorted(mass, mass[-1] / 2.0))


def suggest_frames(
    doubt: np.ndarray,
    count: int,
    min_doubt: float = MIN_DOUBT,
    unchecked: list[tuple[int, int, int]] = (),  # type: ignore[assignment]
) -> list[Suggestion]:
    """Up to ``count`` frames to box, ranked (see the module docstring): the ``unchecked`` stretches'
    frames first, longest stretch first, then the doubtful runs. Fewer when both run out: a sequence vasr
    trusts everywhere gets no suggestion."""
    doubt = np.array(doubt, dtype=np.float64)
    chosen: list[Suggestion] = []
    for first, last, ask in sorted(unchecked, key=lambda s: s[0] - s[1])[:count]:
        value = float(doubt[first : last + 1].sum())
        chosen.append(Suggestion(ask, len(chosen) + 1, value, (first, last), "unchecked"))
        doubt[ask] = 0.0  # asked already: it splits the doubtful run it lies in
    heap: list[tuple[int, float, int, int]] = []  # (generation, -value, first, last)
    for first, last in doubt_runs(doubt, min_doubt):
        heapq.heappush(heap, (0, -float(doubt[first : last + 1].sum()), first, last))
    while heap and len(chosen) < count:
        generation, value, first, last = heapq.heappop(heap)
        frame = _split_frame(doubt, first, last)
        chosen.append(Suggestion(frame, len(chosen) + 1, -value, (first, last)))
        for a, b in ((first, frame - 1), (frame + 1, last)):
            if a <= b:
                heapq.heappush(heap, (generation + 1, -float(doubt[a : b + 1].sum()), a, b))
    return chosen
