"""The track cache: keyed by everything that changes tracks, atomic, self-healing, resumable."""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

import numpy as np
import pytest
from fake_trackers import FakeBatchTracker, make_sequence

from vasr.tracking.cache import TrackCache, TrackCacheError, TrackCacheWarning
from vasr.tracking.distributed import run_tracking
from vasr.tracking.snippets import SequenceTracks


def _assert_same(a: SequenceTracks, b: SequenceTracks) -> None:
    assert a.name == b.name and a.tracker == b.tracker and a.steps == b.steps and a.seconds == b.seconds
    np.testing.assert_array_equal(a.keyframes, b.keyframes)
    for direction in ("forward", "backward"):
        x, y = getattr(a, direction), getattr(b, direction)
        np.testing.assert_array_equal(x.boxes, y.boxes)
        np.testing.assert_array_equal(x.confidences, y.confidences)
        np.testing.assert_array_equal(x.valid, y.valid)
        np.testing.assert_array_equal(x.responses, y.responses)
        assert x.responses.dtype == np.float16


def test_a_second_run_reads_the_cache_without_tracking(tmp_path: Path) -> None:
    cache, sequence = TrackCache(tmp_path), make_sequence("seq-1", 23)
    first, reused = cache.get_or_track(sequence, FakeBatchTracker(), interval=10)
    assert not reused
    tracker = FakeBatchTracker()
    second, reused = cache.get_or_track(sequence, tracker, interval=10)
    assert reused and tracker.calls == []
    _assert_same(first, second)


def test_the_key_covers_tracker_settings_and_keyframe_schedule(tmp_path: Path) -> None:
    cache, sequence = TrackCache(tmp_path), make_sequence("seq-1", 23)
    cache.get_or_track(sequence, FakeBatchTracker(), interval=10)
    for tracker, interval, include_last in [
        (FakeBatchTracker(offset=2.0), 10, True),
        (FakeBatchTracker(), 5, True),
        (FakeBatchTracker(), 10, False),
        (FakeBatchTracker(response_size=7), 10, True),
    ]:
        _, reused = cache.get_or_track(sequence, tracker, interval=interval, include_last=include_last)
        assert not reused
    keys = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*/key.json"))]
    assert len(keys) == 5
    key = cache.bucket_for(FakeBatchTracker(), 10, True).directory / "key.json"
    assert json.loads(key.read_text()) == {
        "format_version": 1,
        "tracker": {"name": "fake", "offset": 1.5, "response_size": 5},
        "interval": 10,
        "include_last": True,
        "response_size": 5,
    }


def test_a_changed_sequence_is_tracked_again(tmp_path: Path) -> None:
    cache = TrackCache(tmp_path)
    cache.get_or_track(make_sequence("seq-1", 23), FakeBatchTracker(), interval=10)
    for changed in (make_sequence("seq-1", 23, invisible=[10]), make_sequence("seq-1", 24)):
        tracks, reused = cache.get_or_track(changed, FakeBatchTracker(), interval=10)
        assert not reused and len(tracks) == len(changed)
        assert cache.get_or_track(changed, FakeBatchTracker(), interval=10)[1]


def test_a_crash_during_the_write_leaves_no_entry_and_a_rerun_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache, sequence = TrackCache(tmp_path), make_sequence("seq-1", 23)
    bucket = cache.bucket_for(FakeBatchTracker(), 10, True)
    real_replace = os.replace

    def crash(src: str, dst: str) -> None:
        if str(dst).endswith(".npz"):
            raise KeyboardInterrupt("killed while writing")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        cache.get_or_track(sequence, FakeBatchTracker(), interval=10)
    monkeypatch.undo()
    assert sorted(p.name for p in bucket.directory.iterdir()) == ["key.json"]  # no entry, no temp file
    assert bucket.load(sequence, np.array([0, 10, 20, 22])) is None
    _, reused = cache.get_or_track(sequence, FakeBatchTracker(), interval=10)
    assert not reused and bucket.path("seq-1").is_file()


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_entry_is_reported_by_name_and_recomputed(tmp_path: Path, damage: str) -> None:
    cache, sequence = TrackCache(tmp_path), make_sequence("seq-1", 23)
    original, _ = cache.get_or_track(sequence, FakeBatchTracker(), interval=10)
    path = cache.bucket_for(FakeBatchTracker(), 10, True).path("seq-1")
    data = bytearray(path.read_bytes())
    if damage == "truncate":
        data = data[: len(data) // 2]
    elif damage == "flip":
        data[len(data) // 3] ^= 0xFF
    elif damage == "garbage":
        data = bytearray(b"not a cache entry at all")
    else:
        data = bytearray()
    path.write_bytes(bytes(data))
    with pytest.warns(TrackCacheWarning, match="seq-1.npz"):
        tracks, reused = cache.get_or_track(sequence, FakeBatchTracker(), interval=10)
    assert not reused
    np.testing.assert_array_equal(tracks.forward.boxes, original.forward.boxes)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache.get_or_track(sequence, FakeBatchTracker(), interval=10)[1]


class _KilledAfter(FakeBatchTracker):
    """Interrupted (as by Ctrl-C) at its n-th initialize, i.e. while tracking the n-th sequence."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def initialize(self, frames, boxes, context=None) -> None:  # type: ignore[no-untyped-def]
        if sum(call == "initialize" for call, _ in self.calls) + 1 == self.n:
            raise KeyboardInterrupt
        super().initialize(frames, boxes, context)


def test_an_interrupted_run_resumes_with_only_the_missing_sequences(tmp_path: Path) -> None:
    cache = TrackCache(tmp_path)
    sequences = [make_sequence(f"seq-{i}", 7) for i in range(4)]  # one snippet, one initialize each
    with pytest.raises(KeyboardInterrupt):
        run_tracking(sequences, lambda: _KilledAfter(3), cache, interval=30)
    tracker = FakeBatchTracker()
    summary = run_tracking(sequences, lambda: tracker, cache, interval=30)
    assert (summary.tracked, summary.reused) == (2, 2)
    assert tracker.calls.count(("initialize", 2)) == 2
    assert summary.steps == 2 * 2 * 5


def test_names_that_are_not_file_names_are_encoded(tmp_path: Path) -> None:
    cache = TrackCache(tmp_path)
    sequence = make_sequence("chunk/seq%1", 4)
    cache.get_or_track(sequence, FakeBatchTracker(), interval=30)
    path = cache.bucket_for(FakeBatchTracker(), 30, True).path("chunk/seq%1")
    assert path.parent.parent == tmp_path and path.name == "chunk%2Fseq%251.npz" and path.is_file()
    assert cache.get_or_track(sequence, FakeBatchTracker(), interval=30)[1]


def test_a_key_file_that_contradicts_its_directory_is_an_error(tmp_path: Path) -> None:
    cache, sequence = TrackCache(tmp_path), make_sequence("seq-1", 4)
    cache.get_or_track(sequence, FakeBatchTracker(), interval=30)
    key = cache.bucket_for(FakeBatchTracker(), 30, True).directory / "key.json"
    key.write_text(json.dumps({"something": "else"}))
    with pytest.raises(TrackCacheError, match="key.json"):
        cache.get_or_track(make_sequence("seq-2", 4), FakeBatchTracker(), interval=30)
