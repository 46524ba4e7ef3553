"""Selection among every candidate track of a tracker set: each member tracked as if alone, each scored by
its own net, per frame the best-scored candidate kept, a frame failed only when every candidate fails, and
doubt raised where the trackers part."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from fake_trackers import FakeBatchTracker, frame_index, gt_box, make_sequence

from vasr.checkpoints import load_assessor
from vasr.directions import BACKWARD, FORWARD
from vasr.pipeline import Annotator, Assessment
from vasr.selection.assess import assess_sequence
from vasr.selection.candidates import (
    SWITCH_MARGIN,
    TIE_MARGIN,
    WITNESS_IOU,
    fill_flag_gaps,
    kept_candidates,
    tracker_disagreement,
    undecided,
    witness_overlap,
)
from vasr.selection.select import select_tracks
from vasr.tracking.base import TrackerInputError, TrackerSet
from vasr.tracking.cache import TrackCache, read_entry, write_entry
from vasr.tracking.snippets import SequenceTracks, track_sequence

KEYS = np.array([0, 30, 60])


class Near(FakeBatchTracker):
    name = "near"


class Far(FakeBatchTracker):
    name = "far"


def a_set(far: float = 12.0) -> TrackerSet:
    """Two fakes: one 1.5 px off the truth, the other ``far`` px off."""
    return TrackerSet([Near(offset=1.5), Far(offset=far)])


def test_every_member_tracks_as_if_alone_and_the_set_keeps_all_their_tracks() -> None:
    sequence = make_sequence("clip", 61)
    tracks = track_sequence(sequence, a_set(), KEYS)
    alone = [track_sequence(sequence, t, KEYS) for t in (Near(offset=1.5), Far(offset=12.0))]
    assert [c.tracker["name"] for c in tracks.candidates] == ["near", "far"]
    for mine, own in zip(tracks.candidates, alone, strict=True):
        np.testing.assert_array_equal(mine.forward.boxes, own.forward.boxes)
        np.testing.assert_array_equal(mine.backward.boxes, own.backward.boxes)
    assert tracks.steps == sum(t.steps for t in alone) and tracks.tracker["name"] == "ensemble"
    np.testing.assert_array_equal(tracks.forward.boxes, alone[0].forward.boxes)  # the first member's view


def test_a_set_needs_two_trackers_with_maps_of_one_size() -> None:
    with pytest.raises(TrackerInputError, match="two trackers"):
        TrackerSet([Near()])
    with pytest.raises(TrackerInputError, match="different sizes"):
        TrackerSet([Near(response_size=5), Far(response_size=7)])


def test_a_correction_round_reuses_each_members_untouched_snippets() -> None:
    sequence = make_sequence("clip", 91)
    first = track_sequence(sequence, a_set(), np.array([0, 30, 60, 90]))
    second = track_sequence(sequence, a_set(), np.array([0, 30, 45, 60, 90]), previous=first)
    assert second.steps == 2 * (2 * 14)  # per member: from 45 back to 30 and on to 60
    assert [c.reused_steps for c in second.candidates] == [4 * 29 + 2 * 14] * 2


def test_the_cache_keeps_every_candidate_and_stores_each_member_under_its_own_key(tmp_path: Path) -> None:
    sequence = make_sequence("clip", 61)
    tracks = track_sequence(sequence, a_set(), KEYS)
    write_entry(tmp_path / "e.npz", tracks, "x")
    again, _ = read_entry(tmp_path / "e.npz")
    assert len(again.candidates) == 2
    for a, b in zip(again.candidates, tracks.candidates, strict=True):
        assert a.tracker == b.tracker
        np.testing.assert_array_equal(a.backward.boxes, b.backward.boxes)
    cache = TrackCache(tmp_path / "cache")
    _, cached = cache.get_or_track(sequence, a_set())
    loaded, cached = cache.get_or_track(sequence, a_set())
    assert cached and len(loaded.candidates) == 2
    _, alone_cached = cache.get_or_track(sequence, Near(offset=1.5))
    assert alone_cached  # a run of the member alone reads what the set tracked


def test_per_frame_and_direction_the_best_scored_members_result_is_kept() -> None:
    sequence = make_sequence("clip", 61)
    tracks = track_sequence(sequence, a_set(), KEYS)
    n = len(sequence)
    near = (np.full(n, 0.2), np.full(n, 0.2))
    far = (np.where(np.arange(n) < 10, 0.9, -0.5), np.full(n, -0.5))  # far wins forward on frames 1..9
    view, forward, backward, sources = kept_candidates(tracks, [near, far])
    frames = np.arange(1, 10)
    np.testing.assert_array_equal(view.forward.boxes[frames], tracks.candidates[1].forward.boxes[frames])
    np.testing.assert_array_equal(view.forward.boxes[15], tracks.candidates[0].forward.boxes[15])
    assert (sources[FORWARD, frames] == 1).all() and (sources[BACKWARD, 1:30] == 0).all()
    assert forward[5] == pytest.approx(0.9 - SWITCH_MARGIN) and backward[5] == 0.2  # a later member: margin
    # the tail has no backward track in any member: no source, no score
    failing = kept_candidates(tracks, [(np.full(n, -0.1),) * 2, (np.full(n, -0.3),) * 2])
    selection = select_tracks(failing[0], failing[1], failing[2], "sel-fail")
    assert selection.failure[1:30].all()  # every candidate below the threshold
    barely = kept_candidates(tracks, [(np.full(n, 0.1),) * 2, (np.full(n, 0.1 + SWITCH_MARGIN / 2),) * 2])
    assert (barely[3][:, 1:30] == 0).all()  # the first member's box stays unless beaten by the margin
    passing = kept_candidates(tracks, [(np.full(n, -0.1),) * 2, (np.full(n, 0.5),) * 2])
    assert not select_tracks(passing[0], passing[1], passing[2], "sel-fail").failure.any()


def test_doubt_rises_where_the_trackers_part() -> None:
    sequence = make_sequence("clip", 61)
    agree = tracker_disagreement(track_sequence(sequence, a_set(far=1.0), KEYS))
    part = tracker_disagreement(track_sequence(sequence, a_set(far=40.0), KEYS))
    assert agree.max() == 0.0  # a pixel apart: the same box
    inner = np.setdiff1d(np.arange(61), KEYS)
    assert (part[inner] == 1.0).all()  # disjoint boxes
    assert (part[KEYS] == 0.0).all()  # the human's box: every member starts on it
    assert not tracker_disagreement(track_sequence(sequence, Near(), KEYS)).any()  # one tracker: nothing


def test_the_annotator_scores_each_member_with_its_own_net(checkpoints: dict[str, Path]) -> None:
    sequence = make_sequence("clip", 61)
    nets = {"near": load_assessor(checkpoints["tassess"]), "far": load_assessor(checkpoints["tassess"])}
    annotator = Annotator(a_set(far=40.0), nets, suggest=3, response_size=5)
    tracks = annotator.track(sequence, KEYS)
    assessment = annotator.assess(sequence, tracks)
    own = [
        assess_sequence(nets[m.tracker["name"]], m, sequence.image_size, response_size=5)
        for m in tracks.candidates
    ]
    later = [s - SWITCH_MARGIN for s in own[1]]  # the second member counts the margin lower
    best = np.fmax(np.fmax(own[0][0], later[0]), np.fmax(own[0][1], later[1]))
    kept = np.fmax(assessment.forward, assessment.backward)
    inner = np.setdiff1d(np.arange(60), KEYS)
    np.testing.assert_allclose(kept[inner], best[inner])
    annotation, view = annotator.annotate_kept(sequence, keyframes=None, tracks=tracks)
    assert view.candidates == tracks.candidates
    assert (annotator.doubt(annotation, view)[inner] >= 1.0).all()  # the two trackers never overlap
    with pytest.raises(ValueError, match="no T-Assess net for tracker 'far'"):
        Annotator(None, {"near": nets["near"]}, response_size=5).assess(sequence, tracks)


@pytest.mark.parametrize(("far", "flagged"), [(1.0, False), (40.0, True)])
def test_a_kept_box_no_other_tracker_overlaps_is_flagged(
    checkpoints: dict[str, Path], far: float, flagged: bool
) -> None:
    sequence = make_sequence("clip", 61)
    nets = {"near": load_assessor(checkpoints["tassess"]), "far": load_assessor(checkpoints["tassess"])}
    annotator = Annotator(
        a_set(far=far), nets, response_size=5, threshold=-10.0
    )  # no frame fails on its score
    annotation = annotator.annotate(sequence, keyframes=None)
    inner = np.setdiff1d(np.arange(61), KEYS)
    assert annotation.failure[inner].all() == flagged and annotation.failure[inner].any() == flagged
    assert not annotation.failure[KEYS].any()
    assert set(annotation.review_reasons) == ({"no witness"} if flagged else set())


def test_a_frame_between_two_flagged_frames_is_flagged_a_longer_gap_is_not() -> None:
    failure = np.array([1, 0, 1, 1, 0, 0, 1, 0], dtype=bool)
    filled = fill_flag_gaps(failure)
    assert filled.tolist() == [True, True, True, True, False, False, True, False]
    assert not fill_flag_gaps(np.zeros(5, dtype=bool)).any()
    assert fill_flag_gaps(np.array([True])).tolist() == [True]


PARTED, TIED = np.arange(10, 21), np.arange(10, 16)  # frames whose backward box moves off; the tied ones


def tied_candidates(
    tracks: SequenceTracks,
) -> tuple[SequenceTracks, np.ndarray, np.ndarray, np.ndarray]:
    """``kept_candidates`` of ``tracks`` (the first member kept both ways, scoring 0.5) with the backward
    boxes of ``PARTED`` moved 40 px off the forward ones: on ``TIED`` the backward score is within
    ``TIE_MARGIN`` of the forward's, on the rest of ``PARTED`` clearly below it; on frame 40 the two tie but
    agree."""
    n = len(tracks)
    view, forward, backward, sources = kept_candidates(tracks, [(np.full(n, 0.5),) * 2, (np.zeros(n),) * 2])
    boxes = view.backward.boxes.copy()
    boxes[PARTED, :2] += 40.0
    view = replace(view, backward=replace(view.backward, boxes=boxes))
    backward = backward.copy()
    backward[PARTED] = 0.5 - 2 * TIE_MARGIN  # the forward box scores clearly better
    backward[TIED] = 0.5 - TIE_MARGIN / 2  # a tie: either could be the target
    backward[40] = 0.5  # a tie, but the two boxes agree
    return view, forward, backward, sources


def test_parted_directions_whose_scores_cannot_choose_are_undecided() -> None:
    tracks = track_sequence(make_sequence("clip", 61), a_set(far=1.0), KEYS)
    view, forward, backward, _ = tied_candidates(tracks)
    assert np.flatnonzero(undecided(view, forward, backward)).tolist() == TIED.tolist()
    missing = replace(view, backward=replace(view.backward, valid=np.zeros(len(view), dtype=bool)))
    assert not undecided(missing, forward, backward).any()  # one direction: nothing to choose between


def test_sel_fail_flags_the_undecided_frames_the_other_tracker_still_sees(
    checkpoints: dict[str, Path],
) -> None:
    sequence = make_sequence("clip", 61)
    nets = {"near": load_assessor(checkpoints["tassess"]), "far": load_assessor(checkpoints["tassess"])}
    annotator = Annotator(
        a_set(far=1.0), nets, response_size=5, threshold=-10.0
    )  # no frame fails on its score
    view, forward, backward, sources = tied_candidates(annotator.track(sequence, KEYS))
    assessment = Assessment(forward, backward, tracks=view, sources=sources)
    selection = annotator.select(view, assessment, "sel-fail")
    assert (selection.direction[PARTED] == FORWARD).all()  # the kept box is on the target
    witnessed = witness_overlap(view, sources, selection.direction)
    assert (witnessed[PARTED] >= WITNESS_IOU).all()  # and the other tracker sees it there
    assert np.flatnonzero(selection.failure).tolist() == TIED.tolist()  # yet a tie is a human's call
    assert set(selection.reason[TIED]) == {"tied"}
    assert not annotator.select(view, assessment, "sel").failure.any()  # plain selection flags nothing


class FarButOnce(Far):
    """`Far`, except on frame 45, where its box is on the target: the overlap test alone passes that frame."""

    def track(self, frames):  # noqa: ANN001, ANN201
        batch = super().track(frames)
        boxes = np.array(batch.boxes)
        for row, frame in enumerate(frames):
            if frame_index(frame) == 45:
                boxes[row] = gt_box(45) + np.array([1.0, 1.0, 0.0, 0.0])
        return replace(batch, boxes=boxes)


def test_a_frame_between_two_frames_another_tracker_does_not_see_is_flagged(
    checkpoints: dict[str, Path],
) -> None:
    sequence = make_sequence("clip", 61)
    nets = {"near": load_assessor(checkpoints["tassess"]), "far": load_assessor(checkpoints["tassess"])}
    trackers = TrackerSet([Near(offset=1.5), FarButOnce(offset=40.0)])
    annotator = Annotator(trackers, nets, response_size=5, threshold=-10.0)  # no frame fails on its score
    tracks = annotator.track(sequence, KEYS)
    assessment = annotator.assess(sequence, tracks)
    kept = annotator.select(assessment.tracks, assessment, "sel-fail")
    witnessed = witness_overlap(assessment.tracks, assessment.sources, kept.direction)
    assert witnessed[45] >= WITNESS_IOU  # the overlap test alone passes frame 45
    assert (witnessed[[44, 46]] < WITNESS_IOU).all()
    annotation, _ = annotator.annotate_kept(sequence, keyframes=None, tracks=tracks)
    assert annotation.failure[np.setdiff1d(np.arange(61), KEYS)].all()
    assert annotation.flag_reason[45] == "between flags" and annotation.flag_reason[44] == "no witness"


def test_t_assess_trains_on_one_trackers_tracks_not_a_sets(nanotrack_weights: Path) -> None:
    from datamodules.refine_windows import RefineDataModule
    from datamodules.snippet_windows import SnippetDataModule
    from vasr.errors import VasrError

    with pytest.raises(VasrError, match="train one net per member"):
        SnippetDataModule(tracker="ensemble", tracker_options={"weights": str(nanotrack_weights)}).tracker  # noqa: B018
    assert RefineDataModule.reads_sets and not SnippetDataModule.reads_sets
