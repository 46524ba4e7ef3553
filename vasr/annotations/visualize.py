"""Something to look at: where an annotation is trustworthy and which frames a reviewer must check.

Three views, all written atomically (`vasr.annotations.atomic`):

* `quality_plot`: the T-Assess score over time, to see at a glance where tracking went wrong;
* `contact_sheet`: thumbnails of the flagged and worst-scored frames, the reviewer's to-do list on one page;
* `overlay_video`: the whole sequence with its box, coloured by status, to watch the annotation play.

Frames come from a callable ``frames(index) -> RGB uint8 (H, W, 3)`` (``Sequence.frame`` fits), so nothing
is decoded beyond the frames shown. Matplotlib is used through its Agg canvas directly: no pyplot, no global
backend switch, no display needed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from vasr.annotations.dense import DenseAnnotation
from vasr.atomic import atomic_output
from vasr.directions import BACKWARD, FORWARD, NO_DIRECTION

FrameGetter = Callable[[int], np.ndarray]

KEYFRAME, OK, LOW_QUALITY, FAILURE, NO_BOX = "keyframe", "ok", "low quality", "failure", "no box"
# RGB; a status is judged in this order: human box, flagged, no box, score below 0, otherwise fine.
STATUS_COLOURS = {
    KEYFRAME: (0, 200, 0),
    OK: (0, 150, 255),
    LOW_QUALITY: (255, 160, 0),
    FAILURE: (255, 0, 0),
    NO_BOX: (160, 160, 160),
}
SHEET_COLUMNS = 6
# orange is the review page's colour for suggestions: the directions keep clear of it
_DIRECTION_STYLE = {FORWARD: ("tab:blue", "forward"), BACKWARD: ("tab:purple", "backward")}
_FONT = cv2.FONT_HERSHEY_SIMPLEX


def frame_status(ann: DenseAnnotation) -> list[str]:
    """Status of every frame: keyframe, failure, no box, low quality (score < 0) or ok."""
    keyframes, present = ann.keyframe_mask, ann.has_box
    statuses = []
    for index in range(len(ann)):
        if keyframes[index]:
            statuses.append(KEYFRAME)
        elif ann.failure[index]:
            statuses.append(FAILURE)
        elif not present[index]:
            statuses.append(NO_BOX)
        elif ann.quality[index] < 0:
            statuses.append(LOW_QUALITY)
        else:
            statuses.append(OK)
    return statuses


def _runs(indices: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive runs ``(first, last)`` of sorted indices, so failures shade as spans, not slivers."""
    if indices.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(indices) > 1)
    starts = np.concatenate([[indices[0]], indices[breaks + 1]])
    ends = np.concatenate([indices[breaks], [indices[-1]]])
    return [(int(a), int(b)) for a, b in zip(starts, ends, strict=True)]


def quality_plot(ann: DenseAnnotation, path: str | Path, size: tuple[int, int] = (1000, 320)) -> Path:
    """PNG of ``size`` (width, height) pixels: the score per frame coloured by tracking direction, the
    0 threshold below which a box is bad, keyframes as ticks on the frame axis and the frames flagged for
    review shaded."""
    path, dpi = Path(path), 100
    figure = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi)
    FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    for run, (first, last) in enumerate(_runs(ann.review_frames)):
        label = "to review" if run == 0 else None
        ax.axvspan(first - 0.5, last + 0.5, color="red", alpha=0.15, lw=0, label=label)
    for run, (first, last) in enumerate(_runs(np.flatnonzero(ann.unchecked))):
        label = "one track only (unchecked)" if run == 0 else None
        ax.axvspan(first - 0.5, last + 0.5, color="grey", alpha=0.15, lw=0, label=label)
    ax.axhline(0.0, color="black", ls="--", lw=0.8, label="threshold")
    frames = np.arange(len(ann))
    scored = np.isfinite(ann.quality)
    for code, (colour, name) in _DIRECTION_STYLE.items():
        chosen = scored & (ann.direction == code)
        if chosen.any():
            ax.scatter(frames[chosen], ann.quality[chosen], s=8, color=colour, label=name)
    other = scored & (ann.direction == NO_DIRECTION)
    if other.any():
        ax.scatter(frames[other], ann.quality[other], s=8, color="tab:gray", label="no direction")
    if ann.keyframes.size:
        ticks = {"transform": ax.get_xaxis_transform(), "colors": "green", "lw": 1.5, "label": "keyframe"}
        ax.vlines(ann.keyframes, 0, 0.08, **ticks)
    low = min(-1.05, float(np.nanmin(ann.quality)) - 0.05) if scored.any() else -1.05
    high = max(1.05, float(np.nanmax(ann.quality)) + 0.05) if scored.any() else 1.05
    ax.set(xlim=(-0.5, len(ann) - 0.5), ylim=(low, high), xlabel="frame", ylabel="T-Assess score")
    ax.set_title(
        f"{ann.name}: {len(ann.keyframes)} keyframes, {ann.review_frames.size} to review, "
        f"labour saved {ann.labour_saved:.1%}",
        fontsize=9,
    )
    # below the axes: a legend inside would cover scores at one end of the video
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=7, ncol=7, frameon=False)
    figure.tight_layout()
    with atomic_output(path) as tmp:
        figure.savefig(tmp, format="png", dpi=dpi)
    return path


