"""The keyframe schedule: which frames a human boxes, and the snippets they cut a video into.

The paper boxes one frame in every K = 30 (3.3% of frames). Every snippet must end on a keyframe so that
backward tracking has a start, hence the last frame is a keyframe too by default (the peers' protocol:
first frame, every 30th, and the last).
"""

from __future__ import annotations

import operator

import numpy as np


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
