"""OTB-style reader: each benchmark's frame names and separators, polygons, short ground truth, errors."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from fixtures_layouts import write_frames, write_otb_sequence

from vasr.data.readers import hide_boxes_outside_image, load_otb
from vasr.errors import AnnotationFormatError, DatasetLayoutError, FrameReadError


def names(pattern: str, count: int) -> list[str]:
    return [pattern.format(i) for i in range(1, count + 1)]


@pytest.fixture
def otb_root(tmp_path: Path) -> Path:
    root = tmp_path / "benchmark"
    # OTB Toy / FaceOcc1: tab separated, CRLF, 0001.jpg.
    write_otb_sequence(
        root, "Toy", "11\t21\t10\t8\r\n12\t21\t10\t8\r\n13\t22\t10\t8\r\n", names("{:04d}.jpg", 3)
    )
    # UAVDT: img000001.jpg, comma separated.
    write_otb_sequence(root, "S0601", "5,6,7,8\n5,6,7,8\n", names("img{:06d}.jpg", 2))
    # DTB70: 00001.jpg, half-pixel values.
    write_otb_sequence(root, "Surfing06", "722.5,308,41,60\n720,312.5,42,61\n", names("{:05d}.jpg", 2))
    # UAV123: 000001.jpg, NaN for the absent target, space separated.
    write_otb_sequence(root, "wakeboard7", "5 6 7 8\nNaN NaN NaN NaN\n5 6 7 8\n", names("{:06d}.jpg", 3))
    # VOT: 8-value polygons, groundtruth.txt, 00000001.jpg directly in the sequence folder.
    polygons = "334.02,128.36,438.19,188.78,396.39,260.83,292.23,200.41\n1,2,11,2,11,12,1,12\n"
    write_otb_sequence(root, "bag", polygons, names("{:08d}.jpg", 2), gt_name="groundtruth.txt", in_img=False)
    (root / "MANIFEST.tsv").write_text("name\tframes\n")
    return root


def test_lists_every_sequence_folder_and_ignores_root_files(otb_root: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete root raises no warning
        sequences = load_otb(otb_root)
    assert [s.name for s in sequences] == ["bag", "S0601", "Surfing06", "Toy", "wakeboard7"]
    assert [len(s) for s in sequences] == [2, 2, 2, 3, 3]
    assert all(s.metadata["unannotated_frames"] == 0 for s in sequences)


def test_four_values_are_one_based_polygons_zero_based(otb_root: Path) -> None:
    by_name = {s.name: s for s in load_otb(otb_root)}
    np.testing.assert_array_equal(by_name["Toy"].boxes[0], [10, 20, 10, 8])
    np.testing.assert_array_equal(by_name["Surfing06"].boxes[0], [721.5, 307, 41, 60])
    np.testing.assert_allclose(by_name["bag"].boxes[0], [292.23, 128.36, 438.19 - 292.23, 260.83 - 128.36])
    np.testing.assert_array_equal(by_name["bag"].boxes[1], [1, 2, 10, 10])
    assert by_name["bag"].metadata["ground_truth_format"] == "polygon, 0-based"


def test_frame_names_of_every_benchmark(otb_root: Path) -> None:
    by_name = {s.name: s for s in load_otb(otb_root)}
    assert [p.name for p in by_name["S0601"].frames.paths] == ["img000001.jpg", "img000002.jpg"]
    assert by_name["bag"].frames.paths[0] == otb_root / "bag" / "00000001.jpg"
    assert by_name["Toy"].frames.paths[2] == otb_root / "Toy" / "img" / "0003.jpg"
    assert by_name["Toy"].frame(0).shape == (24, 32, 3)


def test_nan_rows_are_invisible(otb_root: Path) -> None:
    seq = load_otb(otb_root, names=["wakeboard7"])[0]
    np.testing.assert_array_equal(seq.visible, [True, False, True])


def test_unpadded_names_sort_numerically(tmp_path: Path) -> None:
    write_otb_sequence(tmp_path, "seq", "1,1,5,5\n" * 12, [f"{i}.jpg" for i in range(1, 13)])
    seq = load_otb(tmp_path)[0]
    assert [p.name for p in seq.frames.paths] == [f"{i}.jpg" for i in range(1, 13)]


def test_short_ground_truth_truncates_with_warning(tmp_path: Path) -> None:
    write_otb_sequence(tmp_path, "David", "1,1,5,5\n2,1,5,5\n", names("{:04d}.jpg", 5))
    with pytest.warns(UserWarning, match=r"2 boxes for 5 frames; sequence 'David' truncated .*3 dropped"):
        seq = load_otb(tmp_path)[0]
    assert len(seq) == 2 and len(seq.frames) == 2
    assert seq.frames.paths[-1].name == "0002.jpg" and seq.metadata["unannotated_frames"] == 3


def test_long_ground_truth_is_an_error_naming_the_file(tmp_path: Path) -> None:
    folder = write_otb_sequence(tmp_path, "Long", "1,1,5,5\n" * 4, names("{:04d}.jpg", 3))
    with pytest.raises(AnnotationFormatError, match="4 boxes but only 3 frames") as caught:
        load_otb(tmp_path)
    assert caught.value.path == folder / "groundtruth_rect.txt"


def test_folders_without_ground_truth_are_skipped_with_a_warning(otb_root: Path) -> None:
    write_frames(otb_root / "anno_only" / "img", ["0001.jpg"])
    with pytest.warns(
        UserWarning, match="skipped folders without groundtruth_rect.txt or groundtruth.txt: anno_only"
    ):
        sequences = load_otb(otb_root)
    assert "anno_only" not in [s.name for s in sequences]


def test_two_target_sequences_give_one_sequence_per_file(tmp_path: Path) -> None:
    folder = write_otb_sequence(
        tmp_path, "Jogging", "1,1,5,5\n1,1,5,5\n", names("{:04d}.jpg", 2), "groundtruth_rect.1.txt"
    )
    (folder / "groundtruth_rect.2.txt").write_text("3,3,4,4\n3,3,4,4\n")
    sequences = load_otb(tmp_path)
    assert [s.name for s in sequences] == ["Jogging-1", "Jogging-2"]
    np.testing.assert_array_equal(sequences[1].boxes[0], [2, 2, 4, 4])


@pytest.mark.parametrize(
    ("gt", "line", "fragment"),
    [
        ("1,1,5,5\n1,1,5\n", 2, "3 values on this line but 4"),
        ("1,1,5,5\n1,1,-5,5\n", 2, "negative box size"),
        ("1,1,5,5\n1,1,five,5\n", 2, "not a number: 'five'"),
    ],
)
def test_bad_ground_truth_names_file_and_line(tmp_path: Path, gt: str, line: int, fragment: str) -> None:
    folder = write_otb_sequence(tmp_path, "Bad", gt, names("{:04d}.jpg", 2))
    with pytest.raises(AnnotationFormatError, match=fragment) as caught:
        load_otb(tmp_path)
    assert caught.value.path == folder / "groundtruth_rect.txt" and caught.value.line == line


def test_boxes_entirely_outside_the_image_are_invisible(tmp_path: Path) -> None:
    # 32x24 frames. 1-based -> 0-based: [-11,-1) left of the image (caught at listing);
    # x=32 right of it and y=24 below it (need the image size); partly outside boxes stay visible.
    gt = "-10,5,10,5\n33,5,4,4\n5,25,4,4\n30,20,10,10\n"
    write_otb_sequence(tmp_path, "Out", gt, names("{:04d}.jpg", 4))
    seq = load_otb(tmp_path)[0]
    np.testing.assert_array_equal(seq.visible, [False, True, True, True])
    hide_boxes_outside_image(seq)
    np.testing.assert_array_equal(seq.visible, [False, False, False, True])
    np.testing.assert_array_equal(seq.boxes[3], [29, 19, 10, 10])  # never clipped


def test_frame_gaps_and_unnumbered_frames_are_layout_errors(tmp_path: Path) -> None:
    folder = write_otb_sequence(tmp_path, "Gap", "1,1,5,5\n" * 3, ["0001.jpg", "0002.jpg", "0004.jpg"])
    with pytest.raises(DatasetLayoutError, match="frames jump from 0002.jpg to 0004.jpg"):
        load_otb(tmp_path)
    (folder / "img" / "0004.jpg").rename(folder / "img" / "cover.jpg")
    with pytest.raises(DatasetLayoutError, match="cover.jpg: frame file name holds no frame number"):
        load_otb(tmp_path)


def test_corrupt_frame_fails_when_read_not_when_listed(tmp_path: Path) -> None:
    folder = write_otb_sequence(tmp_path, "Corrupt", "1,1,5,5\n" * 2, names("{:04d}.jpg", 2))
    bad = folder / "img" / "0002.jpg"
    bad.write_bytes(b"this is not a jpeg")
    seq = load_otb(tmp_path)[0]
    with pytest.raises(FrameReadError, match=re.escape(f"{bad}: frame cannot be decoded")):
        seq.frame(1)


@pytest.mark.parametrize(
    ("relative", "fragment"),
    [
        ("nowhere", "not a directory"),
        ("benchmark/Toy", "one sequence folder; pass its parent"),
        ("empty", "no sequence folder found"),
    ],
)
def test_wrong_root_says_what_was_expected(otb_root: Path, relative: str, fragment: str) -> None:
    (otb_root.parent / "empty").mkdir()
    with pytest.raises(DatasetLayoutError, match=fragment) as caught:
        load_otb(otb_root.parent / relative)
    assert "groundtruth_rect.txt" in str(caught.value)


def test_unknown_name_is_an_error(otb_root: Path) -> None:
    with pytest.raises(DatasetLayoutError, match="no sequence named Basketball"):
        load_otb(otb_root, names=["Toy", "Basketball"])
