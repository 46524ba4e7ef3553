"""LaSOT reader: exact layout, 1-based boxes, flag-driven visibility, official split, clear errors."""

from __future__ import annotations

import re
from collections import Counter
from importlib.resources import files
from pathlib import Path

import cv2
import numpy as np
import pytest
from fixtures_layouts import write_lasot_sequence
from PIL import Image

from vasr.data import ImageFolderFrames
from vasr.data.readers import lasot_split, load_lasot
from vasr.data.readers.lasot import read_lasot_sequence
from vasr.errors import AnnotationFormatError, DatasetLayoutError, FrameReadError

# airplane-1 and rubicCube-1 are official test sequences, airplane-2 and rubicCube-2 training ones.
AIRPLANE_GT = ["11,21,10,8", "12,21,10,8", "0,0,0,0", "250,180,10,8", "14,22,11,9", "15,22,11,9"]


@pytest.fixture
def lasot_root(tmp_path: Path) -> Path:
    root = tmp_path / "LaSOTBenchmark"
    # Frame 3: fully occluded with the usual 0,0,0,0 junk; frame 4: out of view with a real-looking box.
    write_lasot_sequence(
        root, "airplane-1", AIRPLANE_GT, occlusion=[0, 0, 1, 0, 0, 0], out_of_view=[0, 0, 0, 1, 0, 0]
    )
    write_lasot_sequence(root, "airplane-2", ["1,1,5,5"] * 3)
    write_lasot_sequence(root, "rubicCube-1", ["3,4,5,6"] * 2, nlp="rubik's cube in a hand\n")
    write_lasot_sequence(root, "rubicCube-2", ["3,4,5,6"] * 4)
    return root


def test_reads_every_sequence_in_category_then_number_order(lasot_root: Path) -> None:
    sequences = load_lasot(lasot_root)
    assert [s.name for s in sequences] == ["airplane-1", "airplane-2", "rubicCube-1", "rubicCube-2"]
    assert [s.metadata["category"] for s in sequences] == ["airplane", "airplane", "rubicCube", "rubicCube"]
    assert [len(s) for s in sequences] == [6, 3, 2, 4]


