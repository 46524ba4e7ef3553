"""Scoring an annotation set against ground truth, per frame and pooled over frames as in the paper.

A frame is *evaluated* when its ground truth is visible, it is not a keyframe (a human boxed it) and it is not
a failure frame (handed back to a human). Accuracy metrics pool every evaluated frame of every sequence;
the labour metrics count all frames.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vasr.annotations.result_dir import AnnotationSet, read_annotation_set
from vasr.data.keyframes import keyframe_mask
from vasr.data.sequence import Sequence
from vasr.geometry.boxes import box_iou
from vasr.metrics import summarize


@dataclass
class FrameScores:
    """Per-frame outcome of one sequence's annotation."""

    name: str
    iou: np.ndarray
    evaluated: np.ndarray
    is_keyframe: np.ndarray
    is_failure: np.ndarray

    def summary(self) -> dict[str, float]:
        return summarize_scores([self])


def score_sequence(
    sequence: Sequence, annotation: AnnotationSet, interval: int = 30, include_last: bool = True
) -> FrameScores:
    """IoU of every frame and the masks that decide which frames count.

    Keyframes come from the annotation set when it lists them, else from the regular schedule."""
    n = len(sequence)
    if len(annotation.boxes) != n:
        raise ValueError(f"{sequence.name}: {len(annotation.boxes)} boxes for {n} frames")
    if annotation.keyframes is not None:
        is_keyframe = np.zeros(n, dtype=bool)
        is_keyframe[annotation.keyframes] = True
    else:
        is_keyframe = keyframe_mask(n, interval=interval, include_last=include_last)
    is_failure = np.zeros(n, dtype=bool)
    if annotation.failures is not None:
        is_failure[annotation.failures] = True
    iou = box_iou(torch.as_tensor(annotation.boxes), torch.as_tensor(sequence.boxes)).numpy()
    evaluated = sequence.visible & ~is_keyframe & ~is_failure
    return FrameScores(sequence.name, iou, evaluated, is_keyframe, is_failure)


def summarize_scores(scores: Iterable[FrameScores]) -> dict[str, float]:
    """The paper's metrics pooled over every frame of every sequence given."""
    scores = list(scores)

    def cat(attr: str) -> torch.Tensor:
        return torch.as_tensor(np.concatenate([getattr(s, attr) for s in scores]))

    return summarize(cat("iou"), cat("evaluated"), cat("is_keyframe"), cat("is_failure"))


def score_annotation_dir(
    sequences: Iterable[Sequence], directory: str | Path, interval: int = 30, include_last: bool = True
) -> list[FrameScores]:
    """Score the annotation files in ``directory`` (see ``vasr.annotations.result_dir``) for each sequence."""
    return [
        score_sequence(
            sequence,
            read_annotation_set(directory, sequence.name, num_frames=len(sequence)),
            interval=interval,
            include_last=include_last,
        )
        for sequence in sequences
    ]
