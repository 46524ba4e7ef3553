"""Fixed-length windows over a sequence, and merging the per-window scores back into one score per frame.

T-Assess reads L = 20 consecutive frames at a time. At inference every frame must be scored whatever the
sequence length, so windows overlap (stride <= L), the last one is aligned to the end, and a sequence
shorter than L gets one window padded at the end (the padding is masked out). Every frame's scores from all
windows that hold it are averaged."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def window_starts(num_frames: int, length: int = 20, stride: int = 10) -> np.ndarray:
    """Start indices of windows of ``length`` frames every ``stride`` frames, the last one ending on the
    last frame, so that every frame is covered. A sequence shorter than ``length`` gets the single start 0."""
    if num_frames < 1:
        raise ValueError(f"num_frames must be at least 1, got {num_frames}")
    if length < 1 or not 1 <= stride <= length:
        raise ValueError(f"need length >= 1 and 1 <= stride <= length, got length={length}, stride={stride}")
    last = max(num_frames - length, 0)
    starts = np.arange(0, last + 1, stride, dtype=np.int64)
    if starts[-1] != last:
        starts = np.append(starts, np.int64(last))
    return starts


def window_index(num_frames: int, starts: np.ndarray, length: int) -> tuple[np.ndarray, np.ndarray]:
    """``(W, length)`` frame indices of each window (clamped to the last frame), and which are real."""
    index = starts[:, None] + np.arange(length, dtype=np.int64)[None, :]
    mask = index < num_frames
    return np.minimum(index, num_frames - 1), mask


def merge_window_scores(scores: Tensor, index: np.ndarray, mask: np.ndarray, num_frames: int) -> Tensor:
    """Average the ``(W, length)`` window scores into ``(num_frames,)`` per-frame scores."""
    flat_index = torch.as_tensor(index[mask], device=scores.device)
    values = scores[torch.as_tensor(mask, device=scores.device)]
    total = torch.zeros(num_frames, dtype=scores.dtype, device=scores.device).index_add_(
        0, flat_index, values
    )
    count = torch.zeros(num_frames, dtype=scores.dtype, device=scores.device).index_add_(
        0, flat_index, torch.ones_like(values)
    )
    if bool((count == 0).any()):
        raise ValueError("the windows do not cover every frame")
    return total / count