def review_selection(ann: DenseAnnotation, max_frames: int) -> list[int]:
    """Frames worth a look, most urgent first: the suggestions in rank order, then every other flagged frame
    in time order, then the other scored frames by ascending score (keyframes are human boxes and never
    shown), at most ``max_frames``."""
    candidates = np.isfinite(ann.quality) & ~ann.failure & ~ann.keyframe_mask
    candidates[ann.suggestions] = False
    order = np.argsort(np.where(candidates, ann.quality, np.inf), kind="stable")[: int(candidates.sum())]
    return (ann.to_check.tolist() + order.tolist())[: max(0, max_frames)]


def caption_height(thumb: int) -> int:
    """Pixels of caption below each thumbnail of a contact sheet."""
    return max(14, thumb // 8)


def contact_sheet(
    ann: DenseAnnotation,
    frames: FrameGetter,
    path: str | Path,
    max_frames: int = 24,
    thumb: int = 160,
) -> list[int]:
    """PNG grid of the frames chosen by `review_selection`, each fitted into a ``thumb`` square with its
    box drawn in its status colour and a caption ``#index q=score [FAIL]``; returns the frames shown.

    The sheet is ``min(n, SHEET_COLUMNS) * thumb`` wide and ``rows * (thumb + caption_height(thumb))``
    tall. With nothing to show, a small sheet saying so is still written (so a report linking it never
    points at a missing file) and ``[]`` is returned."""
    path = Path(path)
    shown = review_selection(ann, max_frames)
    cell_h = thumb + caption_height(thumb)
    if not shown:
        sheet = np.full((cell_h, 2 * thumb, 3), 40, np.uint8)
        _put_text(sheet, "nothing to review", (4, cell_h // 2), (255, 255, 255), thumb / 320)
    else:
        columns = min(len(shown), SHEET_COLUMNS)
        rows = math.ceil(len(shown) / columns)
        sheet = np.full((rows * cell_h, columns * thumb, 3), 40, np.uint8)
        statuses = frame_status(ann)
        for slot, index in enumerate(shown):
            top, left = (slot // columns) * cell_h, (slot % columns) * thumb
            sheet[top : top + cell_h, left : left + thumb] = _thumbnail(ann, frames, index, statuses, thumb)
    _write_png(path, sheet)
    return shown


def _thumbnail(
    ann: DenseAnnotation, frames: FrameGetter, index: int, statuses: list[str], thumb: int
) -> np.ndarray:
    image = _checked_frame(ann, frames, index)
    x0, y0, x1, y1 = _review_window(ann, index)
    image = _draw_box(image[y0:y1, x0:x1].copy(), ann, index, statuses[index], offset=(x0, y0))
    height, width = image.shape[:2]
    scale = thumb / max(width, height)
    small = cv2.resize(
        image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=cv2.INTER_AREA
    )
    cell = np.full((thumb + caption_height(thumb), thumb, 3), 40, np.uint8)
    top, left = (thumb - small.shape[0]) // 2, (thumb - small.shape[1]) // 2
    cell[top : top + small.shape[0], left : left + small.shape[1]] = small
    score = ann.quality[index]
    caption = f"#{index} " + ("q=n/a" if np.isnan(score) else f"q={score:+.2f}")
    colour = (255, 255, 255)
    if ann.failure[index]:
        caption, colour = caption + " FAIL", STATUS_COLOURS[FAILURE]
    elif ann.unchecked[index]:
        caption += " 1 track"
    rank = ann.suggestion_rank[index]
    if rank:
        caption = f"{rank}. {caption}"
    _put_text(cell, caption, (3, thumb + caption_height(thumb) - 4), colour, thumb / 400)
    return cell


def overlay_video(
    ann: DenseAnnotation, frames: FrameGetter, n_frames: int, path: str | Path, fps: float = 30
) -> Path:
    """MP4 (``mp4v``) of the first ``n_frames`` frames with the box drawn in its status colour and the
    frame index, status and score written in the corner; encoded under a temporary name, then renamed."""
    path = Path(path)
    if not 1 <= n_frames <= len(ann):
        raise ValueError(f"{ann.name}: n_frames must be within 1..{len(ann)}, got {n_frames}")
    statuses = frame_status(ann)
    size = ann.image_size
    with atomic_output(path, suffix=f".tmp{path.suffix}") as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps), size)
        if not writer.isOpened():
            raise OSError(f"{path}: cv2.VideoWriter cannot encode mp4v here")
        try:
            for index in range(n_frames):
                image = _draw_box(_checked_frame(ann, frames, index).copy(), ann, index, statuses[index])
                score = ann.quality[index]
                text = f"#{index} {statuses[index]}" + ("" if np.isnan(score) else f" q={score:+.2f}")
                _put_text(
                    image, text, (4, 4 + round(size[1] / 24)), STATUS_COLOURS[statuses[index]], size[1] / 480
                )
                writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        finally:
            writer.release()
    return path


def _checked_frame(ann: DenseAnnotation, frames: FrameGetter, index: int) -> np.ndarray:
    """Frame ``index``, refused unless it is RGB uint8 of the annotation's image size: boxes drawn on an
    image of another size would land in the wrong place."""
    image = np.asarray(frames(index))
    width, height = ann.image_size
    if image.dtype != np.uint8 or image.shape != (height, width, 3):
        raise ValueError(
            f"{ann.name}: frame {index} is {image.dtype} {image.shape}; expected uint8 ({height}, {width}, 3)"
        )
    return image


def _review_window(ann: DenseAnnotation, index: int, context: float = 4.0) -> tuple[int, int, int, int]:
    """Pixel window ``x0, y0, x1, y1`` a thumbnail shows: a square of ``context`` times the box's longer
    side around it (small targets stay visible), clipped to the image; the whole frame without a box."""
    width, height = ann.image_size
    if not ann.has_box[index]:
        return 0, 0, width, height
    x, y, w, h = ann.boxes[index]
    side = max(context * max(w, h), 32.0)
    cx, cy = x + w / 2, y + h / 2
    x0, y0 = max(0, int(cx - side / 2)), max(0, int(cy - side / 2))
    x1, y1 = min(width, int(np.ceil(cx + side / 2))), min(height, int(np.ceil(cy + side / 2)))
    if x1 <= x0 or y1 <= y0:  # the box lies outside the image: show the whole frame
        return 0, 0, width, height
    return x0, y0, x1, y1


def _draw_box(
    image: np.ndarray, ann: DenseAnnotation, index: int, status: str, offset: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """Draw frame ``index``'s box, [x, x + w) in continuous pixels, as the rectangle of pixels it covers;
    ``offset`` is the image position of ``image``'s top-left pixel (for crops)."""
    if ann.has_box[index]:
        x, y, w, h = ann.boxes[index]
        x, y = x - offset[0], y - offset[1]
        thickness = max(1, round(max(image.shape[:2]) / 200))
        first = (round(x), round(y))
        last = (max(first[0], round(x + w) - 1), max(first[1], round(y + h) - 1))
        cv2.rectangle(image, first, last, STATUS_COLOURS[status], thickness)
    return image


def _put_text(
    image: np.ndarray, text: str, origin: tuple[int, int], colour: tuple[int, int, int], scale: float
) -> None:
    """Text with a dark outline, readable on any background: the outline is the same text shifted by a pixel
    each way (a thicker stroke would widen every glyph and leave a ghost of the last one)."""
    scale, (x, y) = max(0.3, scale), origin
    for dx, dy in ((-1, 0), (1, 0), (0, -1), (0, 1), (-1, -1), (1, 1), (-1, 1), (1, -1)):
        cv2.putText(image, text, (x + dx, y + dy), _FONT, scale, (0, 0, 0), 1, cv2.LINE_AA)
    cv2.putText(image, text, origin, _FONT, scale, colour, 1, cv2.LINE_AA)


def _write_png(path: Path, rgb: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise OSError(f"{path}: PNG encoding failed")
    with atomic_output(path) as tmp:
        tmp.write_bytes(data.tobytes())
