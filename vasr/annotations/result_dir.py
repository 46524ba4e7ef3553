"""The annotation-set directory: one box file per sequence, the way tracking toolkits store results.

Layout (every file UTF-8, ``\\n`` line ends)::

    <dir>/<sequence>.txt            one ``x,y,w,h`` per frame, comma separated, 1-based pixels
                                    (LaSOT/OTB groundtruth convention); ``nan,nan,nan,nan`` = no box
    <dir>/<sequence>.keyframes.txt  optional: 0-based indices of the frames a human boxed, one per line
    <dir>/<sequence>.failures.txt   optional: 0-based indices of frames flagged for human review

Boxes are written with 3 decimals (a thousandth of a pixel), so a write/read round trip is exact to 5e-4 px.
Each file is written to a temporary name and renamed, so an interrupted run never leaves a truncated file
that later reads as complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from vasr.atomic import atomic_write_text as _atomic_write
from vasr.data.readers.box_text import read_boxes, read_index_list
from vasr.errors import AnnotationFormatError


@dataclass
class AnnotationSet:
    """Dense boxes of one sequence plus which frames humans labelled or must still check."""

    boxes: np.ndarray
    keyframes: np.ndarray | None = None
    failures: np.ndarray | None = field(default=None)


def _format_boxes(boxes_0based: np.ndarray) -> str:
    one_based = np.asarray(boxes_0based, dtype=np.float64).reshape(-1, 4).copy()
    one_based[:, :2] += 1.0
    lines = []
    for row in one_based:
        if not np.all(np.isfinite(row)):
            lines.append("nan,nan,nan,nan")
        else:
            lines.append(",".join(f"{v:.3f}" for v in row))
    return "\n".join(lines) + "\n"


def _format_indices(indices: np.ndarray) -> str:
    return "".join(f"{int(i)}\n" for i in np.asarray(indices).reshape(-1))


def write_annotation_set(directory: str | Path, name: str, annotation: AnnotationSet) -> Path:
    """Write one sequence's annotation files into ``directory``; returns the box file's path."""
    directory = Path(directory)
    box_path = directory / f"{name}.txt"
    if annotation.keyframes is not None:
        _atomic_write(directory / f"{name}.keyframes.txt", _format_indices(annotation.keyframes))
    if annotation.failures is not None:
        _atomic_write(directory / f"{name}.failures.txt", _format_indices(annotation.failures))
    # The box file last: its presence marks the sequence as done.
    _atomic_write(box_path, _format_boxes(annotation.boxes))
    return box_path


def read_annotation_set(directory: str | Path, name: str, num_frames: int | None = None) -> AnnotationSet:
    """Read one sequence's annotation files back (boxes converted to vasr's 0-based convention).

    ``num_frames``, when given, must equal the number of box lines; indices must lie inside the sequence.
    """
    directory = Path(directory)
    box_path = directory / f"{name}.txt"
    if not box_path.is_file():
        raise AnnotationFormatError(box_path, "annotation file is missing for this sequence")
    boxes = read_boxes(box_path)
    boxes[:, :2] -= 1.0
    if num_frames is not None and len(boxes) != num_frames:
        raise AnnotationFormatError(
            box_path, f"holds {len(boxes)} boxes but the sequence has {num_frames} frames"
        )
    extra: dict[str, np.ndarray | None] = {}
    for kind in ("keyframes", "failures"):
        path = directory / f"{name}.{kind}.txt"
        extra[kind] = read_index_list(path, upper=len(boxes)) if path.is_file() else None
    return AnnotationSet(boxes=boxes, keyframes=extra["keyframes"], failures=extra["failures"])
