"""A video to annotate: a video file (mp4, avi... via OpenCV) or a frame folder, plus a keyframe file.

Keyframe file format (UTF-8 text, one keyframe per line)::

    # frame, x, y, w, h   -- comma, tab or space separated
    0, 412.0, 160.5, 80, 120
    30  430 158 82 118
    60,absent

- ``frame`` is a 0-based frame index (the first frame of the video is 0);
- ``x, y, w, h`` is the box in 0-based pixels, ``(x, y)`` its top-left corner (as OpenCV and CVAT write it);
- the word ``absent`` instead of the four numbers says the target is not visible at that keyframe, and
  ``outside`` that it is out of view from there until the next keyframe (CVAT's ``outside``: one line for a
  whole span);
- ``#`` starts a comment (to the end of the line); blank lines are ignored; lines may come in any order.

Errors, each naming the file and line: a line that is not ``frame`` + 4 numbers or ``frame,absent``; a frame
index that is negative, not an integer, given twice or beyond the video's last frame; a non-finite value; a
width or height that is not positive; a box entirely outside the image. (A keyframe box partly outside the
image is fine: the target is leaving the frame.)

The returned `Sequence` has no ground truth (NaN boxes, ``visible = False``): the file's boxes are the
human's, in ``sequence.keyframes`` (`vasr.data.keyframes.Keyframes`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np

from vasr.data.frames import FrameSource, ImageFolderFrames, VideoFileFrames
from vasr.data.keyframes import Keyframes
from vasr.data.readers.box_text import read_text_lines, split_fields
from vasr.data.readers.layout import list_numbered_images
from vasr.data.sequence import Sequence
from vasr.errors import AnnotationFormatError, DatasetLayoutError

ABSENT = "absent"  # the target is not visible on this frame
OUTSIDE = "outside"  # ... nor on any frame up to the next keyframe (CVAT's outside: out of view)


MIN_BOX_SIDE = 1.0  # px: a human's box is never narrower or lower than one pixel
MAX_BOX_SIDE = 10  # times the image's side: beyond that a box is a typo, and no tracker can crop it


def keyframe_box_problem(box: tuple[float, float, float, float], image_size: tuple[int, int]) -> str | None:
    """Why a box a human gives cannot be a keyframe (None when it can): a non-finite value, a size that is
    not positive, below a pixel or far beyond the image, or no overlap with the ``(width, height)`` image.
    Keyframe files, corrections and the review page share it."""
    x, y, w, h = box
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        return f"box values {list(box)} must be finite"
    if w <= 0 or h <= 0:
        return f"box size must be positive, got w={w:g}, h={h:g}"
    if w < MIN_BOX_SIDE or h < MIN_BOX_SIDE:
        return f"box size must be at least {MIN_BOX_SIDE:g} pixel, got w={w:g}, h={h:g}"
    width, height = image_size
    if w > MAX_BOX_SIDE * width or h > MAX_BOX_SIDE * height:
        return f"box size w={w:g}, h={h:g} is far beyond the {width}x{height} image"
    if x + w <= 0 or y + h <= 0 or x >= width or y >= height:
        return f"box {tuple(box)} lies entirely outside the {width}x{height} image"
    return None


def read_keyframes(path: str | Path, num_frames: int, image_size: tuple[int, int]) -> Keyframes:
    """Parse and check a keyframe file for a video of ``num_frames`` frames of ``image_size`` = (w, h)."""
    path = Path(path)
    entries: dict[int, tuple[int, tuple[float, float, float, float] | None, bool]] = {}
    for number, line in enumerate(read_text_lines(path), start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        fields = split_fields(text)
        if not (len(fields) == 5 or (len(fields) == 2 and fields[1].lower() in (ABSENT, OUTSIDE))):
            raise AnnotationFormatError(
                path,
                f"expected 'frame,x,y,w,h', 'frame,{ABSENT}' or 'frame,{OUTSIDE}', got {len(fields)} values",
                line=number,
            )
        if not re.fullmatch(r"[+-]?\d+", fields[0]):
            raise AnnotationFormatError(path, f"frame index {fields[0]!r} is not an integer", line=number)
        index = int(fields[0])
        if not 0 <= index < num_frames:
            raise AnnotationFormatError(
                path, f"frame {index} is outside the video (frames 0..{num_frames - 1})", line=number
            )
        if index in entries:
            raise AnnotationFormatError(
                path, f"frame {index} is given twice (first on line {entries[index][0]})", line=number
            )
        box = None
        if len(fields) == 5:
            try:
                x, y, w, h = (float(v) for v in fields[1:])
            except ValueError:
                raise AnnotationFormatError(
                    path, f"box values {fields[1:]} are not numbers", line=number
                ) from None
            box = (x, y, w, h)
            problem = keyframe_box_problem(box, image_size)
            if problem:
                raise AnnotationFormatError(
                    path, f"{problem} (write '{index},{ABSENT}' for no target)", line=number
                )
        entries[index] = (number, box, len(fields) == 2 and fields[1].lower() == OUTSIDE)
    if not entries:
        raise AnnotationFormatError(path, "holds no keyframe")
    indices = np.array(sorted(entries), dtype=np.int64)
    boxes = np.array([entries[i][1] or (np.nan,) * 4 for i in indices], dtype=np.float64)
    visible = np.array([entries[i][1] is not None for i in indices], dtype=bool)
    return Keyframes(indices, boxes, visible, np.array([entries[i][2] for i in indices], dtype=bool))


def _sequence(name: str, frames: FrameSource, keyframe_path: Path, source: Path) -> Sequence:
    keyframes = read_keyframes(keyframe_path, len(frames), frames.size)
    boxes = np.full((len(frames), 4), np.nan)
    visible = np.zeros(len(frames), dtype=bool)
    metadata = {"dataset": "video", "path": source, "keyframe_file": keyframe_path}
    return Sequence(name, frames, boxes, visible, metadata, keyframes=keyframes)


def load_video(video: str | Path, keyframes: str | Path, name: str | None = None) -> Sequence:
    """A video file with its keyframe file. Counting the frames decodes the video once (headers lie)."""
    video = Path(video)
    return _sequence(name or video.stem, VideoFileFrames(video), Path(keyframes), video)


def load_image_folder(folder: str | Path, keyframes: str | Path, name: str | None = None) -> Sequence:
    """A folder of numbered frame images (ordered by the number in their names) with its keyframe file."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DatasetLayoutError(folder, "frame folder is missing")
    paths = list_numbered_images(folder)
    if not paths:
        raise DatasetLayoutError(folder, "holds no frame image (jpg/png)")
    frames = ImageFolderFrames(paths)
    frames.check_sizes()
    return _sequence(name or folder.name, frames, Path(keyframes), folder)
