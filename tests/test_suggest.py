"""Suggestions: the frames where a human box is worth most, ranked; one per doubtful run before a second."""

from __future__ import annotations

import numpy as np
import pytest

from vasr.geometry.quality import expected_iou, quality_score
from vasr.selection.suggest import doubt_runs, frame_doubt, suggest_frames


def test_expected_iou_inverts_the_quality_score() -> None:
    ious = np.linspace(0.02, 0.98, 49)
    np.testing.assert_allclose(expected_iou(quality_score(ious)).numpy(), ious, atol=1e-9)
    assert float(expected_iou(0.0)) == pytest.approx(0.5)
    assert float(expected_iou(1.0)) == 1.0 and float(expected_iou(-1.0)) == 0.0  # past saturation: clamped


def _doubt(quality, forward=None, backward=None, keyframes=()):  # noqa: ANN001, ANN202
    n = len(quality)
    box = np.tile([10.0, 10.0, 20.0, 20.0], (n, 1))
    forward = box if forward is None else forward
    backward = box if backward is None else backward
    is_key = np.isin(np.arange(n), list(keyframes))
    return frame_doubt(
        np.asarray(quality, float), forward, backward, np.ones(n, bool), np.ones(n, bool), is_key
    )


def test_doubt_is_the_iou_a_score_predicts_to_be_lost() -> None:
    quality = quality_score(np.array([0.9, 0.5, 0.2])).numpy()
    np.testing.assert_allclose(_doubt(quality), [0.1, 0.5, 0.8], atol=1e-9)


def test_disagreeing_directions_raise_the_doubt_of_a_confident_score() -> None:
    confident = quality_score(np.full(3, 0.95)).numpy()
    backward = np.tile([10.0, 10.0, 20.0, 20.0], (3, 1))
    backward[1] = [40.0, 40.0, 20.0, 20.0]  # no overlap with the forward box
    doubt = _doubt(confident, backward=backward)
    assert doubt[0] == pytest.approx(0.05) and doubt[1] == pytest.approx(
        1.0
    )  # the weight (1) times 1 - IoU 0


def test_keyframes_and_frames_without_a_box() -> None:
    doubt = _doubt([np.nan, np.nan, 0.9], keyframes=[0])
    assert doubt[0] == 0.0 and doubt[1] == 1.0


def test_runs_are_maximal_stretches_of_doubtful_frames() -> None:
    doubt = np.array([0.0, 0.5, 0.6, 0.1, 0.9, 0.0, 0.4, 0.4])
    assert doubt_runs(doubt, 0.3) == [(1, 2), (4, 4), (6, 7)]


def test_the_worst_run_first_on_the_frame_that_halves_its_doubt() -> None:
    doubt = np.zeros(100)
    doubt[10:20] = 0.4  # a run worth 4
    doubt[50:90] = 0.9  # a run worth 36, its doubt centred on frame 69/70
    first, second = suggest_frames(doubt, 2)
    assert first.frame in (69, 70) and first.run == (50, 89) and first.rank == 1
    assert second.frame in (14, 15) and second.run == (10, 19)  # every run once before a second in one run


def test_long_runs_get_more_suggestions_after_every_run_has_one() -> None:
    doubt = np.zeros(100)
    doubt[10:12] = 0.4
    doubt[40:100] = 0.9
    frames = [s.frame for s in suggest_frames(doubt, 4)]
    assert frames[1] in (10, 11)  # the small run gets its one before the big one gets a second
    assert all(40 <= f < 100 for f in frames[2:]) and len(set(frames)) == 4
    gaps = np.diff(sorted(frames[:1] + frames[2:]))
    assert gaps.min() >= 10  # the big run's three suggestions are spread over it, not bunched


def test_nothing_doubtful_nothing_suggested() -> None:
    assert suggest_frames(np.full(50, 0.1), 5) == []
    assert len(suggest_frames(np.full(50, 0.5), 500)) == 50  # at most every frame, each once
