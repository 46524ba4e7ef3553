"""The kept direction chosen along the sequence (`Fusion.switch_cost`): a one-frame jump to a far box that
scores a hair higher is not kept; a direction that stays better over many frames is."""

from __future__ import annotations

import numpy as np

from vasr.pipeline import Annotator, Assessment
from vasr.selection.select import Fusion, coherent_directions, select_tracks
from vasr.tracking.snippets import DirectionTracks, SequenceTracks

N = 21  # keyframes 0 and 20
ON = np.array([10.0, 10.0, 20.0, 20.0])
FAR = np.array([60.0, 10.0, 20.0, 20.0])  # IoU 0 with ON


def _tracks(forward: np.ndarray, backward: np.ndarray) -> SequenceTracks:
    def direction(boxes: np.ndarray) -> DirectionTracks:
        return DirectionTracks(boxes, np.full(N, np.nan), None, np.isfinite(boxes).all(1))

    return SequenceTracks("s", np.array([0, N - 1]), direction(forward), direction(backward), {}, 0, 0.0)


def _jump_at(frame: int) -> tuple[SequenceTracks, np.ndarray, np.ndarray]:
    """Forward on the target throughout; backward on it except at ``frame``, where it jumps far away and
    scores a hair higher than forward (everywhere else a hair lower)."""
    forward, backward = np.tile(ON, (N, 1)), np.tile(ON, (N, 1)) + [1.0, 0.0, 0.0, 0.0]
    backward[frame] = FAR
    f_score = np.full(N, 0.5)
    b_score = np.full(N, 0.49)
    b_score[frame] = 0.55
    return _tracks(forward, backward), f_score, b_score


def test_a_one_frame_jump_that_scores_a_hair_higher_is_not_kept_along_the_sequence() -> None:
    tracks, f_score, b_score = _jump_at(10)
    per_frame = select_tracks(tracks, f_score, b_score, "sel")
    assert per_frame.direction[10] == 1  # the paper's rule keeps the far box there
    along = select_tracks(tracks, f_score, b_score, "sel", switch_cost=0.5)
    assert (along.direction[1:-1] == 0).all()
    np.testing.assert_array_equal(along.boxes[10], ON)


def test_a_direction_better_over_many_frames_is_kept_despite_the_switch() -> None:
    boxes = np.stack([np.tile(ON, (N, 1)), np.tile(ON, (N, 1))])
    boxes[1, 5:15] = FAR  # the second candidate moves away for ten frames and scores much better there
    scores = np.stack([np.full(N, 0.5), np.full(N, 0.4)])
    scores[1, 5:15] = 0.9
    path = coherent_directions(boxes, scores, switch_cost=0.5)  # 10 x 0.4 gained > 2 jumps x 0.5
    assert (path[5:15] == 1).all() and (path[:5] == 0).all() and (path[15:] == 0).all()
    path = coherent_directions(boxes, scores, switch_cost=3.0)  # now two jumps cost more than the gain
    assert (path == 0).all()


def test_a_direction_without_a_result_is_never_kept_while_the_other_has_one() -> None:
    tracks, f_score, b_score = _jump_at(10)
    tracks.forward.boxes[12] = np.nan
    tracks.forward.valid[12] = False
    along = select_tracks(tracks, f_score, b_score, "sel-fail", switch_cost=5.0)
    assert along.direction[12] == 1 and (along.direction >= 0).all()


def test_the_annotator_chooses_along_the_sequence_with_fusion_and_frame_by_frame_without() -> None:
    tracks, f_score, b_score = _jump_at(10)
    assessment = Assessment(f_score, b_score, tracks=tracks)
    paper = Annotator(None, None, fusion=None)  # type: ignore[arg-type]
    product = Annotator(None, None, fusion=Fusion())  # type: ignore[arg-type]
    assert paper.select(tracks, assessment, "sel").direction[10] == 1
    assert product.select(tracks, assessment, "sel").direction[10] == 0
    assert Fusion().switch_cost > 0 and Fusion(switch_cost=0.0).switch_cost == 0


def test_a_long_stretch_without_results_keeps_the_choice_exact_and_an_empty_sequence_has_no_path() -> None:
    boxes = np.stack([np.tile(ON, (5000, 1)), np.tile(ON, (5000, 1))])
    scores = np.full((2, 5000), -np.inf)
    scores[:, -1] = [0.5, 0.501]  # only the last frame tells them apart, by a thousandth
    assert coherent_directions(boxes, scores, 0.5)[-1] == 1
    assert coherent_directions(np.zeros((2, 0, 4)), np.zeros((2, 0)), 0.5).shape == (0,)
