"""Snippet tracking: which frame each direction fills, from which keyframe, in how many tracker calls."""

from __future__ import annotations

import numpy as np
import pytest
from fake_trackers import (
    MAP_SIZE,
    CountingFrames,
    FakeBatchTracker,
    FakeTracker,
    MapLessTracker,
    gt_box,
    make_sequence,
)

from vasr.baselines.blend import blend_by_distance
from vasr.data.keyframes import keyframe_indices
from vasr.data.sequence import Sequence
from vasr.tracking.base import SequentialBatch
from vasr.tracking.snippets import DirectionTracks, SequenceTracks, track_sequence

OFFSET = np.array([1.5, 1.5, 0.0, 0.0])


def _track(sequence: Sequence, interval: int, include_last: bool = True, tracker=None) -> SequenceTracks:
    keys = keyframe_indices(len(sequence), interval, include_last)
    return track_sequence(sequence, tracker or FakeBatchTracker(), keys)


def _start_of(result: DirectionTracks, frame: int) -> int:
    """The keyframe the track that produced ``frame`` started from (the fake writes it into the map)."""
    return int(result.responses[frame, 0, 1])


def test_each_direction_fills_the_frames_between_its_keyframes() -> None:
    sequence = make_sequence("seq-1", 26)
    tracks = _track(sequence, interval=10)  # keyframes 0, 10, 20, 25
    assert tracks.keyframes.tolist() == [0, 10, 20, 25]
    assert tracks.forward.valid.all() and tracks.backward.valid.all()
    for frame in range(26):
        if frame in (0, 10, 20, 25):
            continue
        snippet_start = max(k for k in (0, 10, 20) if k < frame)
        snippet_end = min(k for k in (10, 20, 25) if k > frame)
        assert _start_of(tracks.forward, frame) == snippet_start
        assert _start_of(tracks.backward, frame) == snippet_end
        for result in (tracks.forward, tracks.backward):
            assert result.responses[frame, 0, 0] == frame  # the tracker saw the right frame
            np.testing.assert_allclose(result.boxes[frame], gt_box(frame) + OFFSET)
        assert tracks.forward.confidences[frame] == pytest.approx(1 / (1 + frame - snippet_start))
        assert tracks.backward.confidences[frame] == pytest.approx(1 / (1 + snippet_end - frame))
    assert tracks.steps == 2 * (9 + 9 + 4)
    assert tracks.tracker == {"name": "fake", "offset": 1.5, "response_size": MAP_SIZE}
    assert tracks.seconds > 0


def test_keyframes_hold_the_human_box_in_both_directions_with_no_confidence_and_a_zero_map() -> None:
    sequence = make_sequence("seq-1", 21)
    tracks = _track(sequence, interval=10)
    for result in (tracks.forward, tracks.backward):
        assert result.responses.dtype == np.float16 and result.responses.shape == (21, MAP_SIZE, MAP_SIZE)
        for key in (0, 10, 20):
            assert result.valid[key]
            np.testing.assert_array_equal(result.boxes[key], sequence.boxes[key])
            assert np.isnan(result.confidences[key])
            assert not result.responses[key].any()


def test_the_tail_after_the_last_keyframe_is_tracked_forward_only() -> None:
    sequence = make_sequence("seq-1", 26)
    tracks = _track(sequence, interval=10, include_last=False)  # keyframes 0, 10, 20; tail 21..25
    assert tracks.keyframes.tolist() == [0, 10, 20]
    assert tracks.forward.valid.all()
    assert [_start_of(tracks.forward, f) for f in range(21, 26)] == [20] * 5
    assert tracks.backward.valid[:21].all() and not tracks.backward.valid[21:].any()
    assert np.isnan(tracks.backward.boxes[21:]).all() and np.isnan(tracks.backward.confidences[21:]).all()
    assert not tracks.backward.responses[21:].any()
    assert tracks.steps == 2 * 9 * 2 + 5


def test_a_sequence_shorter_than_the_interval_is_one_snippet() -> None:
    tracker = FakeBatchTracker()
    tracks = _track(make_sequence("seq-1", 7), interval=30, tracker=tracker)
    assert tracks.keyframes.tolist() == [0, 6]
    assert [_start_of(tracks.forward, f) for f in range(1, 6)] == [0] * 5
    assert [_start_of(tracks.backward, f) for f in range(1, 6)] == [6] * 5
    assert tracker.calls == [("initialize", 2)] + [("track", 2)] * 5


def test_a_one_frame_sequence_needs_no_tracking() -> None:
    tracker = FakeBatchTracker()
    tracks = _track(make_sequence("seq-1", 1), interval=30, tracker=tracker)
    assert tracker.calls == [] and tracks.steps == 0
    assert tracks.keyframes.tolist() == [0]
    assert tracks.forward.valid.tolist() == [True] and tracks.backward.valid.tolist() == [True]


def test_an_invisible_keyframe_starts_no_tracker_and_its_directions_stay_invalid() -> None:
    sequence = make_sequence("seq-1", 31, invisible=[10])
    sequence.boxes[20] = np.nan  # visible but without a box: just as unusable
    tracks = _track(sequence, interval=10)  # keyframes 0, 10, 20, 30
    fwd, bwd = tracks.forward, tracks.backward
    # Snippet (0, 10): forward from 0 works, backward would start on the invisible keyframe 10.
    assert fwd.valid[1:10].all() and not bwd.valid[1:10].any()
    # Snippet (10, 20): neither end can start a tracker.
    assert not fwd.valid[11:20].any() and not bwd.valid[11:20].any()
    # Snippet (20, 30): only backward from 30.
    assert not fwd.valid[21:30].any() and bwd.valid[21:30].all()
    for key in (10, 20):  # the human said "no target" (or gave no box): no result there either
        assert not fwd.valid[key] and not bwd.valid[key] and np.isnan(fwd.boxes[key]).all()
    assert tracks.steps == 9 + 9


