"""The annotation-text parser: every separator and line-end quirk of real files reads the same, and every
malformed line is an error naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vasr.data.readers.box_text import read_box_rows, read_boxes, read_labels, read_numeric_table
from vasr.errors import AnnotationFormatError, DatasetLayoutError

EXPECTED = np.array([[10, 20, 30, 40], [11.5, 21, 31, 41]], dtype=np.float64)


def write(tmp_path: Path, data: bytes, name: str = "gt.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    "data",
    [
        b"10,20,30,40\n11.5,21,31,41\n",  # LaSOT / DTB70: comma
        b"10\t20\t30\t40\r\n11.5\t21\t31\t41\r\n",  # OTB Toy / FaceOcc1: tab + CRLF
        b"10 20 30 40\n11.5 21 31 41",  # space, no final newline
        b"10, 20, 30, 40\n11.5, 21 ,31, 41\n\n\n",  # comma + spaces, blank trailing lines
        b"\xef\xbb\xbf10,20,30,40\r\n11.5,21,31,41\r\n",  # UTF-8 BOM
        b"10,20\t30 40\n11.5\t21,31  41\n",  # mixed on one line (slow path)
        b"  10,20,30,40  \n11.5,21,31,41\r\n \n",  # stray spaces, mixed line ends, whitespace-only tail
    ],
)
def test_separators_line_ends_and_bom_read_the_same(tmp_path: Path, data: bytes) -> None:
    boxes = read_boxes(write(tmp_path, data))
    assert boxes.dtype == np.float64
    np.testing.assert_array_equal(boxes, EXPECTED)


def test_polygon_becomes_its_axis_aligned_box(tmp_path: Path) -> None:
    # VOT bag, first line: a rotated rectangle.
    path = write(tmp_path, b"334.02,128.36,438.19,188.78,396.39,260.83,292.23,200.41\n")
    boxes, polygon = read_box_rows(path)
    assert polygon
    np.testing.assert_allclose(boxes, [[292.23, 128.36, 438.19 - 292.23, 260.83 - 128.36]])


def test_nan_fields_are_allowed_and_zero_sizes_are_not_errors(tmp_path: Path) -> None:
    boxes = read_boxes(write(tmp_path, b"1,2,3,4\nNaN,NaN,NaN,NaN\n0,0,0,0\nnan,nan,nan,nan\n"))
    assert np.isnan(boxes[1]).all() and np.isnan(boxes[3]).all()
    np.testing.assert_array_equal(boxes[2], [0, 0, 0, 0])


def test_values_come_back_in_the_files_own_coordinates(tmp_path: Path) -> None:
    # Base conversion belongs to each dataset reader, not the parser.
    np.testing.assert_array_equal(read_boxes(write(tmp_path, b"1,1,5,5\n")), [[1, 1, 5, 5]])


def test_numeric_table_keeps_any_consistent_width(tmp_path: Path) -> None:
    table = read_numeric_table(write(tmp_path, b"1,2,3\n4,5,6\n"))
    assert table.shape == (2, 3)


@pytest.mark.parametrize(
    ("data", "line", "fragment"),
    [
        (b"1,2,3,4\n1,2,3\n", 2, "3 values on this line but 4 on line 1"),  # short line
        (b"1,2,3,4\n1,2,3,4\n1,2,x,4\n", 3, "value 3 is not a number: 'x'"),
        (b"1,2,3,4\n1,2,,4\n", 2, "value 3 is not a number: ''"),  # empty field
        (b"1,2,3,4\n\n1,2,3,4\n", 2, "blank line inside the file"),
        (b"1,2,3,4\n1,2,inf,4\n", 2, "infinite"),
        (b"1,2,3,4\n1,2,-3,4\n", 2, "negative box size (w=-3, h=4)"),
        (b"1,2,3,4,5\n", 1, "5 values per line; expected 4 (x,y,w,h) or 8 (polygon)"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, data: bytes, line: int, fragment: str) -> None:
    path = write(tmp_path, data)
    with pytest.raises(AnnotationFormatError) as caught:
        read_boxes(path)
    assert caught.value.path == path and caught.value.line == line
    assert f"{path}:{line}: " in str(caught.value)
    assert fragment in str(caught.value)


def test_empty_missing_and_non_utf8_files_are_reported(tmp_path: Path) -> None:
    with pytest.raises(AnnotationFormatError, match="holds no annotation line"):
        read_boxes(write(tmp_path, b"\n\n", "empty.txt"))
    with pytest.raises(DatasetLayoutError, match="missing"):
        read_boxes(tmp_path / "absent.txt")
    with pytest.raises(AnnotationFormatError, match="not UTF-8"):
        read_boxes(write(tmp_path, b"1,2,3,4\n\xff\xfe,1,1,1\n", "binary.txt"))


def test_fast_and_line_by_line_parsers_agree(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    values = np.round(rng.uniform(0, 500, (300, 4)), 3)
    values[::7] = np.nan
    clean = "".join(",".join(f"{v:.3f}" for v in row) + "\n" for row in values)
    mixed = clean.replace(",", "\t", 1)  # one tab forces the line-by-line parser
    np.testing.assert_array_equal(read_boxes(write(tmp_path, clean.encode(), "a.txt")), values)
    np.testing.assert_array_equal(read_boxes(write(tmp_path, mixed.encode(), "b.txt")), values)


@pytest.mark.parametrize(
    "data",
    [b"0,0,1,1,0", b"0,0,1,1,0\n", b"0\n0\n1\n1\n0\n", b"0\r\n0\r\n1\r\n1\r\n0\r\n\r\n", b"0 0 1 1 0"],
)
def test_labels_one_line_or_one_per_line(tmp_path: Path, data: bytes) -> None:
    labels = read_labels(write(tmp_path, data, "flags.txt"))
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [0, 0, 1, 1, 0])


def test_cover_labels_take_zero_to_eight(tmp_path: Path) -> None:
    np.testing.assert_array_equal(read_labels(write(tmp_path, b"8\n0\n3\n"), max_value=8), [8, 0, 3])


@pytest.mark.parametrize(
    ("data", "max_value", "line", "fragment"),
    [
        (b"0,1,2,0", 1, 1, "label 3 is '2', expected an integer 0..1"),  # LaSOT flag out of range
        (b"0,1,x", 1, 1, "label 3 is 'x'"),
        (b"8\n9\n", 8, 2, "label 1 is '9', expected an integer 0..8"),
        (b"0\n1 0\n", 1, 2, "expected one label per line"),
        (b"0\n0.5\n", 1, 2, "label 1 is '0.5'"),
        (b"0\n\n1\n", 1, 2, "label 1 is ''"),
    ],
)
def test_bad_labels_name_file_and_line(
    tmp_path: Path, data: bytes, max_value: int, line: int, fragment: str
) -> None:
    path = write(tmp_path, data, "cover.label")
    with pytest.raises(AnnotationFormatError) as caught:
        read_labels(path, max_value=max_value)
    assert caught.value.line == line and str(path) in str(caught.value)
    assert fragment in str(caught.value)
