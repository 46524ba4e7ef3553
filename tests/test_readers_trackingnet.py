"""TrackingNet reader: chunks, CRLF annotations, unpadded frame names in numeric order, one-row TEST files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fixtures_layouts import write_trackingnet_sequence

from vasr.data.readers import load_trackingnet
from vasr.errors import AnnotationFormatError, DatasetLayoutError

ROWS = [f"{10.0 + i},20.5,8.25,6.0" for i in range(12)]


@pytest.fixture
def tn_root(tmp_path: Path) -> Path:
    root = tmp_path / "TrackingNet"
    # 12 frames: 0..11, so string order (0, 1, 10, 11, 2, ...) and numeric order differ.
    write_trackingnet_sequence(root, "TRAIN_0", "-3TIfnTSM6c_2", ROWS, 12, values=[20 * i for i in range(12)])
    write_trackingnet_sequence(root, "TRAIN_0", "a1CXmbMjmk4_0", ROWS[:3], 3)
    write_trackingnet_sequence(root, "TRAIN_3", "Zz9Kq_0", ROWS[:2], 2)
    write_trackingnet_sequence(root, "TEST", "testseq_0", ROWS[:1], 12)
    return root


def test_default_reads_every_train_chunk_present(tn_root: Path) -> None:
    sequences = load_trackingnet(tn_root)
    assert [s.name for s in sequences] == ["-3TIfnTSM6c_2", "a1CXmbMjmk4_0", "Zz9Kq_0"]
    assert [s.metadata["chunk"] for s in sequences] == ["TRAIN_0", "TRAIN_0", "TRAIN_3"]


def test_crlf_annotations_are_read_as_zero_based_as_is(tn_root: Path) -> None:
    seq = load_trackingnet(tn_root, names=["-3TIfnTSM6c_2"])[0]
    assert len(seq) == 12 and seq.visible.all()
    np.testing.assert_array_equal(seq.boxes[0], [10.0, 20.5, 8.25, 6.0])
    np.testing.assert_array_equal(seq.boxes[11], [21.0, 20.5, 8.25, 6.0])


def test_unpadded_frames_are_in_numeric_order(tn_root: Path) -> None:
    seq = load_trackingnet(tn_root, names=["-3TIfnTSM6c_2"])[0]
    assert [p.name for p in seq.frames.paths] == [f"{i}.jpg" for i in range(12)]
    # Frame i was filled with grey 20*i: decoding proves frame 2 is 2.jpg, not 10.jpg.
    assert abs(float(seq.frame(2).mean()) - 40) < 3
    assert abs(float(seq.frame(10).mean()) - 200) < 3


def test_test_chunk_has_one_row_then_nan_and_invisible(tn_root: Path) -> None:
    seq = load_trackingnet(tn_root, split="test")[0]
    assert seq.name == "testseq_0" and len(seq) == 12
    np.testing.assert_array_equal(seq.boxes[0], [10.0, 20.5, 8.25, 6.0])
    assert np.isnan(seq.boxes[1:]).all()
    np.testing.assert_array_equal(seq.visible, [True] + [False] * 11)
    assert seq.metadata["annotated_frames"] == 1 and "only the first frame" in seq.metadata["note"]
    assert [p.name for p in seq.frames.paths][9:] == ["9.jpg", "10.jpg", "11.jpg"]


def test_chunks_option_takes_numbers_or_names(tn_root: Path) -> None:
    assert [s.name for s in load_trackingnet(tn_root, chunks=[3])] == ["Zz9Kq_0"]
    assert [s.name for s in load_trackingnet(tn_root, chunks=["TRAIN_3", "test"])] == ["Zz9Kq_0", "testseq_0"]
    assert len(load_trackingnet(tn_root, split="all")) == 4
    with pytest.raises(DatasetLayoutError, match="TRAIN_5: TrackingNet chunk folder is missing"):
        load_trackingnet(tn_root, chunks=[5])
    with pytest.raises(ValueError, match="unknown TrackingNet chunk 12"):
        load_trackingnet(tn_root, chunks=[12])


def test_train_annotation_must_cover_every_frame(tmp_path: Path) -> None:
    anno = write_trackingnet_sequence(tmp_path, "TRAIN_1", "short_0", ROWS[:4], 6)
    with pytest.raises(AnnotationFormatError, match="4 annotated frames but .* holds 6 frames") as caught:
        load_trackingnet(tmp_path)
    assert caught.value.path == anno


def test_test_frames_must_run_from_zero_without_gap(tmp_path: Path) -> None:
    write_trackingnet_sequence(tmp_path, "TEST", "gap_0", ROWS[:1], 5)
    (tmp_path / "TEST" / "frames" / "gap_0" / "2.jpg").unlink()
    with pytest.raises(DatasetLayoutError, match=r"gap_0: frame 2\.jpg is missing"):
        load_trackingnet(tmp_path, split="test")


def test_malformed_line_names_file_and_line(tmp_path: Path) -> None:
    anno = write_trackingnet_sequence(tmp_path, "TRAIN_2", "bad_0", ["1,2,3,4", "1,2,3,4", "1;2;3;4"], 3)
    with pytest.raises(AnnotationFormatError) as caught:
        load_trackingnet(tmp_path)
    assert caught.value.path == anno and caught.value.line == 3


@pytest.mark.parametrize(
    ("relative", "fragment"),
    [
        ("missing", "not a directory"),
        ("TrackingNet/TRAIN_0", "one TrackingNet chunk; pass its parent"),
        ("TrackingNet/TRAIN_0/anno", "no TrackingNet chunk found"),
    ],
)
def test_wrong_root_says_what_was_expected(tn_root: Path, relative: str, fragment: str) -> None:
    with pytest.raises(DatasetLayoutError, match=fragment) as caught:
        load_trackingnet(tn_root.parent / relative)
    assert "TRAIN_0 ... TRAIN_11" in str(caught.value)
