"""Tracking results brought from elsewhere: the documented text format, read and written, errors by line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fake_trackers import FakeBatchTracker, MapLessTracker, make_sequence

from vasr.data.keyframes import keyframe_indices
from vasr.errors import AnnotationFormatError, DatasetLayoutError
from vasr.tracking.base import SequentialBatch
from vasr.tracking.precomputed import read_precomputed_tracks, write_precomputed_tracks
from vasr.tracking.snippets import track_sequence


def _tracks(tracker=None, invisible=()):  # type: ignore[no-untyped-def]
    sequence = make_sequence("seq-1", 26, invisible=invisible)
    return track_sequence(
        sequence, tracker or FakeBatchTracker(), keyframe_indices(26, 10, include_last=False)
    )


def test_write_then_read_gives_the_same_tracks(tmp_path: Path) -> None:
    tracks = _tracks(invisible=[10])
    write_precomputed_tracks(tmp_path, tracks)
    back = read_precomputed_tracks(tmp_path, "seq-1", num_frames=26)
    assert back.name == "seq-1" and back.tracker == tracks.tracker and back.steps == tracks.steps
    np.testing.assert_array_equal(back.keyframes, tracks.keyframes)
    assert np.isnan(back.seconds)
    for direction in ("forward", "backward"):
        mine, theirs = getattr(tracks, direction), getattr(back, direction)
        np.testing.assert_array_equal(theirs.valid, mine.valid)
        np.testing.assert_allclose(theirs.boxes, mine.boxes, atol=5e-4)
        np.testing.assert_allclose(theirs.confidences, mine.confidences, rtol=1e-5)
        np.testing.assert_array_equal(theirs.responses, mine.responses)


def test_files_are_one_based_and_say_no_result_with_nan(tmp_path: Path) -> None:
    forward = tmp_path / "seq-1.forward.txt"
    forward.write_text("11,21,5,6\n12,22,5,6,0.75\nnan\n\n13\t23 5 6\r\nnan,nan,nan,nan\n14,24,0,6\n")
    (tmp_path / "seq-1.backward.txt").write_text("nan\n" * 7)
    tracks = read_precomputed_tracks(tmp_path, "seq-1", keyframes=[0, 6])
    np.testing.assert_array_equal(tracks.forward.boxes[0], [10, 20, 5, 6])
    np.testing.assert_array_equal(tracks.forward.boxes[4], [12, 22, 5, 6])
    assert tracks.forward.valid.tolist() == [True, True, False, False, True, False, False]
    assert np.isnan(tracks.forward.confidences[0]) and tracks.forward.confidences[1] == 0.75
    assert not tracks.backward.valid.any() and tracks.forward.responses is None
    assert tracks.tracker == {"name": "precomputed"} and tracks.steps == 2  # frames 1 and 4


def test_a_tracker_without_maps_writes_no_map_files(tmp_path: Path) -> None:
    write_precomputed_tracks(tmp_path, _tracks(SequentialBatch(MapLessTracker)))
    assert not list(tmp_path.glob("*.npy"))
    back = read_precomputed_tracks(tmp_path, "seq-1")
    assert back.forward.responses is None and back.tracker["name"] == "mapless"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1,2,3", "3 values"),
        ("1,2,3,4,5,6", "6 values"),
        ("1,2,x,4", "value 3 is not a number"),
        ("1,2,-3,4", "negative box size"),
        ("1,inf,3,4", "infinite"),
    ],
)
def test_a_malformed_line_is_an_error_naming_file_and_line(tmp_path: Path, line: str, message: str) -> None:
    (tmp_path / "s.forward.txt").write_text(f"1,1,2,2\n1,1,2,2\n{line}\n")
    (tmp_path / "s.backward.txt").write_text("nan\nnan\nnan\n")
    with pytest.raises(AnnotationFormatError, match=message) as error:
        read_precomputed_tracks(tmp_path, "s", keyframes=[0, 2])
    assert error.value.path == tmp_path / "s.forward.txt" and error.value.line == 3


def test_line_counts_must_match_the_sequence_and_each_other(tmp_path: Path) -> None:
    (tmp_path / "s.forward.txt").write_text("1,1,2,2\n1,1,2,2\n1,1,2,2\n")
    (tmp_path / "s.backward.txt").write_text("nan\nnan\n")
    with pytest.raises(AnnotationFormatError, match="holds 3 lines but the sequence has 4 frames"):
        read_precomputed_tracks(tmp_path, "s", num_frames=4, keyframes=[0, 2])
    with pytest.raises(AnnotationFormatError, match=r"s\.backward\.txt: holds 2 lines"):
        read_precomputed_tracks(tmp_path, "s", keyframes=[0, 2])


def test_map_files_are_checked(tmp_path: Path) -> None:
    write_precomputed_tracks(tmp_path, _tracks())
    maps = tmp_path / "seq-1.backward_maps.npy"
    np.save(maps, np.zeros((26, 5, 4)))
    with pytest.raises(AnnotationFormatError, match=r"backward_maps\.npy: has shape \(26, 5, 4\)"):
        read_precomputed_tracks(tmp_path, "seq-1")
    maps.unlink()
    with pytest.raises(DatasetLayoutError, match="backward_maps.npy: missing while seq-1.forward_maps.npy"):
        read_precomputed_tracks(tmp_path, "seq-1")
    maps.write_bytes(b"junk")
    with pytest.raises(AnnotationFormatError, match="not a readable .npy"):
        read_precomputed_tracks(tmp_path, "seq-1")


def test_missing_files_and_keyframes_are_named(tmp_path: Path) -> None:
    with pytest.raises(DatasetLayoutError, match=r"s\.forward\.txt: precomputed tracking result is missing"):
        read_precomputed_tracks(tmp_path, "s", keyframes=[0])
    (tmp_path / "s.forward.txt").write_text("1,1,2,2\n")
    (tmp_path / "s.backward.txt").write_text("1,1,2,2\n")
    with pytest.raises(DatasetLayoutError, match=r"s\.keyframes\.txt: keyframes are needed"):
        read_precomputed_tracks(tmp_path, "s")
    (tmp_path / "s.keyframes.txt").write_text("0\n5\n")
    with pytest.raises(AnnotationFormatError, match="frame 5 outside"):
        read_precomputed_tracks(tmp_path, "s")
    (tmp_path / "s.keyframes.txt").write_text("0\n")
    (tmp_path / "tracker.json").write_text("[1, 2]")
    with pytest.raises(AnnotationFormatError, match="tracker.json"):
        read_precomputed_tracks(tmp_path, "s")


def test_one_directory_holds_one_tracker(tmp_path: Path) -> None:
    write_precomputed_tracks(tmp_path, _tracks())
    with pytest.raises(AnnotationFormatError, match="another tracker"):
        write_precomputed_tracks(tmp_path, _tracks(FakeBatchTracker(offset=3.0)))
