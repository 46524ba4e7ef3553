"""Evaluation pools frames as the paper does and leaves out keyframes, failures and absent targets."""

from __future__ import annotations

import numpy as np
import pytest

from vasr.annotations import AnnotationSet
from vasr.data import ArrayFrames, Sequence
from vasr.evaluation import score_sequence, summarize_scores


def make_sequence(n: int, visible: np.ndarray | None = None) -> Sequence:
    frames = ArrayFrames([np.zeros((20, 40, 3), np.uint8)] * n)
    boxes = np.tile([0.0, 0.0, 10.0, 10.0], (n, 1))
    return Sequence("s", frames, boxes, np.ones(n, bool) if visible is None else visible)


def test_keyframes_failures_and_absent_targets_are_not_scored() -> None:
    # 6 frames; keyframes 0 and 5; frame 2 is a failure; frame 3 has an absent target.
    sequence = make_sequence(6, visible=np.array([1, 1, 1, 0, 1, 1], bool))
    pred = np.tile([0.0, 0.0, 10.0, 10.0], (6, 1))
    pred[1] = [0.0, 0.0, 10.0, 5.0]  # IoU 0.5
    pred[4] = [5.0, 0.0, 10.0, 10.0]  # IoU 50/150 = 1/3
    annotation = AnnotationSet(pred, keyframes=np.array([0, 5]), failures=np.array([2]))
    scores = score_sequence(sequence, annotation)
    np.testing.assert_array_equal(scores.evaluated, [0, 1, 0, 0, 1, 0])
    summary = scores.summary()
    assert summary["evaluated"] == 2
    assert summary["miou"] == pytest.approx((0.5 + 1 / 3) / 2)
    assert summary["acc50"] == 0.0, "Acc@0.5 is strict: IoU exactly 0.5 does not count"
    assert summary["labour_saved"] == pytest.approx(1 - 3 / 6)
    assert summary["failure_rate"] == pytest.approx(1 / 6)


def test_regular_schedule_is_used_when_no_keyframe_list_is_given() -> None:
    scores = score_sequence(
        make_sequence(7), AnnotationSet(np.tile([0.0, 0.0, 10.0, 10.0], (7, 1))), interval=3
    )
    np.testing.assert_array_equal(np.flatnonzero(scores.is_keyframe), [0, 3, 6])
    assert scores.summary()["miou"] == pytest.approx(1.0)


def test_pooling_is_per_frame_not_per_sequence() -> None:
    perfect = score_sequence(
        make_sequence(12), AnnotationSet(np.tile([0.0, 0.0, 10.0, 10.0], (12, 1))), interval=11
    )
    missing = np.full((3, 4), np.nan)
    empty = score_sequence(make_sequence(3), AnnotationSet(missing, keyframes=np.array([0])))
    pooled = summarize_scores([perfect, empty])
    # 10 perfect frames + 2 frames with no box (IoU 0): a per-sequence mean would say 0.5.
    assert pooled["evaluated"] == 12
    assert pooled["miou"] == pytest.approx(10 / 12)
