"""Exports of a dense annotation: each format reads back, through vasr's own readers where one exists, as the
boxes that were written; the other formats are checked field by field; every file is written atomically."""

from __future__ import annotations

import configparser
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from fixtures_layouts import HEIGHT, WIDTH, write_frames

from vasr import atomic
from vasr.annotations.dense import DenseAnnotation
from vasr.annotations.exports import (
    EXPORTERS,
    export,
    read_json,
    write_cvat_video,
    write_got10k,
    write_json,
    write_lasot,
    write_mot,
    write_otb,
    write_trackingnet,
)
from vasr.annotations.suggestions import suggestion_lines
from vasr.data.readers import load_lasot
from vasr.data.readers.got10k import read_got10k_sequence
from vasr.data.readers.lasot import read_lasot_sequence
from vasr.data.readers.otb import read_otb_sequence
from vasr.data.readers.trackingnet import read_trackingnet_sequence
from vasr.errors import DatasetLayoutError
from vasr.run import summary_row, summary_text, summary_total

NAN = np.nan
# Six frames of 32x24: sub-pixel boxes, no box at frame 3, frame 5's box crosses the left border.
BOXES = [
    [3.25, 4.5, 10.0, 8.0],
    [4.0, 4.75, 10.5, 8.0],
    [5.125, 5.0, 11.0, 8.25],
    [NAN, NAN, NAN, NAN],
    [0.0, 0.0, 6.0, 5.0],
    [-2.25, 10.0, 9.0, 7.5],
]
KEYFRAMES = [0, 5]
FAILURE = [False, False, True, True, False, False]
QUALITY = [NAN, 0.8, -0.6, NAN, 0.3, NAN]
DIRECTION = [-1, 0, 0, -1, 1, -1]
SUGGESTIONS = [2, 4]  # box frame 2 first, then frame 4
FORMATS = ["lasot", "otb", "got10k", "trackingnet", "mot", "cvat", "json", "vasr"]


def make_annotation(name: str = "bird-3", **changes: object) -> DenseAnnotation:
    fields: dict[str, object] = {
        "name": name,
        "boxes": BOXES,
        "keyframes": KEYFRAMES,
        "failure": FAILURE,
        "quality": QUALITY,
        "direction": DIRECTION,
        "image_size": (WIDTH, HEIGHT),
        "frame_names": [f"{i:08d}.jpg" for i in range(1, 7)],
        "suggestions": SUGGESTIONS,
    }
    fields.update(changes)
    return DenseAnnotation(**fields)


@pytest.fixture
def ann() -> DenseAnnotation:
    return make_annotation()


def has_box() -> np.ndarray:
    return np.isfinite(np.asarray(BOXES)).all(axis=1)


def leftovers(root: Path) -> list[Path]:
    """Temporary files an atomic write may leave behind (none, ever)."""
    return [p for p in root.rglob("*") if ".tmp" in p.name]


# --- DenseAnnotation ----------------------------------------------------------------------------------------


def test_dense_annotation_normalises_types(ann: DenseAnnotation) -> None:
    assert ann.boxes.dtype == np.float64 and ann.boxes.shape == (6, 4)
    assert ann.keyframes.dtype == np.int64 and ann.failure.dtype == bool
    assert ann.direction.dtype == np.int8 and ann.image_size == (WIDTH, HEIGHT)
    np.testing.assert_array_equal(ann.has_box, has_box())
    unsorted = make_annotation(keyframes=np.array([5, 0, 5]))
    np.testing.assert_array_equal(unsorted.keyframes, [0, 5])  # sorted, unique
    assert make_annotation(frame_names=[]).frame_names == [""] * 6  # frames of a video have no file name


def test_a_flagged_frame_says_why_and_only_a_flagged_frame_has_a_reason() -> None:
    reasons = ["low score", "", "tied", "no witness", "no track", ""]  # frames 0 and 4 are not flagged
    ann = make_annotation(flag_reason=reasons)
    assert ann.flag_reason.tolist() == ["", "", "tied", "no witness", "", ""]
    assert ann.review_reasons == ["tied", "no witness"]  # in the order of the review frames
    assert make_annotation().review_reasons == ["", ""]  # not known: nothing is made up