def test_boxes_become_zero_based_and_flags_drive_visibility(lasot_root: Path) -> None:
    seq = load_lasot(lasot_root, names=["airplane-1"])[0]
    assert seq.boxes.dtype == np.float64 and seq.boxes.shape == (6, 4)
    np.testing.assert_array_equal(seq.boxes[0], [10, 20, 10, 8])  # 1-based 11,21 -> 0-based 10,20
    np.testing.assert_array_equal(seq.visible, [True, True, False, False, True, True])
    np.testing.assert_array_equal(seq.metadata["full_occlusion"], [0, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(seq.metadata["out_of_view"], [0, 0, 0, 1, 0, 0])
    assert seq.metadata["nlp"] == "white airplane landing on the ground"


def test_zero_size_junk_is_invisible_even_without_flags(tmp_path: Path) -> None:
    folder = write_lasot_sequence(tmp_path, "cat-3", ["5,5,4,4", "0,0,0,0", "5,5,4,4"])
    (folder / "full_occlusion.txt").unlink()
    (folder / "out_of_view.txt").unlink()
    seq = read_lasot_sequence(folder)
    np.testing.assert_array_equal(seq.visible, [True, False, True])


def test_frames_are_lazy_numbered_from_one_and_decode(lasot_root: Path) -> None:
    seq = load_lasot(lasot_root, names=["airplane-2"])[0]
    assert isinstance(seq.frames, ImageFolderFrames)
    assert [p.name for p in seq.frames.paths] == ["00000001.jpg", "00000002.jpg", "00000003.jpg"]
    assert seq.frames.paths[-1] == lasot_root / "airplane" / "airplane-2" / "img" / "00000003.jpg"
    assert seq.frame(2).shape == (24, 32, 3) and seq.image_size == (32, 24)


def test_listing_opens_no_image(lasot_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an image was opened while listing")

    monkeypatch.setattr(Image, "open", refuse)
    monkeypatch.setattr(cv2, "imread", refuse)
    assert len(load_lasot(lasot_root)) == 4


def test_camel_case_category_splits_on_last_dash(lasot_root: Path) -> None:
    seq = load_lasot(lasot_root, categories=["rubicCube"], names=["rubicCube-1"])[0]
    assert seq.metadata["category"] == "rubicCube"
    assert seq.metadata["nlp"] == "rubik's cube in a hand"


def test_official_split_selects_sequences_present_on_disk(lasot_root: Path) -> None:
    assert [s.name for s in load_lasot(lasot_root, split="train")] == ["airplane-2", "rubicCube-2"]
    assert [s.name for s in load_lasot(lasot_root, split="test")] == ["airplane-1", "rubicCube-1"]
    assert len(load_lasot(lasot_root, split="all")) == 4
    with pytest.raises(ValueError, match="unknown LaSOT split 'val'"):
        load_lasot(lasot_root, split="val")


def test_shipped_split_lists_are_the_official_protocol() -> None:
    train, test = lasot_split("train"), lasot_split("test")
    assert len(train) == len(set(train)) == 1120 and len(test) == len(set(test)) == 280
    assert not set(train) & set(test)
    per_category = Counter(name.rpartition("-")[0] for name in train + test)
    assert len(per_category) == 70 and set(per_category.values()) == {20}
    assert set(Counter(n.rpartition("-")[0] for n in train).values()) == {16}
    assert all(re.fullmatch(r"[a-zA-Z]+-([1-9]|1\d|20)", n) for n in train + test)
    assert {"rubicCube-1", "airplane-1"} <= set(test) and "rubicCube-2" in train
    assert (files("vasr.data.splits") / "lasot_train.txt").is_file()  # packaged data, not a repo path


def test_filters_and_unknown_names(lasot_root: Path) -> None:
    assert [s.name for s in load_lasot(lasot_root, categories=["airplane"])] == ["airplane-1", "airplane-2"]
    assert [s.name for s in load_lasot(lasot_root, split="train", categories=["rubicCube"])] == [
        "rubicCube-2"
    ]
    with pytest.raises(DatasetLayoutError, match="no sequence named airplane-7"):
        load_lasot(lasot_root, names=["airplane-7"])
    with pytest.raises(DatasetLayoutError, match="no LaSOT category folder dog"):
        load_lasot(lasot_root, categories=["dog"])


def test_gt_lines_must_match_the_frame_count(tmp_path: Path) -> None:
    folder = write_lasot_sequence(tmp_path, "bird-1", ["1,1,5,5"] * 4, num_frames=5)
    with pytest.raises(
        AnnotationFormatError, match=r"groundtruth\.txt: 4 annotated frames but .* holds 5 frames"
    ):
        load_lasot(tmp_path)
    (folder / "img" / "00000005.jpg").unlink()
    (folder / "img" / "00000004.jpg").unlink()
    with pytest.raises(AnnotationFormatError, match="holds 3 frames"):
        load_lasot(tmp_path)


def test_flag_count_must_match_the_gt_lines(tmp_path: Path) -> None:
    write_lasot_sequence(tmp_path, "bird-1", ["1,1,5,5"] * 3, out_of_view=[0, 0])
    with pytest.raises(
        AnnotationFormatError, match=r"out_of_view\.txt: 2 flags but groundtruth\.txt has 3 lines"
    ):
        load_lasot(tmp_path)


def test_malformed_gt_line_names_file_and_line(tmp_path: Path) -> None:
    folder = write_lasot_sequence(tmp_path, "bird-1", ["1,1,5,5", "1,1,5"])
    with pytest.raises(AnnotationFormatError) as caught:
        load_lasot(tmp_path)
    assert caught.value.path == folder / "groundtruth.txt" and caught.value.line == 2


def test_box_entirely_left_of_the_image_is_invisible_partly_outside_is_not(tmp_path: Path) -> None:
    # 1-based: x=-9, w=10 -> 0-based [-10, 0): entirely outside; x=-4 -> [-5, 5): partly inside.
    write_lasot_sequence(tmp_path, "bird-1", ["-9,5,10,5", "-4,5,10,5"])
    seq = load_lasot(tmp_path)[0]
    np.testing.assert_array_equal(seq.visible, [False, True])
    np.testing.assert_array_equal(seq.boxes[1], [-5, 4, 10, 5])  # not clipped


@pytest.mark.parametrize(
    ("make_root", "fragment"),
    [
        (lambda root: root / "nowhere", "not a directory"),
        (lambda root: root / "airplane", "one LaSOT category folder; pass its parent"),
        (lambda root: root / "airplane" / "airplane-1", "one LaSOT sequence folder"),
        (lambda root: root.parent, "no LaSOT sequence found"),
    ],
)
def test_wrong_root_says_what_was_expected(lasot_root: Path, make_root, fragment: str) -> None:
    with pytest.raises(DatasetLayoutError, match=fragment) as caught:
        load_lasot(make_root(lasot_root))
    assert "<category>/<category>-<N>/groundtruth.txt" in str(caught.value)


def test_missing_and_corrupt_frames_fail_when_read(lasot_root: Path) -> None:
    seq = load_lasot(lasot_root, names=["rubicCube-2"])[0]
    missing = lasot_root / "rubicCube" / "rubicCube-2" / "img" / "00000002.jpg"
    missing.unlink()
    corrupt = missing.with_name("00000003.jpg")
    corrupt.write_bytes(b"\x00garbage, not a JPEG")
    with pytest.raises(FrameReadError, match=re.escape(f"{missing}: frame file is missing")):
        seq.frame(1)
    with pytest.raises(FrameReadError, match=re.escape(str(corrupt))):
        seq.frame(2)
    assert seq.frame(3).shape == (24, 32, 3)


def test_sequences_pickle_cheaply(lasot_root: Path) -> None:
    import pickle

    seq = load_lasot(lasot_root, names=["airplane-1"])[0]
    clone = pickle.loads(pickle.dumps(seq))
    assert clone.frames.paths[5] == seq.frames.paths[5] and len(clone.frames) == 6
    np.testing.assert_array_equal(clone.boxes, seq.boxes)
