"""Annotation-set directories: exact round trips, atomic writes, and loud failures on malformed files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vasr.annotations import AnnotationSet, read_annotation_set, write_annotation_set
from vasr.errors import AnnotationFormatError


def test_round_trip_keeps_boxes_keyframes_failures_and_missing_boxes(tmp_path: Path) -> None:
    boxes = np.array([[0.0, 0.0, 10.0, 20.0], [3.25, 4.5, 11.125, 7.0], [np.nan] * 4, [-2.0, 5.0, 1.0, 1.0]])
    written = AnnotationSet(boxes, keyframes=np.array([0, 3]), failures=np.array([2]))
    write_annotation_set(tmp_path, "seq-1", written)
    back = read_annotation_set(tmp_path, "seq-1", num_frames=4)
    np.testing.assert_allclose(back.boxes, boxes, atol=5e-4)
    assert np.isnan(back.boxes[2]).all()
    np.testing.assert_array_equal(back.keyframes, [0, 3])
    np.testing.assert_array_equal(back.failures, [2])


def test_box_file_uses_the_one_based_groundtruth_convention(tmp_path: Path) -> None:
    write_annotation_set(tmp_path, "s", AnnotationSet(np.array([[0.0, 9.0, 5.0, 6.0]])))
    assert (tmp_path / "s.txt").read_text() == "1.000,10.000,5.000,6.000\n"
    assert not list(tmp_path.glob("*.tmp")), "no temporary file may stay behind"


def test_optional_files_are_optional(tmp_path: Path) -> None:
    write_annotation_set(tmp_path, "s", AnnotationSet(np.zeros((2, 4))))
    back = read_annotation_set(tmp_path, "s")
    assert back.keyframes is None and back.failures is None


def test_missing_file_and_wrong_length_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(AnnotationFormatError, match=r"absent\.txt: annotation file is missing"):
        read_annotation_set(tmp_path, "absent")
    write_annotation_set(tmp_path, "short", AnnotationSet(np.zeros((2, 4))))
    with pytest.raises(AnnotationFormatError, match=r"short\.txt: holds 2 boxes but the sequence has 5"):
        read_annotation_set(tmp_path, "short", num_frames=5)


def test_bad_index_files_name_file_and_line(tmp_path: Path) -> None:
    write_annotation_set(tmp_path, "s", AnnotationSet(np.zeros((3, 4))))
    (tmp_path / "s.failures.txt").write_text("1\nfoo\n")
    with pytest.raises(AnnotationFormatError, match=r"s\.failures\.txt:2: expected a frame index"):
        read_annotation_set(tmp_path, "s")
    (tmp_path / "s.failures.txt").write_text("1\n3\n")
    with pytest.raises(AnnotationFormatError, match=r"s\.failures\.txt:2: frame 3 outside 0\.\.2"):
        read_annotation_set(tmp_path, "s")


def test_malformed_box_line_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "s.txt").write_text("1,1,5,5\n1,1,5\n")
    with pytest.raises(AnnotationFormatError, match=r"s\.txt:2"):
        read_annotation_set(tmp_path, "s")