def test_review_frames_and_labour_saved(ann: DenseAnnotation) -> None:
    np.testing.assert_array_equal(ann.review_frames, [2, 3])
    # 2 keyframes + 2 flagged frames out of 6 need a human.
    assert ann.labour_saved == pytest.approx(1 - 4 / 6)
    # A flagged keyframe is counted once.
    flagged_keyframe = make_annotation(failure=[True, False, True, True, False, False])
    assert flagged_keyframe.labour_saved == pytest.approx(1 - 4 / 6)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"boxes": np.zeros((6, 3))}, r"shape \(N, 4\)"),
        ({"boxes": np.zeros((0, 4)), "failure": [], "quality": [], "direction": []}, "N >= 1"),
        ({"boxes": [*BOXES[:5], [1.0, NAN, 2.0, 2.0]]}, "neither finite nor all NaN"),
        ({"boxes": [*BOXES[:5], [1.0, 1.0, -2.0, 2.0]]}, "negative size"),
        ({"keyframes": [0, 6]}, r"keyframe 6 outside 0\.\.5"),
        ({"keyframes": [-1]}, "keyframe -1 outside"),
        ({"keyframes": [0.0, 2.5]}, "integer frame indices"),
        ({"keyframes": np.ones(6, bool)}, "integer frame indices"),
        ({"failure": FAILURE[:5]}, r"failure must have shape \(6,\)"),
        ({"failure": [0, 0, 2, 0, 0, 0]}, "booleans"),
        ({"quality": QUALITY + [0.0]}, r"quality must have shape \(6,\)"),
        ({"quality": [np.inf] + QUALITY[1:]}, "infinite"),
        ({"direction": [-1, 0, 2, -1, 1, -1]}, r"direction values \[2\]"),
        ({"direction": [0.5] * 6}, "integers"),
        ({"image_size": (0, HEIGHT)}, "two positive integers"),
        ({"image_size": (WIDTH,)}, "two positive integers"),
        ({"frame_names": ["a.jpg"]}, "1 frame names for 6 frames"),
        ({"name": "a/b"}, "cannot be used as a file name"),
        ({"name": ".."}, "cannot be used as a file name"),
        ({"flag_reason": ["tied"] * 5}, r"flag_reason must have shape \(6,\)"),
        ({"flag_reason": [0] * 6}, "flag_reason holds a value that is not text"),
    ],
)
def test_dense_annotation_rejects_inconsistent_input(changes: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_annotation(**changes)


# --- round trips through vasr's readers ---------------------------------------------------------------------


def assert_same_boxes(read: np.ndarray, visible: np.ndarray) -> None:
    """The reader gives back every written box (1e-3 px) and marks exactly the box-less frames invisible."""
    np.testing.assert_array_equal(visible, has_box())
    np.testing.assert_allclose(read[visible], np.asarray(BOXES)[has_box()], atol=1e-3)


def test_lasot_round_trip(ann: DenseAnnotation, tmp_path: Path) -> None:
    # <dir> plays LaSOT's category folder: <root>/bird/bird-3/.
    paths = write_lasot(ann, tmp_path / "bird")
    folder = tmp_path / "bird" / "bird-3"
    assert {p.name for p in paths} == {"groundtruth.txt", "full_occlusion.txt", "out_of_view.txt"}
    write_frames(folder / "img", [f"{i:08d}.jpg" for i in range(1, 7)])
    seq = read_lasot_sequence(folder)
    assert_same_boxes(seq.boxes, seq.visible)
    np.testing.assert_array_equal(seq.metadata["out_of_view"], ~has_box())
    assert not seq.metadata["full_occlusion"].any()
    # LaSOT's own layout: flags on ONE comma-separated line, 0,0,0,0 for the frame without a box.
    assert (folder / "out_of_view.txt").read_text() == "0,0,0,1,0,0"
    assert (folder / "groundtruth.txt").read_text().splitlines()[3] == "0,0,0,0"
    assert (folder / "groundtruth.txt").read_text().splitlines()[0] == "4.250,5.500,10.000,8.000"  # 1-based
    assert [s.name for s in load_lasot(tmp_path)] == ["bird-3"]


def test_otb_round_trip(ann: DenseAnnotation, tmp_path: Path) -> None:
    (path,) = write_otb(ann, tmp_path)
    assert path == tmp_path / "bird-3" / "groundtruth_rect.txt"
    write_frames(path.parent / "img", [f"{i:04d}.jpg" for i in range(1, 7)])
    seq = read_otb_sequence(path)
    assert_same_boxes(seq.boxes, seq.visible)
    assert np.isnan(seq.boxes[3]).all()  # NaN, as UAV123 writes an absent target


def test_got10k_round_trip(ann: DenseAnnotation, tmp_path: Path) -> None:
    paths = write_got10k(ann, tmp_path / "train")
    folder = tmp_path / "train" / "bird-3"
    assert {p.name for p in paths} == {
        "groundtruth.txt",
        "absence.label",
        "cover.label",
        "cut_by_image.label",
    }
    write_frames(folder, [f"{i:08d}.jpg" for i in range(1, 7)])
    seq = read_got10k_sequence(folder, "train")
    assert_same_boxes(seq.boxes, seq.visible)
    assert (folder / "groundtruth.txt").read_text().splitlines()[0] == "3.250,4.500,10.000,8.000"  # 0-based
    np.testing.assert_array_equal(seq.metadata["absence"], [0, 0, 0, 1, 0, 0])
    np.testing.assert_array_equal(seq.metadata["cover"], [8, 8, 8, 0, 8, 8])
    # Frame 5's box starts left of the image.
    np.testing.assert_array_equal(seq.metadata["cut_by_image"], [0, 0, 0, 0, 0, 1])


def test_trackingnet_round_trip(ann: DenseAnnotation, tmp_path: Path) -> None:
    chunk = tmp_path / "TRAIN_0"  # <dir> plays a TrackingNet chunk
    (path,) = write_trackingnet(ann, chunk)
    assert path == chunk / "anno" / "bird-3.txt"
    write_frames(chunk / "frames" / "bird-3", [f"{i}.jpg" for i in range(6)])
    seq = read_trackingnet_sequence(chunk, "bird-3")
    assert_same_boxes(seq.boxes, seq.visible)
    np.testing.assert_array_equal(seq.boxes[3], [0, 0, 0, 0])  # zero size: invalid to every loader


# --- formats without a vasr reader: field by field ----------------------------------------------------------


def test_mot_lines_are_one_based_and_skip_frames_without_box(ann: DenseAnnotation, tmp_path: Path) -> None:
    gt, seqinfo = write_mot(ann, tmp_path, track_id=7, class_id=3)
    assert gt == tmp_path / "bird-3" / "gt" / "gt.txt"
    rows = [line.split(",") for line in gt.read_text().splitlines()]
    assert [int(r[0]) for r in rows] == [1, 2, 3, 5, 6]  # frame 4 (index 3) has no box
    for row, index in zip(rows, [0, 1, 2, 4, 5], strict=True):
        assert len(row) == 9
        frame, track, x, y, w, h, conf, cls, visibility = row
        assert (int(frame), int(track), int(conf), int(cls), float(visibility)) == (index + 1, 7, 1, 3, 1.0)
        x0, y0, w0, h0 = BOXES[index]
        np.testing.assert_allclose(
            [float(x), float(y), float(w), float(h)], [x0 + 1, y0 + 1, w0, h0], atol=1e-3
        )
    info = configparser.ConfigParser()
    info.read(seqinfo)
    sequence = info["Sequence"]
    assert (sequence["name"], int(sequence["seqLength"])) == ("bird-3", 6)
    assert (int(sequence["imWidth"]), int(sequence["imHeight"]), sequence["imExt"]) == (WIDTH, HEIGHT, ".jpg")


def test_cvat_video_xml(tmp_path: Path) -> None:
    ann = make_annotation(flag_reason=["", "", "low score", "no track", "", ""])
    (path,) = write_cvat_video(ann, tmp_path, label="bird")
    root = ET.parse(path).getroot()
    assert root.tag == "annotations" and root.findtext("version") == "1.1"
    task = root.find("meta/task")
    assert task.findtext("size") == "6" and task.findtext("mode") == "interpolation"
    assert (task.findtext("start_frame"), task.findtext("stop_frame")) == ("0", "5")
    assert (task.findtext("original_size/width"), task.findtext("original_size/height")) == (
        str(WIDTH),
        str(HEIGHT),
    )
    label = task.find("labels/label")
    assert label.findtext("name") == "bird"
    declared = {a.findtext("name"): a.findtext("input_type") for a in label.findall("attributes/attribute")}
    assert declared == {
        "human_keyframe": "checkbox", "review": "checkbox", "suggestion_rank": "number", "flag_reason": "text"
    }  # fmt: skip

    (track,) = root.findall("track")
    assert track.get("id") == "0" and track.get("label") == "bird"
    boxes = track.findall("box")
    assert [int(b.get("frame")) for b in boxes] == list(range(6))
    for index, box in enumerate(boxes):
        # Every box is a CVAT keyframe: CVAT keeps only keyframes on import and re-interpolates the rest.
        assert (box.get("keyframe"), box.get("occluded"), box.get("z_order")) == ("1", "0", "0")
        attributes = {a.get("name"): a.text for a in box.findall("attribute")}
        assert attributes["human_keyframe"] == ("true" if index in KEYFRAMES else "false")
        # to review: flagged (2, 3) or suggested (2, 4); the rank says which to box first
        assert attributes["review"] == ("true" if FAILURE[index] or index in SUGGESTIONS else "false")
        assert attributes["suggestion_rank"] == {2: "1", 4: "2"}.get(index, "0")
        assert (attributes["flag_reason"] or "") == {2: "low score", 3: "no track"}.get(index, "")
        assert box.get("outside") == ("0" if has_box()[index] else "1")
        corners = [float(box.get(k)) for k in ("xtl", "ytl", "xbr", "ybr")]
        x, y, w, h = BOXES[index if has_box()[index] else 2]  # no box: the previous box is repeated
        np.testing.assert_allclose(corners, [x, y, x + w, y + h], atol=1e-3)


def test_cvat_without_any_box_still_has_coordinates(tmp_path: Path) -> None:
    empty = make_annotation(boxes=np.full((6, 4), NAN), keyframes=[])
    (path,) = write_cvat_video(empty, tmp_path)
    boxes = ET.parse(path).getroot().findall("track/box")
    assert all(b.get("outside") == "1" and b.get("xbr") == "0.000" for b in boxes)


def test_json_holds_everything(ann: DenseAnnotation, tmp_path: Path) -> None:
    (path,) = write_json(ann, tmp_path)
    assert path == tmp_path / "bird-3.json"
    data = json.loads(path.read_text())
    assert data["format_version"] == 1 and data["name"] == "bird-3" and data["num_frames"] == 6
    assert data["image_size"] == {"width": WIDTH, "height": HEIGHT}
    assert data["boxes"][3] is None
    np.testing.assert_array_equal([b for b in data["boxes"] if b is not None], np.asarray(BOXES)[has_box()])
    assert data["keyframes"] == KEYFRAMES and data["failure_frames"] == [2, 3]
    assert data["failure_reasons"] == ["", ""]
    assert data["quality"] == [None, 0.8, -0.6, None, 0.3, None]
    assert data["direction"] == ["none", "forward", "forward", "none", "backward", "none"]
    assert data["frame_names"] == ann.frame_names
    assert data["suggestions"] == SUGGESTIONS
    assert data["labour_saved"] == pytest.approx(ann.labour_saved)


def test_json_keeps_why_each_frame_is_flagged_and_reads_a_file_without_reasons(tmp_path: Path) -> None:
    ann = make_annotation(flag_reason=["", "", "low score", "between flags", "", ""])
    (path,) = write_json(ann, tmp_path)
    assert json.loads(path.read_text())["failure_reasons"] == ["low score", "between flags"]
    assert read_json(path)[0].flag_reason.tolist() == ann.flag_reason.tolist()
    older = {k: v for k, v in json.loads(path.read_text()).items() if k != "failure_reasons"}
    path.write_text(json.dumps(older))  # written by a vasr that did not record reasons
    again, _ = read_json(path)
    assert again.review_frames.tolist() == [2, 3] and again.review_reasons == ["", ""]


def test_suggest_txt_and_the_run_summary_say_why_frames_are_flagged() -> None:
    ann = make_annotation(flag_reason=["", "", "no witness", "low score", "", ""])
    lines = suggestion_lines(ann)  # frame 2 (flagged) first, then frame 4 (not flagged)
    assert lines[0].endswith("  flagged (no witness)") and "flagged" not in lines[1]
    older = make_annotation("b", flag_reason=["", "", "no witness", "", "", ""])  # frame 3's reason unknown
    assert suggestion_lines(make_annotation())[0].endswith("flagged (reason not recorded)")
    total = summary_total([summary_row(ann, "annotated"), summary_row(older, "kept")])
    assert total["flag_reasons"] == {"no witness": 2, "low score": 1, "not recorded": 1}
    assert sum(total["flag_reasons"].values()) == len(ann.review_frames) + len(older.review_frames)
    text = summary_text({"total": total, "sequences": [summary_row(ann, "annotated")]}, Path("out"))
    assert "flagged: 2 no witness, 1 low score, 1 not recorded" in text


# --- registry -----------------------------------------------------------------------------------------------


def test_export_writes_each_format_in_its_own_folder(ann: DenseAnnotation, tmp_path: Path) -> None:
    assert list(EXPORTERS) == FORMATS
    written = export(ann, tmp_path, FORMATS)
    assert list(written) == FORMATS
    for name, paths in written.items():
        assert paths and all(p.is_file() and tmp_path / name in p.parents for p in paths)
    assert leftovers(tmp_path) == []
    assert list(export(ann, tmp_path / "one", "json")) == ["json"]  # a single name is one format


def test_unknown_format_is_refused_before_anything_is_written(ann: DenseAnnotation, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown export format 'coco'.*valid: lasot, otb, got10k"):
        export(ann, tmp_path / "out", ["json", "coco"])
    assert not (tmp_path / "out").exists()


# --- atomicity ----------------------------------------------------------------------------------------------


def test_failed_rename_leaves_no_file(
    ann: DenseAnnotation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", refuse)
    for writer in EXPORTERS.values():
        with pytest.raises(OSError, match="disk full"):
            writer(ann, tmp_path)
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_main_file_is_written_last(
    ann: DenseAnnotation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A LaSOT export interrupted before its ground truth is not a sequence any reader picks up."""
    real_replace = atomic.os.replace

    def replace(src: str, dst: str) -> None:
        if Path(dst).name == "groundtruth.txt":
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        write_lasot(ann, tmp_path / "bird")
    assert not (tmp_path / "bird" / "bird-3" / "groundtruth.txt").exists()
    assert leftovers(tmp_path) == []
    with pytest.raises(DatasetLayoutError):
        load_lasot(tmp_path)


def test_error_while_writing_keeps_the_previous_file(
    ann: DenseAnnotation, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (path,) = write_otb(ann, tmp_path)
    before = path.read_bytes()

    class HalfWritten:
        def __init__(self, file: str, *args: object, **kwargs: object) -> None:
            self.handle = open(file, *args, **kwargs)  # noqa: SIM115 (closed in __exit__)

        def __enter__(self) -> HalfWritten:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, text: str) -> None:
            self.handle.write(text[: len(text) // 2])
            raise OSError("device lost")

    monkeypatch.setattr(atomic, "open", HalfWritten, raising=False)
    with pytest.raises(OSError, match="device lost"):
        write_otb(make_annotation(boxes=np.ones((6, 4))), tmp_path)
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_the_vasr_result_set_reads_back_for_evaluation(ann: DenseAnnotation, tmp_path: Path) -> None:
    from vasr.annotations.exports import write_result_set
    from vasr.annotations.result_dir import read_annotation_set

    write_result_set(ann, tmp_path)
    back = read_annotation_set(tmp_path, ann.name, len(ann))
    np.testing.assert_allclose(back.boxes, ann.boxes, atol=1e-3)
    assert back.keyframes.tolist() == ann.keyframes.tolist()
    assert back.failures.tolist() == ann.review_frames.tolist()


def test_exported_files_get_the_usual_permissions(ann: DenseAnnotation, tmp_path: Path) -> None:
    import os

    mask = os.umask(0o022)
    try:
        (path,) = write_json(ann, tmp_path)
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600
