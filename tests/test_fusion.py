"""Fusion of agreeing directions: where forward and backward agree, their weighted mean; elsewhere the
selection stands."""

from __future__ import annotations

import numpy as np

from vasr.geometry.quality import quality_score
from vasr.selection.select import Fusion, fuse_agreeing, select_tracks
from vasr.tracking.snippets import DirectionTracks, SequenceTracks


def _tracks(forward: np.ndarray, backward: np.ndarray) -> SequenceTracks:
    n = len(forward)

    def direction(boxes: np.ndarray) -> DirectionTracks:
        return DirectionTracks(boxes, np.full(n, np.nan), None, np.isfinite(boxes).all(1))

    return SequenceTracks("s", np.array([0, n - 1]), direction(forward), direction(backward), {}, 0, 0.0)


def test_agreeing_directions_are_averaged_by_distance_and_score() -> None:
    n = 11  # keyframes 0 and 10
    forward = np.tile([10.0, 10.0, 20.0, 20.0], (n, 1))
    backward = forward + np.array([2.0, 0.0, 0.0, 0.0])  # IoU 0.82: they agree
    tracks = _tracks(forward, backward)
    scores = np.full(n, float(quality_score(0.9)))  # the same trust both ways
    selection = select_tracks(tracks, scores, scores - 0.01, "sel")
    fused = fuse_agreeing(tracks, selection, scores, scores, Fusion(power=2.0))
    # equal trust: frame 2 is 2 frames from the forward start and 8 from the backward one -> 0.8 / 0.2
    np.testing.assert_allclose(fused.boxes[2], 0.8 * forward[2] + 0.2 * backward[2])
    np.testing.assert_allclose(fused.boxes[5], (forward[5] + backward[5]) / 2)
    assert (fused.direction == selection.direction).all() and (fused.failure == selection.failure).all()
    # a direction T-Assess distrusts gets less weight
    low = np.full(n, float(quality_score(0.3)))
    distrusted = fuse_agreeing(tracks, selection, scores, low, Fusion(power=2.0))
    assert distrusted.boxes[5, 0] < fused.boxes[5, 0]


def test_disagreeing_directions_keep_the_selected_box() -> None:
    n = 11
    forward = np.tile([10.0, 10.0, 20.0, 20.0], (n, 1))
    backward = forward + np.array([15.0, 0.0, 0.0, 0.0])  # IoU 0.14
    tracks = _tracks(forward, backward)
    scores = np.full(n, 0.5)
    selection = select_tracks(tracks, scores, scores + 0.1, "sel")
    fused = fuse_agreeing(tracks, selection, scores, scores + 0.1, Fusion())
    np.testing.assert_array_equal(fused.boxes, selection.boxes)
