"""A correction round re-tracks only the snippets whose end keyframes changed (and, for a tracker with a
keyframe memory, those that would learn from a changed keyframe); the rest is copied."""

from __future__ import annotations

import fake_trackers
import numpy as np
from fake_trackers import FakeBatchTracker, frame_index, make_sequence

from vasr.tracking.base import TrackContext, TrackerNeeds
from vasr.tracking.snippets import track_sequence


def _with_box(sequence, frame: int, box) -> None:  # noqa: ANN001 - a Sequence, changed in place
    sequence.boxes[frame] = box
    sequence.visible[frame] = True


def _same_rows(a, b, rows) -> bool:  # noqa: ANN001 - two DirectionTracks
    return (
        np.array_equal(a.boxes[rows], b.boxes[rows], equal_nan=True)
        and np.array_equal(a.valid[rows], b.valid[rows])
        and np.array_equal(a.responses[rows], b.responses[rows])
    )


def test_a_new_keyframe_is_tracked_from_both_ways_and_nothing_else_is() -> None:
    sequence = make_sequence("clip", 91)
    tracker = FakeBatchTracker()
    first = track_sequence(sequence, tracker, np.array([0, 30, 60, 90]))
    assert first.steps == 3 * 2 * 29 and first.reused_steps == 0

    second = track_sequence(sequence, tracker, np.array([0, 30, 45, 60, 90]), previous=first)
    # (30, 60) became (30, 45) and (45, 60): from 45 back to 30 and on to 60, 2 x 14 steps; the tracks
    # arriving at 45 (forward from 30, backward from 60) keep their path up to it; (0, 30), (60, 90) copied
    assert second.steps == 2 * 14
    assert second.reused_steps == 4 * 29 + 2 * 14
    assert _same_rows(second.forward, first.forward, slice(31, 45))
    assert _same_rows(second.backward, first.backward, slice(46, 60))
    fresh = track_sequence(sequence, tracker, np.array([0, 30, 45, 60, 90]))  # a one-ended tracker: exact
    for direction in ("forward", "backward"):
        assert _same_rows(getattr(second, direction), getattr(fresh, direction), slice(None))


def test_a_changed_keyframe_box_retracks_both_snippets_that_end_on_it(monkeypatch) -> None:  # noqa: ANN001
    sequence = make_sequence("clip", 91)
    # the fake checks that tracks start on the ground truth: the corrected box is the new ground truth
    monkeypatch.setattr(fake_trackers, "gt_box", lambda i: sequence.boxes[i])
    tracker = FakeBatchTracker()
    first = track_sequence(sequence, tracker, np.array([0, 30, 60, 90]))
    _with_box(sequence, 30, sequence.boxes[30] + np.array([1.0, 0.0, 0.0, 0.0]))
    second = track_sequence(sequence, tracker, np.array([0, 30, 60, 90]), previous=first)
    assert second.steps == 2 * 2 * 29  # (0, 30) and (30, 60), both ways: each has the box at 30 as an end
    assert _same_rows(second.forward, first.forward, slice(61, 90))


def test_an_absent_keyframe_and_the_tail_follow_the_same_rule() -> None:
    sequence = make_sequence("clip", 80)
    tracker = FakeBatchTracker()
    first = track_sequence(sequence, tracker, np.array([0, 30, 60]))  # tail 61..79 forward only
    sequence.visible[60] = False
    second = track_sequence(sequence, tracker, np.array([0, 30, 60]), previous=first)
    # the backward track from 60 and the tail from 60 can no longer start; (0, 30) is copied
    assert second.steps == 29  # only the forward track from 30 is run again
    assert not second.backward.valid[31:60].any() and not second.forward.valid[61:].any()
    assert _same_rows(second.forward, first.forward, slice(0, 30))


def test_tracks_of_another_tracker_are_not_reused() -> None:
    sequence = make_sequence("clip", 61)
    first = track_sequence(sequence, FakeBatchTracker(offset=1.5), np.array([0, 30, 60]))
    second = track_sequence(sequence, FakeBatchTracker(offset=2.5), np.array([0, 30, 60]), previous=first)
    assert second.reused_steps == 0 and second.steps == first.steps


class MemoryRecorder(FakeBatchTracker):
    """The fake batch tracker with a keyframe memory of ``reach``: keeps, per track start, the keyframes
    (frame indices read off the frames) and boxes it was given to learn from."""

    def __init__(self, reach: int) -> None:
        super().__init__()
        self.needs = TrackerNeeds(memory_reach=reach)
        self.config = {**self.config, "memory_reach": reach}
        self.seen: dict[tuple[int, int], tuple[int, ...]] = {}  # (start frame, batch row) -> keyframes

    def initialize(self, frames, boxes, context: TrackContext | None = None) -> None:  # noqa: ANN001
        super().initialize(frames, boxes, context)
        memory = context.memory
        for row, frame in enumerate(frames):
            picked = () if memory is None else np.flatnonzero(memory.uses[row])
            keys = tuple(frame_index(memory.frames[m]) for m in picked)
            for m in picked:  # the box given is the human's box on that keyframe
                assert np.array_equal(memory.boxes[m], fake_trackers.gt_box(frame_index(memory.frames[m])))
            self.seen[(frame_index(frame), len(self.seen))] = keys


def _memories(recorder: MemoryRecorder) -> set[tuple[int, tuple[int, ...]]]:
    return {(start, keys) for (start, _), keys in recorder.seen.items()}


def test_a_tracker_with_a_memory_learns_from_the_keyframes_around_its_snippet_but_its_start() -> None:
    sequence = make_sequence("clip", 181, invisible=[150])
    recorder = MemoryRecorder(reach=1)
    track_sequence(sequence, recorder, np.array([0, 30, 60, 90, 120, 150, 180]))
    seen = _memories(recorder)
    assert (30, (0, 60, 90)) in seen  # forward (30, 60): its end 60, one keyframe before (0) and after (90)
    assert (60, (0, 30, 90)) in seen  # backward (60, 30): the mirror image
    assert (0, (30, 60)) in seen  # forward (0, 30): nothing before the first keyframe
    assert (120, (60, 90)) in seen  # forward (120, 150): 150 is absent, 180 is beyond reach; 90 before it
    assert not any(start in keys for start, keys in seen)


def test_a_memory_of_reach_zero_is_never_given() -> None:
    recorder = MemoryRecorder(reach=0)
    track_sequence(make_sequence("clip", 61), recorder, np.array([0, 30, 60]))
    assert all(keys == () for keys in recorder.seen.values())


def test_a_round_stays_local_for_a_tracker_with_a_memory() -> None:
    sequence = make_sequence("clip", 151)
    keys = np.array([0, 30, 60, 90, 120, 150])
    recorder = MemoryRecorder(reach=1)
    first = track_sequence(sequence, recorder, keys)
    recorder.seen.clear()
    second = track_sequence(sequence, recorder, np.array([0, 30, 45, 60, 90, 120, 150]), previous=first)
    # only the new keyframe starts tracks (remembering its neighbours); the tracks that would now also
    # remember it keep their path: a correction costs its own snippet, however long the video
    assert {start for start, _ in recorder.seen} == {45}
    assert _memories(recorder) == {(45, (0, 30, 60)), (45, (30, 60, 90))}
    assert second.steps == 2 * 14 and second.reused_steps == 2 * 5 * 29 - 2 * 29 + 2 * 14
