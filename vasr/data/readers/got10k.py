"""GOT-10k, read exactly as it is distributed.

Layout::

    <root>/{train,val,test}/list.txt                       sequence folder names, one per line
    <root>/train/GOT-10k_Train_000001/00000001.jpg ...     frames, %08d.jpg from 1 (Val_/Test_ likewise)
                                      groundtruth.txt      one "x,y,w,h" per frame, comma separated
                                      absence.label        one 0/1 per line (1: target absent)
                                      cover.label          one 0..8 per line (visible fraction, 0: none)
                                      cut_by_image.label   one 0/1 per line (target cut by the image border)
                                      meta_info.ini        [METAINFO] then "key: value" lines

Conventions: boxes are taken as 0-based pixels and stored as is. A frame is visible when its box is finite
with positive size and, where the label files exist (train, val), the target is not absent and ``cover > 0``.
In ``test`` only the first frame's box is published: the others get NaN and ``visible = False``, and
``metadata["annotated_frames"]`` says how many carry a box. Labels are kept in metadata (``absence``,
``cover``, ``cut_by_image``), as is ``meta_info`` (a dict of strings).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from vasr.data.readers.box_text import read_box_rows, read_labels, read_text_lines
from vasr.data.readers.layout import numbered_frames, pad_withheld_boxes, select_names
from vasr.data.readers.visibility import box_visibility
from vasr.data.sequence import Sequence
from vasr.errors import AnnotationFormatError, DatasetLayoutError

GOT10K_SPLITS = ("train", "val", "test")
_EXPECTED = "expected <root>/train/list.txt, <root>/val/list.txt and/or <root>/test/list.txt"
_LABELS = {"absence": 1, "cover": 8, "cut_by_image": 1}


def read_meta_info(path: str | Path) -> dict[str, str]:
    """``key: value`` (or ``key = value``) pairs of a ``meta_info.ini``.

    Tolerant on purpose: section headers, comments and lines without a separator are skipped, a repeated key
    keeps its last value, and values may themselves hold ':' (urls, times)."""
    info: dict[str, str] = {}
    for line in read_text_lines(path):
        text = line.strip()
        if not text or text.startswith(("[", "#", ";")):
            continue
        cut = min((i for i in (text.find(":"), text.find("=")) if i > 0), default=-1)
        if cut > 0:
            info[text[:cut].strip()] = text[cut + 1 :].strip()
    return info


def _splits(root: Path, split: str | None) -> list[str]:
    if not root.is_dir():
        raise DatasetLayoutError(root, f"GOT-10k root is not a directory; {_EXPECTED}")
    if (root / "list.txt").is_file():
        raise DatasetLayoutError(root, f"this is one GOT-10k split folder; pass its parent. {_EXPECTED}")
    if split in (None, "all"):
        present = [s for s in GOT10K_SPLITS if (root / s / "list.txt").is_file()]
        if not present:
            raise DatasetLayoutError(root, f"no GOT-10k split found; {_EXPECTED}")
        return present
    if split not in GOT10K_SPLITS:
        raise ValueError(f"unknown GOT-10k split {split!r}; valid: {', '.join(GOT10K_SPLITS)}, all, None")
    if not (root / split / "list.txt").is_file():
        raise DatasetLayoutError(root / split / "list.txt", f"GOT-10k split list is missing; {_EXPECTED}")
    return [split]


def read_got10k_sequence(folder: str | Path, split: str) -> Sequence:
    """One GOT-10k sequence folder of ``split`` (``test`` has a single annotated frame)."""
    folder = Path(folder)
    gt_path = folder / "groundtruth.txt"
    boxes, polygon = read_box_rows(gt_path)
    if polygon:
        raise AnnotationFormatError(gt_path, "GOT-10k ground truth holds x,y,w,h (4 values per line)")
    metadata: dict = {"dataset": "got10k", "split": split, "path": folder}
    if split == "test":
        metadata["annotated_frames"] = len(boxes)
        metadata["note"] = "test split: only the first frame is annotated, the other boxes are withheld"
        boxes = pad_withheld_boxes(boxes, folder, "{:08d}.jpg", 1, gt_path)
    frames = numbered_frames(folder, "{:08d}.jpg", 1, len(boxes), gt_path)
    visible = box_visibility(boxes)
    for label, max_value in _LABELS.items():
        path = folder / f"{label}.label"
        if path.is_file():
            values = read_labels(path, max_value=max_value)
            if len(values) != len(boxes):
                raise AnnotationFormatError(
                    path, f"{len(values)} labels but {gt_path.name} has {len(boxes)} lines"
                )
            metadata[label] = values
    if "absence" in metadata:
        visible &= metadata["absence"] == 0
    if "cover" in metadata:
        visible &= metadata["cover"] > 0
    meta_path = folder / "meta_info.ini"
    metadata["meta_info"] = read_meta_info(meta_path) if meta_path.is_file() else {}
    return Sequence(folder.name, frames, boxes, visible, metadata)


def load_got10k(
    root: str | Path, split: str | None = None, names: Iterable[str] | None = None
) -> list[Sequence]:
    """GOT-10k sequences under ``root`` in ``list.txt`` order, split by split.

    Args:
        root: the folder holding ``train/``, ``val/`` and/or ``test/``.
        split: ``"train"``, ``"val"``, ``"test"``; None or ``"all"`` = every split present.
        names: keep only these sequences; a name not found is an error.
    """
    root = Path(root)
    located: dict[str, tuple[Path, str]] = {}
    for split_name in _splits(root, split):
        list_path = root / split_name / "list.txt"
        for name in (line.strip() for line in read_text_lines(list_path)):
            if name:
                located[name] = (root / split_name / name, split_name)
    sequences = []
    for name in select_names(located, names, root):
        folder, split_name = located[name]
        if not folder.is_dir():
            raise DatasetLayoutError(folder, f"listed in {split_name}/list.txt but missing")
        sequences.append(read_got10k_sequence(folder, split_name))
    return sequences
