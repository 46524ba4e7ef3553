"""The keyframe schedule: which frames a human boxes, and the snippets they cut a video into.

The paper boxes one frame in every K = 30 (3.3% of frames). Every snippet must end on a keyframe so that
backward tracking has a start, hence the last frame is a keyframe too by default (the peers' protocol:
first frame, every 30th, and the last).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np


class SequenceLike(Protocol):
    boxes: np.ndarray
    visible: np.ndarray


def keyframe_indices(num_frames: int, interval: int = 30, include_last: bool = True) -> np.ndarray:
    """Sorted int64 keyframe indices ``0, K, 2K, ...`` plus ``num_frames - 1`` when ``include_last``.

    A sequence shorter than the interval gets its first and last frame (just ``[0]`` for a single frame).
    """
    num_frames, interval = operator.index(num_frames), operator.index(interval)
    if num_frames < 1:
        raise ValueError(f"num_frames must be at least 1, got {num_frames}")
    if interval < 1:
        raise ValueError(f"interval must be at least 1, got {interval}")
    indices = np.arange(0, num_frames, interval, dtype=np.int64)
    if include_last and indices[-1] != num_frames - 1:
        indices = np.append(indices, np.int64(num_frames - 1))
    return indices


def keyframe_mask(num_frames: int, interval: int = 30, include_last: bool = True) -> np.ndarray:
    """Boolean (num_frames,) mask of :func:`keyframe_indices`."""
    indices = keyframe_indices(num_frames, interval, include_last)
    mask = np.zeros(operator.index(num_frames), dtype=bool)
    mask[indices] = True
    return mask


def snippets(keyframes: np.ndarray | list[int]) -> list[tuple[int, int]]:
    """Consecutive keyframe pairs ``(start, end)``; both ends are keyframes and belong to the snippet.

    Forward tracking starts at ``start``, backward tracking at ``end``. Fewer than two keyframes: no snippet.
    """
    keys = np.asarray(keyframes, dtype=np.int64).reshape(-1)
    if np.any(np.diff(keys) <= 0):
        raise ValueError(f"keyframes must be strictly increasing, got {keys.tolist()}")
    return [(int(a), int(b)) for a, b in zip(keys[:-1], keys[1:], strict=True)]


def enclosing_keyframes(keyframes: np.ndarray | list[int], num_frames: int) -> tuple[np.ndarray, np.ndarray]:
    """``(before, after)``, each ``(num_frames,)``: the last keyframe at or before every frame and the first
    at or after it (a keyframe encloses itself); before the first keyframe both are the first, after the
    last both are the last. What a weighting by the distance to the snippet's ends reads."""
    keys = np.asarray(keyframes, dtype=np.int64).reshape(-1)
    frames = np.arange(operator.index(num_frames))
    before = keys[np.clip(np.searchsorted(keys, frames, side="right") - 1, 0, len(keys) - 1)]
    after = keys[np.clip(np.searchsorted(keys, frames, side="left"), 0, len(keys) - 1)]
    return before, after


def snippet_progress(keyframes: np.ndarray | list[int], num_frames: int) -> np.ndarray:
    """``(num_frames,)``: how far each frame lies into its snippet, ``(i - a) / (b - a)`` in ``(0, 1)``
    between consecutive keyframes ``a < b``; NaN on keyframes and outside the first and last. The forward
    track of a snippet starts at progress 0, the backward one at 1."""
    before, after = enclosing_keyframes(keyframes, num_frames)
    span = (after - before).astype(np.float64)
    frames = np.arange(operator.index(num_frames))
    return np.where(span > 0, (frames - before) / np.where(span > 0, span, 1.0), np.nan)


