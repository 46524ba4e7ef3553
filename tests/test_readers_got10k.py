"""GOT-10k reader: list.txt order, absence/cover-driven visibility, meta_info.ini, one-row test split."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fixtures_layouts import write_got10k_sequence

from vasr.data.readers import load_got10k, read_meta_info
from vasr.errors import AnnotationFormatError, DatasetLayoutError

ROWS = ["3.0000,4.0000,10.0000,8.0000", "4.0000,4.0000,10.0000,8.0000", "5.5000,4.0000,10.0000,8.0000"]


@pytest.fixture
def got_root(tmp_path: Path) -> Path:
    root = tmp_path / "GOT-10k"
    write_got10k_sequence(root, "train", 2, ROWS, absence=[0, 1, 0], cover=[8, 0, 0], cut_by_image=[0, 0, 1])
    write_got10k_sequence(root, "train", 1, ROWS[:2])
    write_got10k_sequence(root, "val", 1, ROWS)
    write_got10k_sequence(root, "test", 1, ROWS[:1], num_frames=4)
    return root


def test_sequences_follow_list_txt_split_by_split(got_root: Path) -> None:
    names = [s.name for s in load_got10k(got_root)]
    assert names == [
        "GOT-10k_Train_000002",
        "GOT-10k_Train_000001",
        "GOT-10k_Val_000001",
        "GOT-10k_Test_000001",
    ]
    assert [s.name for s in load_got10k(got_root, split="val")] == ["GOT-10k_Val_000001"]


def test_boxes_as_is_and_labels_drive_visibility(got_root: Path) -> None:
    seq = load_got10k(got_root, split="train", names=["GOT-10k_Train_000002"])[0]
    np.testing.assert_array_equal(seq.boxes[2], [5.5, 4.0, 10.0, 8.0])  # 0-based: stored as is
    # Frame 1: absent; frame 2: present but cover 0 (fully occluded): both invisible.
    np.testing.assert_array_equal(seq.visible, [True, False, False])
    np.testing.assert_array_equal(seq.metadata["cover"], [8, 0, 0])
    np.testing.assert_array_equal(seq.metadata["cut_by_image"], [0, 0, 1])
    assert [p.name for p in seq.frames.paths] == ["00000001.jpg", "00000002.jpg", "00000003.jpg"]


def test_meta_info_is_parsed_tolerantly(got_root: Path, tmp_path: Path) -> None:
    meta = load_got10k(got_root, split="val")[0].metadata["meta_info"]
    assert meta["object_class"] == "ichneumon" and meta["motion_adverb"] == "slowly"
    assert meta["url"] == "https://youtu.be/abcdefghijk" and meta["begin"] == "00:00:02"
    odd = tmp_path / "odd.ini"
    odd.write_bytes(b"\xef\xbb\xbfno section here\r\nkey = value\r\n; comment\r\nkey: again\r\n\r\n")
    assert read_meta_info(odd) == {"key": "again"}


def test_test_split_has_one_row_then_nan(got_root: Path) -> None:
    seq = load_got10k(got_root, split="test")[0]
    assert len(seq) == 4 and seq.metadata["annotated_frames"] == 1
    assert np.isnan(seq.boxes[1:]).all()
    np.testing.assert_array_equal(seq.visible, [True, False, False, False])
    assert seq.metadata["meta_info"] == {} and "cover" not in seq.metadata


def test_label_count_mismatch_names_the_label_file(tmp_path: Path) -> None:
    folder = write_got10k_sequence(tmp_path, "train", 1, ROWS, absence=[0, 0])
    with pytest.raises(
        AnnotationFormatError, match=r"absence\.label: 2 labels but groundtruth\.txt has 3"
    ) as caught:
        load_got10k(tmp_path)
    assert caught.value.path == folder / "absence.label"


def test_cover_out_of_range_names_file_and_line(tmp_path: Path) -> None:
    folder = write_got10k_sequence(tmp_path, "train", 1, ROWS, cover=[8, 9, 8])
    with pytest.raises(AnnotationFormatError, match="expected an integer 0..8") as caught:
        load_got10k(tmp_path)
    assert caught.value.path == folder / "cover.label" and caught.value.line == 2


def test_frame_count_must_match_ground_truth(tmp_path: Path) -> None:
    write_got10k_sequence(tmp_path, "train", 1, ROWS, num_frames=2)
    with pytest.raises(AnnotationFormatError, match="3 annotated frames but .* holds 2 frames"):
        load_got10k(tmp_path)


def test_listed_but_missing_folder(tmp_path: Path) -> None:
    write_got10k_sequence(tmp_path, "val", 1, ROWS)
    with (tmp_path / "val" / "list.txt").open("a") as handle:
        handle.write("GOT-10k_Val_000009\n")
    with pytest.raises(DatasetLayoutError, match="GOT-10k_Val_000009: listed in val/list.txt but missing"):
        load_got10k(tmp_path)


@pytest.mark.parametrize(
    ("relative", "split", "fragment"),
    [
        ("nowhere", None, "not a directory"),
        ("GOT-10k/train", None, "one GOT-10k split folder; pass its parent"),
        ("", None, "no GOT-10k split found"),
        ("GOT-10k", "val", "split list is missing"),
    ],
)
def test_wrong_root_or_split_says_what_was_expected(
    tmp_path: Path, relative: str, split, fragment: str
) -> None:
    write_got10k_sequence(tmp_path / "GOT-10k", "train", 1, ROWS)
    with pytest.raises(DatasetLayoutError, match=fragment) as caught:
        load_got10k(tmp_path / relative, split=split)
    assert "train/list.txt" in str(caught.value)


def test_unknown_split_is_rejected(got_root: Path) -> None:
    with pytest.raises(ValueError, match="unknown GOT-10k split 'validation'"):
        load_got10k(got_root, split="validation")
