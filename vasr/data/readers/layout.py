"""On-disk helpers the readers share: numbered frame files, sub-folders, name filters.

Listing a dataset must stay cheap: LaSOT alone has 3.5 million frames. So no image is opened here, and where a
layout fixes the frame names (``%08d.jpg`` from 1) the paths are computed on demand instead of being listed
or stored, and the frame count is checked with three ``stat`` calls.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from collections.abc import Sequence as SequenceABC
from pathlib import Path
from typing import overload

import numpy as np

from vasr.data.frames import ImageFolderFrames
from vasr.errors import AnnotationFormatError, DatasetLayoutError

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp"})
_LAST_NUMBER = re.compile(r"(\d+)\D*$")


class NumberedPaths(SequenceABC[Path]):
    """``folder / pattern.format(start + i)`` for i < count, computed when asked for."""

    def __init__(self, folder: Path, pattern: str, start: int, count: int) -> None:
        self.folder, self.pattern, self.start, self.count = Path(folder), pattern, start, count

    def __len__(self) -> int:
        return self.count

    @overload
    def __getitem__(self, index: int) -> Path: ...

    @overload
    def __getitem__(self, index: slice) -> list[Path]: ...

    def __getitem__(self, index: int | slice) -> Path | list[Path]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self.count))]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(f"frame {index} out of range for {self.count} frames")
        return self.folder / self.pattern.format(self.start + index)

    def __iter__(self) -> Iterator[Path]:
        return (self[i] for i in range(self.count))


def numbered_frames(
    folder: Path, pattern: str, start: int, count: int, annotation: Path
) -> ImageFolderFrames:
    """Frames named ``pattern.format(start)`` ... for ``count`` annotated frames, after checking the count.

    The first and last expected files must exist and the next one must not; otherwise the annotation file
    and the folder disagree, which is an error naming ``annotation`` and both counts. A hole in the middle
    is not looked for here: it raises `FrameReadError` when that frame is read."""
    if not folder.is_dir():
        raise DatasetLayoutError(folder, "frame folder is missing")
    first, last, after = (folder / pattern.format(start + i) for i in (0, count - 1, count))
    if not first.is_file() or not last.is_file() or after.exists():
        found = count_numbered_frames(folder, pattern, start, strict=False)
        raise AnnotationFormatError(
            annotation, f"{count} annotated frames but {folder} holds {found} frames named like {first.name}"
        )
    return ImageFolderFrames(NumberedPaths(folder, pattern, start, count))


def count_numbered_frames(folder: Path, pattern: str, start: int, strict: bool = True) -> int:
    """How many files ``pattern.format(start + i)`` the folder holds; with ``strict``, they must run from
    ``start`` without a hole (a hole would shift every later frame), else `DatasetLayoutError`."""
    if not folder.is_dir():
        raise DatasetLayoutError(folder, "frame folder is missing")
    prefix, _, suffix = pattern.partition("{")
    suffix = suffix.partition("}")[2]
    candidate = re.compile(re.escape(prefix) + r"(\d+)" + re.escape(suffix) + r"\Z")
    numbers = []
    for entry in os.listdir(folder):
        match = candidate.match(entry)
        if match and pattern.format(int(match[1])) == entry:
            numbers.append(int(match[1]))
    numbers.sort()
    if strict:
        if not numbers:
            raise DatasetLayoutError(folder, f"holds no frame named like {pattern.format(start)}")
        for expected, number in enumerate(numbers, start=start):
            if number != expected:
                raise DatasetLayoutError(
                    folder, f"frame {pattern.format(expected)} is missing (frames are numbered from {start})"
                )
    return len(numbers)


def list_numbered_images(folder: Path) -> list[Path]:
    """Image files of ``folder`` ordered by the last number in their names (1, 2, 10; not 1, 10, 2).

    Names may carry any prefix or padding (``0001.jpg``, ``img000001.jpg``). The numbers must be consecutive:
    a gap or a duplicate would put annotations on the wrong frames, so either is a `DatasetLayoutError`."""
    numbered: list[tuple[int, str]] = []
    for entry in os.scandir(folder):
        stem, suffix = os.path.splitext(entry.name)
        if suffix.lower() not in IMAGE_SUFFIXES or not entry.is_file():
            continue
        match = _LAST_NUMBER.search(stem)
        if match is None:
            raise DatasetLayoutError(entry.path, "frame file name holds no frame number to order it by")
        numbered.append((int(match[1]), entry.name))
    numbered.sort()
    for (previous, previous_name), (number, name) in zip(numbered, numbered[1:], strict=False):
        if number == previous:
            raise DatasetLayoutError(folder, f"{previous_name} and {name} carry the same frame number")
        if number != previous + 1:
            raise DatasetLayoutError(folder, f"frames jump from {previous_name} to {name} (missing frames)")
    return [folder / name for _, name in numbered]


def subdirectories(folder: Path) -> list[Path]:
    """Sub-folders of ``folder`` in natural order (hidden ones skipped)."""
    found = [Path(e.path) for e in os.scandir(folder) if e.is_dir() and not e.name.startswith(".")]
    return sorted(found, key=lambda p: natural_key(p.name))


def natural_key(name: str) -> tuple:
    """Sort key putting ``seq-2`` before ``seq-10`` and ``bag`` before ``Car1`` (case only breaks ties)."""
    parts = tuple(int(part) if part.isdigit() else part.casefold() for part in re.split(r"(\d+)", name))
    return (parts, name)


def select_names(available: Iterable[str], names: Iterable[str] | None, root: Path) -> list[str]:
    """``available`` restricted to ``names`` (all when None); a requested name that is not available is an
    error rather than a silently shorter list."""
    available = list(available)
    if names is None:
        return available
    wanted = set([names] if isinstance(names, str) else names)
    missing = sorted(wanted.difference(available), key=natural_key)
    if missing:
        shown = ", ".join(missing[:10]) + (" ..." if len(missing) > 10 else "")
        raise DatasetLayoutError(root, f"no sequence named {shown} here (with the other filters applied)")
    return [name for name in available if name in wanted]


def pad_withheld_boxes(
    boxes: np.ndarray, folder: Path, pattern: str, start: int, annotation_path: Path
) -> np.ndarray:
    """Test splits annotate only the first frame(s): pad the withheld boxes with NaN (invisible) up to
    the number of frames in ``folder``, so the sequence still spans every frame."""
    count = count_numbered_frames(folder, pattern, start)
    if len(boxes) > count:
        raise AnnotationFormatError(annotation_path, f"{len(boxes)} boxes but {folder} holds {count} frames")
    return np.vstack([boxes, np.full((count - len(boxes), 4), np.nan)])
