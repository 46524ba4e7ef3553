"""Visualisations of a dense annotation: the quality plot, the reviewer's contact sheet and the overlay video
are real, readable PNG/MP4 files of the promised size, chosen and drawn from the annotation's flags."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import matplotlib.image
import numpy as np
import pytest
from test_exports import HEIGHT, WIDTH, leftovers, make_annotation

from vasr.annotations.dense import DenseAnnotation
from vasr.annotations.visualize import (
    FAILURE,
    KEYFRAME,
    LOW_QUALITY,
    NO_BOX,
    OK,
    SHEET_COLUMNS,
    STATUS_COLOURS,
    caption_height,
    contact_sheet,
    frame_status,
    overlay_video,
    quality_plot,
    review_selection,
)


@pytest.fixture
def ann() -> DenseAnnotation:
    # Frames 0, 5 keyframes; 2, 3 flagged (3 has no box); scores 0.8 (1), -0.6 (2), 0.3 (4).
    return make_annotation()


def grey_frame(index: int) -> np.ndarray:
    """Frame ``index`` of a 32x24 video, a uniform grey that differs per frame."""
    return np.full((HEIGHT, WIDTH, 3), 60 + 20 * index, np.uint8)


def test_frame_status(ann: DenseAnnotation) -> None:
    assert frame_status(ann) == [KEYFRAME, OK, FAILURE, FAILURE, OK, KEYFRAME]
    unflagged = make_annotation(failure=[False] * 6, quality=[np.nan, 0.8, -0.6, np.nan, 0.3, np.nan])
    assert frame_status(unflagged) == [KEYFRAME, OK, LOW_QUALITY, NO_BOX, OK, KEYFRAME]


@pytest.mark.parametrize("size", [(1000, 320), (400, 200)])
def test_quality_plot_is_a_png_of_the_requested_size(
    ann: DenseAnnotation, tmp_path: Path, size: tuple
) -> None:
    path = quality_plot(ann, tmp_path / "quality.png", size=size)
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (size[1], size[0])
    assert image.std() > 0  # something was drawn
    assert leftovers(tmp_path) == []


def test_quality_plot_without_any_score(tmp_path: Path) -> None:
    """Only keyframes, nothing flagged: the plot still renders (no score to place, no failure to shade)."""
    human_only = make_annotation(
        keyframes=list(range(6)), failure=[False] * 6, quality=[np.nan] * 6, suggestions=[]
    )
    path = quality_plot(human_only, tmp_path / "q.png")
    assert cv2.imread(str(path)).shape == (320, 1000, 3)


def test_review_selection_puts_suggestions_first_then_failures_then_lowest_scores(
    ann: DenseAnnotation,
) -> None:
    # Suggested 2, 4 in rank order; then the other flagged frame 3; then the rest by ascending score: 1.
    assert review_selection(ann, 24) == [2, 4, 3, 1]
    assert review_selection(ann, 3) == [2, 4, 3]
    assert review_selection(ann, 0) == []
    unsuggested = make_annotation(suggestions=[])
    # Flagged 2, 3 in time order; then the scored unflagged frames by ascending score: 4 (0.3), 1 (0.8).
    assert review_selection(unsuggested, 24) == [2, 3, 4, 1]


def test_contact_sheet_grid_size_and_frames_shown(ann: DenseAnnotation, tmp_path: Path) -> None:
    asked: list[int] = []

    def frames(index: int) -> np.ndarray:
        asked.append(index)
        return grey_frame(index)

    thumb = 40
    shown = contact_sheet(ann, frames, tmp_path / "sheet.png", thumb=thumb)
    assert shown == [2, 4, 3, 1] and sorted(asked) == sorted(shown)  # only the frames shown are decoded
    sheet = cv2.cvtColor(cv2.imread(str(tmp_path / "sheet.png")), cv2.COLOR_BGR2RGB)
    columns = min(len(shown), SHEET_COLUMNS)
    rows = math.ceil(len(shown) / columns)
    assert sheet.shape == (rows * (thumb + caption_height(thumb)), columns * thumb, 3)
    # The first cell is frame 2, flagged: its box is drawn in the failure colour.
    first_cell = sheet[:thumb, :thumb].reshape(-1, 3).astype(int)
    assert (np.abs(first_cell - STATUS_COLOURS[FAILURE]).sum(axis=1) < 60).any()
    assert leftovers(tmp_path) == []


def test_contact_sheet_wraps_rows(tmp_path: Path) -> None:
    count = SHEET_COLUMNS + 2
    many = make_annotation(
        boxes=np.tile([2.0, 2.0, 8.0, 6.0], (count, 1)),
        keyframes=[],
        failure=np.zeros(count, bool),
        quality=np.linspace(-1, 1, count),
        direction=np.zeros(count, int),
        frame_names=[],
        suggestions=[],
    )
    shown = contact_sheet(many, grey_frame, tmp_path / "sheet.png", thumb=30)
    assert shown == list(range(count))  # ascending score
    assert cv2.imread(str(tmp_path / "sheet.png")).shape[:2] == (
        2 * (30 + caption_height(30)),
        SHEET_COLUMNS * 30,
    )


def test_contact_sheet_with_nothing_to_show_writes_a_small_notice(tmp_path: Path) -> None:
    human_only = make_annotation(
        keyframes=list(range(6)), failure=[False] * 6, quality=[np.nan] * 6, suggestions=[]
    )
    path = tmp_path / "sheet.png"
    assert contact_sheet(human_only, grey_frame, path, thumb=40) == []
    assert cv2.imread(str(path)).shape == (40 + caption_height(40), 80, 3)


def test_frames_of_the_wrong_size_are_refused(ann: DenseAnnotation, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"expected uint8 \(24, 32, 3\)"):
        contact_sheet(ann, lambda i: np.zeros((10, 10, 3), np.uint8), tmp_path / "sheet.png")
    assert not (tmp_path / "sheet.png").exists() and leftovers(tmp_path) == []


def test_overlay_video_has_one_frame_per_requested_frame(ann: DenseAnnotation, tmp_path: Path) -> None:
    path = overlay_video(ann, grey_frame, 4, tmp_path / "overlay.mp4", fps=10)
    assert path.stat().st_size > 0 and leftovers(tmp_path) == []
    capture = cv2.VideoCapture(str(path))
    decoded = []
    while True:
        ok, frame = capture.read()
        if not ok:
            break
        decoded.append(frame)
    capture.release()
    assert len(decoded) == 4
    assert all(frame.shape == (HEIGHT, WIDTH, 3) for frame in decoded)


@pytest.mark.parametrize("n_frames", [0, 7])
def test_overlay_video_refuses_a_frame_count_outside_the_sequence(
    ann: DenseAnnotation, tmp_path: Path, n_frames: int
) -> None:
    with pytest.raises(ValueError, match=r"n_frames must be within 1\.\.6"):
        overlay_video(ann, grey_frame, n_frames, tmp_path / "overlay.mp4")
    assert list(tmp_path.iterdir()) == []


def test_overlay_video_failing_midway_leaves_no_file(ann: DenseAnnotation, tmp_path: Path) -> None:
    def frames(index: int) -> np.ndarray:
        if index == 2:
            raise OSError("frame 2 cannot be decoded")
        return grey_frame(index)

    with pytest.raises(OSError, match="cannot be decoded"):
        overlay_video(ann, frames, 6, tmp_path / "overlay.mp4")
    assert list(tmp_path.iterdir()) == []
