"""TrackingNet, read exactly as it is distributed.

Layout::

    <root>/TRAIN_0 ... TRAIN_11/anno/<seq>.txt        one "x,y,w,h" per frame, comma separated (CRLF possible)
                               /frames/<seq>/0.jpg ...  frames numbered from 0, NOT zero-padded
    <root>/TEST/anno/<seq>.txt                         only the FIRST frame's box (the rest is withheld)
               /frames/<seq>/0.jpg ...

Conventions: boxes are taken as 0-based pixels and stored as is. Frames are ordered by their number
(``1, 2, 10``, never the string order ``1, 10, 2``). In TRAIN chunks the annotation must have one line per
frame (else the error names the file). In TEST the frames after the annotated ones get NaN boxes and
``visible = False``, and ``metadata["annotated_frames"]`` says how many carry a box.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from vasr.data.frames import ImageFolderFrames
from vasr.data.readers.box_text import read_box_rows
from vasr.data.readers.layout import (
    NumberedPaths,
    natural_key,
    numbered_frames,
    pad_withheld_boxes,
    select_names,
)
from vasr.data.readers.visibility import box_visibility
from vasr.data.sequence import Sequence
from vasr.errors import AnnotationFormatError, DatasetLayoutError

TRAIN_CHUNKS = tuple(f"TRAIN_{i}" for i in range(12))
TEST_CHUNK = "TEST"
_EXPECTED = "expected TRAIN_0 ... TRAIN_11 and/or TEST folders, each with anno/ and frames/"


def chunk_name(chunk: int | str) -> str:
    """``3``, ``"3"``, ``"train_3"`` -> ``"TRAIN_3"``; ``"test"`` -> ``"TEST"``."""
    name = f"TRAIN_{chunk}" if isinstance(chunk, int) or str(chunk).isdigit() else str(chunk).upper()
    if name not in (*TRAIN_CHUNKS, TEST_CHUNK):
        raise ValueError(f"unknown TrackingNet chunk {chunk!r}; valid: 0..11, TRAIN_0..TRAIN_11, TEST")
    return name


def _chunks(root: Path, split: str | None, chunks: Iterable[int | str] | None) -> list[str]:
    if not root.is_dir():
        raise DatasetLayoutError(root, f"TrackingNet root is not a directory; {_EXPECTED}")
    if (root / "anno").is_dir() and (root / "frames").is_dir():
        raise DatasetLayoutError(root, f"this is one TrackingNet chunk; pass its parent. {_EXPECTED}")
    present = [c for c in (*TRAIN_CHUNKS, TEST_CHUNK) if (root / c).is_dir()]
    if not present:
        raise DatasetLayoutError(root, f"no TrackingNet chunk found; {_EXPECTED}")
    if chunks is not None:
        if split is not None:
            raise ValueError("give either split or chunks, not both")
        wanted = [chunk_name(c) for c in ([chunks] if isinstance(chunks, (int, str)) else chunks)]
        for name in wanted:
            if name not in present:
                raise DatasetLayoutError(root / name, f"TrackingNet chunk folder is missing; {_EXPECTED}")
        return wanted
    if split in (None, "train"):
        return [c for c in present if c != TEST_CHUNK]
    if split == "test":
        return [TEST_CHUNK] if TEST_CHUNK in present else []
    if split == "all":
        return present
    raise ValueError(f"unknown TrackingNet split {split!r}; valid: train, test, all (or None = train)")


def read_trackingnet_sequence(chunk_dir: str | Path, name: str) -> Sequence:
    """Sequence ``name`` of one chunk folder (``<root>/TRAIN_3``...)."""
    chunk_dir = Path(chunk_dir)
    anno_path = chunk_dir / "anno" / f"{name}.txt"
    boxes, polygon = read_box_rows(anno_path)
    if polygon:
        raise AnnotationFormatError(anno_path, "TrackingNet annotations hold x,y,w,h (4 values per line)")
    folder = chunk_dir / "frames" / name
    metadata = {"dataset": "trackingnet", "chunk": chunk_dir.name, "path": folder}
    if chunk_dir.name == TEST_CHUNK:
        metadata["annotated_frames"] = len(boxes)
        metadata["note"] = "TEST chunk: only the first frame is annotated, the other boxes are withheld"
        boxes = pad_withheld_boxes(boxes, folder, "{}.jpg", 0, anno_path)
        frames = ImageFolderFrames(NumberedPaths(folder, "{}.jpg", 0, len(boxes)))
    else:
        frames = numbered_frames(folder, "{}.jpg", 0, len(boxes), anno_path)
    return Sequence(name, frames, boxes, box_visibility(boxes), metadata)


def load_trackingnet(
    root: str | Path,
    split: str | None = None,
    chunks: Iterable[int | str] | None = None,
    names: Iterable[str] | None = None,
) -> list[Sequence]:
    """TrackingNet sequences under ``root``, chunk by chunk, in natural name order.

    Args:
        root: the folder holding ``TRAIN_0`` ... ``TRAIN_11`` and/or ``TEST``.
        split: None or ``"train"`` = every TRAIN chunk present; ``"test"`` = TEST; ``"all"`` = both.
        chunks: explicit chunks instead of ``split`` (ints 0..11 or names like ``"TRAIN_3"``, ``"TEST"``).
        names: keep only these sequences; a name not found is an error.
    """
    root = Path(root)
    located: dict[str, Path] = {}
    for chunk in _chunks(root, split, chunks):
        anno_dir = root / chunk / "anno"
        if not anno_dir.is_dir():
            raise DatasetLayoutError(anno_dir, f"TrackingNet annotation folder is missing; {_EXPECTED}")
        for path in sorted(anno_dir.glob("*.txt"), key=lambda p: natural_key(p.stem)):
            if path.stem in located:
                raise DatasetLayoutError(path, f"sequence also annotated in {located[path.stem].name}")
            located[path.stem] = root / chunk
    return [read_trackingnet_sequence(located[name], name) for name in select_names(located, names, root)]
