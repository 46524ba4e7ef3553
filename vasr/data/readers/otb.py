"""OTB-style sequence folders: OTB-2013/100, UAV123, DTB70, UAVDT, VOT-style folders, vasr's real sequences.

Layout (one sub-folder of the root per sequence)::

    <root>/<seq>/groundtruth_rect.txt   (or groundtruth.txt, the VOT name)
    <root>/<seq>/img/0001.jpg ...       (or the images directly in <seq>/, as VOT ships them)
    <root>/<seq>/groundtruth_rect.2.txt (OTB's second target of Jogging/Skating2: sequence "<seq>-2")

Frame names differ by benchmark (``0001.jpg``, ``00001.jpg``, ``000001.jpg``, ``img000001.jpg``,
``00000001.jpg``); frames are ordered by the number in their names, which must be consecutive. Separators
may be commas, tabs or spaces, lines may end in CRLF.

Conventions: 4-value lines are OTB's 1-based ``x, y, w, h`` (1 is subtracted from x and y); 8-value lines
are VOT polygons in 0-based pixels, reduced to their axis-aligned bounding box. NaN (UAV123's absent target)
or a zero size makes a frame invisible, a negative size is an error.

Policy for ground truth that covers fewer frames than there are images: the sequence is truncated to the
annotated frames (annotations run from the first frame), with ``metadata["unannotated_frames"]`` = the number
dropped and a warning. More ground-truth lines than images is an error naming the file.
Sub-folders without a ground-truth file are skipped with one warning naming them; files in the root
(``MANIFEST.tsv``...) are ignored.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable
from pathlib import Path

from vasr.data.frames import ImageFolderFrames
from vasr.data.readers.box_text import read_box_rows
from vasr.data.readers.layout import list_numbered_images, natural_key, select_names, subdirectories
from vasr.data.readers.visibility import box_visibility
from vasr.data.sequence import Sequence
from vasr.errors import AnnotationFormatError, DatasetLayoutError

GT_NAMES = ("groundtruth_rect.txt", "groundtruth.txt")
_TARGET_GT = re.compile(r"groundtruth_rect\.(\d+)\.txt\Z")
_EXPECTED = "expected <root>/<seq>/groundtruth_rect.txt (or groundtruth.txt) with frames in <seq>/img/"


def _ground_truths(folder: Path) -> dict[str, Path]:
    """Sequence name -> ground-truth file for one folder (several for OTB's two-target sequences)."""
    for name in GT_NAMES:
        if (folder / name).is_file():
            return {folder.name: folder / name}
    targets = [(m, p) for p in folder.glob("groundtruth_rect.*.txt") if (m := _TARGET_GT.match(p.name))]
    return {f"{folder.name}-{int(m[1])}": path for m, path in sorted(targets, key=lambda t: int(t[0][1]))}


def read_otb_sequence(gt_path: str | Path, name: str | None = None) -> Sequence:
    """The sequence annotated by ``gt_path``; frames in ``img/`` beside it, or beside it directly."""
    gt_path = Path(gt_path)
    folder = gt_path.parent
    name = name or folder.name
    image_dir = folder / "img" if (folder / "img").is_dir() else folder
    paths = list_numbered_images(image_dir)
    if not paths:
        raise DatasetLayoutError(image_dir, f"no frame image (jpg/png) for {gt_path.name}; {_EXPECTED}")
    boxes, polygon = read_box_rows(gt_path)
    if not polygon:
        boxes[:, :2] -= 1.0
    if len(boxes) > len(paths):
        raise AnnotationFormatError(
            gt_path, f"{len(boxes)} boxes but only {len(paths)} frames in {image_dir}"
        )
    metadata = {
        "dataset": "otb",
        "path": folder,
        "ground_truth": gt_path,
        "ground_truth_format": "polygon, 0-based" if polygon else "x,y,w,h, 1-based",
        "unannotated_frames": len(paths) - len(boxes),
    }
    if len(boxes) < len(paths):
        warnings.warn(
            f"{gt_path}: {len(boxes)} boxes for {len(paths)} frames; sequence {name!r} truncated to the "
            f"annotated frames ({len(paths) - len(boxes)} dropped)",
            stacklevel=2,
        )
        paths = paths[: len(boxes)]
    return Sequence(name, ImageFolderFrames(paths), boxes, box_visibility(boxes), metadata)


def load_otb(root: str | Path, names: Iterable[str] | None = None) -> list[Sequence]:
    """Every OTB-style sequence folder under ``root``, in natural name order.

    Args:
        root: the folder holding one sub-folder per sequence.
        names: keep only these sequences; a name not found is an error.
    """
    root = Path(root)
    if not root.is_dir():
        raise DatasetLayoutError(root, f"sequence root is not a directory; {_EXPECTED}")
    if any((root / name).is_file() for name in GT_NAMES):
        raise DatasetLayoutError(root, f"this is one sequence folder; pass its parent. {_EXPECTED}")
    located: dict[str, Path] = {}
    skipped = []
    for folder in subdirectories(root):
        found = _ground_truths(folder)
        if not found:
            skipped.append(folder.name)
        located.update(found)
    if not located:
        raise DatasetLayoutError(root, f"no sequence folder found; {_EXPECTED}")
    if skipped:
        warnings.warn(
            f"{root}: skipped folders without {' or '.join(GT_NAMES)}: {', '.join(skipped)}", stacklevel=2
        )
    ordered = sorted(located, key=natural_key)
    return [read_otb_sequence(located[name], name) for name in select_names(ordered, names, root)]
