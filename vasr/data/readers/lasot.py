"""LaSOT, read exactly as it is distributed.

Layout::

    <root>/<category>/<category>-<N>/img/00000001.jpg ...   frames, %08d.jpg from 1
                                     groundtruth.txt         one "x,y,w,h" per frame, comma separated
                                     full_occlusion.txt      ONE line: comma-separated 0/1, one per frame
                                     out_of_view.txt         ONE line: comma-separated 0/1, one per frame
                                     nlp.txt                 one sentence describing the target

Conventions: ground truth is 1-based (MATLAB); 1 is subtracted from x and y on read. Boxes of absent
frames are junk (0,0,0,0 or plausible-looking), so a frame is visible only when it is neither fully occluded
nor out of view and its box is finite with positive size (and not entirely left of / above the image, see
`vasr.data.readers.visibility`). Category names may be camelCase (``rubicCube``); a sequence name is split
on its last '-'. The layout is strict: the number of frames, of ground-truth lines and of flags must agree,
else the error names the file. The flag and nlp files are optional (absent: no flags, no description).

The official protocol split (1120 train / 280 test sequences, 16 / 4 of each of the 70 categories) ships with
vasr as ``vasr/data/splits/lasot_{train,test}.txt``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib.resources import files
from pathlib import Path

import numpy as np

from vasr.data.readers.box_text import read_box_rows, read_labels
from vasr.data.readers.layout import natural_key, numbered_frames, select_names, subdirectories
from vasr.data.readers.visibility import box_visibility
from vasr.data.sequence import Sequence
from vasr.errors import AnnotationFormatError, DatasetLayoutError

LASOT_SPLITS = ("train", "test")
_EXPECTED = "expected <root>/<category>/<category>-<N>/groundtruth.txt (e.g. airplane/airplane-1/...)"


@cache
def lasot_split(split: str) -> tuple[str, ...]:
    """Names of the official LaSOT ``train`` (1120) or ``test`` (280) sequences."""
    if split not in LASOT_SPLITS:
        raise ValueError(f"unknown LaSOT split {split!r}; valid: {', '.join(LASOT_SPLITS)} (or None/'all')")
    text = (files("vasr.data.splits") / f"lasot_{split}.txt").read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


def lasot_category(name: str) -> str:
    """``rubicCube-12`` -> ``rubicCube``: the category is everything before the last '-'."""
    return name.rpartition("-")[0]


def _sequence_folders(root: Path, categories: Iterable[str] | None) -> dict[str, Path]:
    if not root.is_dir():
        raise DatasetLayoutError(root, f"LaSOT root is not a directory; {_EXPECTED}")
    if (root / "groundtruth.txt").is_file():
        raise DatasetLayoutError(
            root, f"this is one LaSOT sequence folder; pass the dataset root. {_EXPECTED}"
        )
    category_dirs = subdirectories(root)
    if categories is not None:
        wanted = set([categories] if isinstance(categories, str) else categories)
        unknown = sorted(wanted.difference(d.name for d in category_dirs))
        if unknown:
            raise DatasetLayoutError(root, f"no LaSOT category folder {', '.join(unknown)}; {_EXPECTED}")
        category_dirs = [d for d in category_dirs if d.name in wanted]
    found: dict[str, Path] = {}
    for category_dir in category_dirs:
        for folder in subdirectories(category_dir):
            category, _, number = folder.name.rpartition("-")
            if category == category_dir.name and number.isdigit():
                found[folder.name] = folder
    if not found and categories is None:
        if any(lasot_category(d.name) == root.name for d in category_dirs):
            raise DatasetLayoutError(root, f"this is one LaSOT category folder; pass its parent. {_EXPECTED}")
        raise DatasetLayoutError(root, f"no LaSOT sequence found; {_EXPECTED}")
    return found


def _flags(path: Path, count: int, gt_path: Path) -> np.ndarray:
    if not path.is_file():
        return np.zeros(count, dtype=bool)
    flags = read_labels(path, max_value=1)
    if len(flags) != count:
        raise AnnotationFormatError(path, f"{len(flags)} flags but {gt_path.name} has {count} lines")
    return flags.astype(bool)


def read_lasot_sequence(folder: str | Path) -> Sequence:
    """One LaSOT sequence folder (``<category>/<category>-<N>``)."""
    folder = Path(folder)
    gt_path = folder / "groundtruth.txt"
    if not gt_path.is_file():
        raise DatasetLayoutError(gt_path, "LaSOT ground-truth file is missing")
    boxes, polygon = read_box_rows(gt_path)
    if polygon:
        raise AnnotationFormatError(gt_path, "LaSOT ground truth holds x,y,w,h (4 values per line)")
    boxes[:, :2] -= 1.0
    count = len(boxes)
    frames = numbered_frames(folder / "img", "{:08d}.jpg", 1, count, gt_path)
    occluded = _flags(folder / "full_occlusion.txt", count, gt_path)
    out_of_view = _flags(folder / "out_of_view.txt", count, gt_path)
    nlp_path = folder / "nlp.txt"
    metadata = {
        "dataset": "lasot",
        "category": lasot_category(folder.name),
        "full_occlusion": occluded,
        "out_of_view": out_of_view,
        "nlp": nlp_path.read_text(encoding="utf-8-sig").strip() if nlp_path.is_file() else None,
        "path": folder,
    }
    visible = box_visibility(boxes) & ~occluded & ~out_of_view
    return Sequence(folder.name, frames, boxes, visible, metadata)


def load_lasot(
    root: str | Path,
    split: str | None = None,
    categories: Iterable[str] | None = None,
    names: Iterable[str] | None = None,
) -> list[Sequence]:
    """LaSOT sequences under ``root``, ordered by category then number.

    Args:
        root: the folder holding one sub-folder per category.
        split: None or ``"all"`` for every sequence on disk; ``"train"`` / ``"test"`` for the official lists
            (sequences of the list that are not on disk are skipped: partial downloads are common).
        categories: keep only these categories.
        names: keep only these sequences; a name not found (after the other filters) is an error.
    """
    root = Path(root)
    folders = _sequence_folders(root, categories)
    available = sorted(folders, key=lambda n: (lasot_category(n), natural_key(n)))
    if split not in (None, "all"):
        official = set(lasot_split(split))
        available = [name for name in available if name in official]
    return [read_lasot_sequence(folders[name]) for name in select_names(available, names, root)]