@dataclass(frozen=True)
class Keyframes:
    """The human's boxes: the frames a person boxed, each box (NaN where they said "target absent") and
    whether the target is there. Its own value, never ground truth: stages that start from the human (the
    tracker, assembly, the refiner's adaptation) read it, metrics read the sequence's ground truth.

    A dataset run simulates the human with the ground truth on a schedule (`Keyframes.of`); a video's
    keyframe file and the annotator's corrections give it directly."""

    indices: np.ndarray  # (K,) int64, strictly increasing
    boxes: np.ndarray  # (K, 4) float64 x, y, w, h (0-based), NaN where absent
    visible: np.ndarray  # (K,) bool
    # (K,) bool: absent "until the next box" (out of view, CVAT's outside): every frame up to the next
    # keyframe is absent too, by the human's word; empty = none
    outside: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def __post_init__(self) -> None:
        outside = self.outside if len(self.outside) else np.zeros(len(np.reshape(self.indices, -1)), bool)
        object.__setattr__(self, "outside", np.asarray(outside, dtype=bool).reshape(-1))
        object.__setattr__(self, "indices", np.asarray(self.indices, dtype=np.int64).reshape(-1))
        object.__setattr__(self, "boxes", np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4))
        object.__setattr__(self, "visible", np.asarray(self.visible, dtype=bool).reshape(-1))
        if not len(self.indices) == len(self.boxes) == len(self.visible) == len(self.outside):
            raise ValueError(
                f"{len(self.indices)} keyframes, {len(self.boxes)} boxes, "
                f"{len(self.visible)} visibility flags"
            )
        if np.any(np.diff(self.indices) <= 0):
            raise ValueError(f"keyframes must be strictly increasing, got {self.indices.tolist()}")

    def __len__(self) -> int:
        return len(self.indices)

    @staticmethod
    def of(sequence: SequenceLike, indices: np.ndarray | list[int]) -> Keyframes:
        """The ground truth of ``sequence`` at ``indices`` as a simulated human's boxes (the paper's
        protocol); NaN where the target is not visible."""
        keys = np.asarray(indices, dtype=np.int64).reshape(-1)
        n = len(sequence.visible)
        if keys.size and (keys.min() < 0 or keys.max() >= n):
            raise ValueError(f"keyframes {keys.tolist()} outside 0..{n - 1}")
        visible = np.asarray(sequence.visible, dtype=bool)[keys]
        boxes = np.where(visible[:, None], np.asarray(sequence.boxes, dtype=np.float64)[keys], np.nan)
        return Keyframes(keys, boxes, visible)

    def boxes_by_frame(self) -> dict[int, np.ndarray]:
        """``frame -> box`` (NaN where absent)."""
        return {int(k): self.boxes[i] for i, k in enumerate(self.indices)}

    def spans(self, num_frames: int) -> np.ndarray:
        """``(N,)`` bool: the frames the human said are out of view, from an ``outside`` keyframe up to the
        next keyframe (or the end)."""
        mask = np.zeros(num_frames, dtype=bool)
        ends = [*self.indices[1:].tolist(), num_frames]
        for start, end, out in zip(self.indices.tolist(), ends, self.outside, strict=True):
            mask[start:end] = mask[start:end] | bool(out)
        return mask

    def with_boxes(
        self,
        boxes: dict[int, tuple[float, float, float, float] | None],
        outside: frozenset[int] = frozenset(),
    ) -> Keyframes:
        """These keyframes plus ``frame -> box`` (None: absent; in ``outside``: absent until the next box),
        a given frame's box replacing its own: what the annotator's corrections make of them."""
        columns = zip(self.indices, self.boxes, self.visible, self.outside, strict=True)
        merged = {int(k): (b if v else None, bool(o)) for k, b, v, o in columns}
        for f, b in boxes.items():
            merged[int(f)] = (None if b is None else np.asarray(b, np.float64), int(f) in outside)
        frames = sorted(merged)
        values = [np.full(4, np.nan) if merged[f][0] is None else merged[f][0] for f in frames]
        return Keyframes(
            np.array(frames, np.int64),
            np.array(values).reshape(-1, 4),
            [merged[f][0] is not None for f in frames],
            [merged[f][1] for f in frames],
        )
