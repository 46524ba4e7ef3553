"""Readers that load tracking datasets exactly as they lie on disk, each into `vasr.data.Sequence` objects.

``load_dataset("lasot", root, split="train")`` is the one entry point the rest of vasr uses; `DATASETS` maps
each layout name to its reader. Every reader documents its layout and coordinate convention in its module
docstring; all return 0-based ``x, y, w, h`` float64 boxes and lazy frames (listing opens no image).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path

from vasr.data.readers.box_text import read_box_rows, read_boxes, read_labels, read_numeric_table
from vasr.data.readers.got10k import load_got10k, read_got10k_sequence, read_meta_info
from vasr.data.readers.lasot import lasot_split, load_lasot, read_lasot_sequence
from vasr.data.readers.otb import load_otb, read_otb_sequence
from vasr.data.readers.trackingnet import load_trackingnet, read_trackingnet_sequence
from vasr.data.readers.video import Keyframes, load_image_folder, load_video, read_keyframes
from vasr.data.readers.visibility import box_visibility, hide_boxes_outside_image
from vasr.data.sequence import Sequence

DATASETS: dict[str, Callable[..., list[Sequence]]] = {
    "lasot": load_lasot,
    "trackingnet": load_trackingnet,
    "got10k": load_got10k,
    "otb": load_otb,
}


def load_dataset(name: str, root: str | Path, **options: object) -> list[Sequence]:
    """Sequences of the dataset laid out as ``name`` under ``root``; ``options`` go to that reader
    (``split``, ``names``, ``categories``, ``chunks``: see each reader)."""
    reader = DATASETS.get(name.lower())
    if reader is None:
        raise ValueError(f"unknown dataset {name!r}; valid names: {', '.join(sorted(DATASETS))}")
    accepted = [p for p in inspect.signature(reader).parameters if p != "root"]
    unknown = sorted(set(options).difference(accepted))
    if unknown:
        raise TypeError(
            f"dataset {name!r} does not take option(s) {', '.join(unknown)}; it takes {', '.join(accepted)}"
        )
    return reader(root, **options)


__all__ = [
    "DATASETS",
    "Keyframes",
    "box_visibility",
    "hide_boxes_outside_image",
    "lasot_split",
    "load_dataset",
    "load_got10k",
    "load_image_folder",
    "load_lasot",
    "load_otb",
    "load_trackingnet",
    "load_video",
    "read_box_rows",
    "read_boxes",
    "read_got10k_sequence",
    "read_keyframes",
    "read_labels",
    "read_lasot_sequence",
    "read_meta_info",
    "read_numeric_table",
    "read_otb_sequence",
    "read_trackingnet_sequence",
]