def test_tracks_are_batched_by_length_in_lock_step() -> None:
    tracker = FakeBatchTracker()
    _track(make_sequence("seq-1", 26), interval=10, tracker=tracker)  # 4 tracks of 9 frames, 2 of 4
    expected = [("initialize", 4)] + [("track", 4)] * 9 + [("initialize", 2)] + [("track", 2)] * 4
    assert tracker.calls == expected


def test_batched_tracking_equals_one_track_at_a_time() -> None:
    sequence = make_sequence("seq-1", 47, invisible=[30])
    keys = keyframe_indices(47, 10, include_last=False)
    batched = track_sequence(sequence, FakeBatchTracker(), keys)
    one_by_one = {"forward": np.full((47, 4), np.nan), "backward": np.full((47, 4), np.nan)}
    for start, frames, direction in [
        *((a, range(a + 1, b), "forward") for a, b in zip(keys[:-1], keys[1:], strict=True)),
        *((b, range(b - 1, a, -1), "backward") for a, b in zip(keys[:-1], keys[1:], strict=True)),
        (keys[-1], range(keys[-1] + 1, 47), "forward"),
    ]:
        if not sequence.visible[start]:
            continue
        tracker = FakeTracker()
        tracker.initialize(sequence.frame(start), sequence.boxes[start])
        for frame in frames:
            one_by_one[direction][frame] = tracker.track(sequence.frame(frame)).box
    for direction in ("forward", "backward"):
        result: DirectionTracks = getattr(batched, direction)
        between = ~np.isin(np.arange(47), keys)
        np.testing.assert_array_equal(result.boxes[between], one_by_one[direction][between])
    sequential = track_sequence(sequence, SequentialBatch(FakeTracker), keys)
    np.testing.assert_array_equal(sequential.forward.boxes, batched.forward.boxes)
    np.testing.assert_array_equal(sequential.backward.responses, batched.backward.responses)


def test_every_frame_is_decoded_once_when_memory_allows() -> None:
    sequence = make_sequence("seq-1", 26)
    counting = CountingFrames(sequence.frames)
    sequence.frames = counting
    track_sequence(sequence, FakeBatchTracker(), keyframe_indices(26, 10))
    assert counting.reads == {i: 1 for i in range(26)}


def test_without_frame_memory_a_frame_is_still_decoded_once_per_step() -> None:
    sequence = make_sequence("seq-1", 9)
    counting = CountingFrames(sequence.frames)
    sequence.frames = counting
    track_sequence(sequence, FakeBatchTracker(), np.array([0, 8]), frame_cache_bytes=0)
    # Forward reads 1..7 and backward 7..1 in lock-step: both need frame 4 at the same step.
    assert counting.reads == {0: 1, 8: 1, 1: 2, 2: 2, 3: 2, 4: 1, 5: 2, 6: 2, 7: 2}


def test_a_tracker_without_confidence_or_map_gives_nan_and_no_maps() -> None:
    tracks = _track(make_sequence("seq-1", 12), interval=5, tracker=SequentialBatch(MapLessTracker))
    assert tracks.forward.responses is None and tracks.backward.responses is None
    assert np.isnan(tracks.forward.confidences).all() and tracks.forward.valid.all()
    assert tracks.tracker["name"] == "mapless"


@pytest.mark.parametrize("keys", [[0, 30], [3, 2], [-1, 5]])
def test_keyframes_outside_the_sequence_or_out_of_order_are_refused(keys: list[int]) -> None:
    with pytest.raises(ValueError):
        track_sequence(make_sequence("seq-1", 10), FakeBatchTracker(), np.array(keys))


def test_progress_bar_does_not_change_the_result() -> None:
    sequence = make_sequence("seq-1", 15)
    keys = keyframe_indices(15, 10)
    quiet, loud = (track_sequence(sequence, FakeBatchTracker(), keys, progress=p) for p in (False, True))
    np.testing.assert_array_equal(quiet.forward.boxes, loud.forward.boxes)


def _constant_tracks(num_frames: int, keys: list[int], fwd_value: float, bwd_value: float) -> SequenceTracks:
    def direction(value: float) -> DirectionTracks:
        return DirectionTracks(
            np.full((num_frames, 4), value), np.full(num_frames, np.nan), None, np.ones(num_frames, bool)
        )

    return SequenceTracks("s", np.array(keys), direction(fwd_value), direction(bwd_value), {}, 0, 0.0)


def test_blend_weights_each_direction_by_its_distance_to_its_start() -> None:
    tracks = _constant_tracks(15, [0, 10], fwd_value=0.0, bwd_value=10.0)
    tracks.backward.valid[11:] = False  # the tail: forward only
    tracks.backward.boxes[11:] = np.nan
    tracks.forward.valid[14] = False  # nothing at all
    tracks.forward.boxes[14] = np.nan
    tracks.backward.valid[14] = False
    blended = blend_by_distance(tracks)
    np.testing.assert_allclose(blended[1:10, 0], np.arange(1.0, 10.0))  # forward weight (10 - i) / 10
    np.testing.assert_allclose(blended[11:14], 0.0)
    assert np.isnan(blended[14]).all()


def test_blend_uses_the_only_valid_direction() -> None:
    tracks = _constant_tracks(11, [0, 10], fwd_value=3.0, bwd_value=7.0)
    tracks.forward.valid[2:5] = False
    tracks.forward.boxes[2:5] = np.nan
    blended = blend_by_distance(tracks)
    np.testing.assert_allclose(blended[2:5], 7.0)
