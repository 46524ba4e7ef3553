"""Writers of tiny dataset fixtures, byte-faithful to the real layouts: the same file names, separators,
number formats, line ends and quirks (single-line LaSOT flags, CRLF TrackingNet files, unpadded names...)."""

from __future__ import annotations

from collections.abc import Sequence as SequenceABC
from functools import cache
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 32, 24


@cache
def jpeg_bytes(value: int = 128, width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """A uniform grey JPEG; encoded once per value and copied, which keeps fixtures fast."""
    ok, data = cv2.imencode(".jpg", np.full((height, width, 3), value, np.uint8))
    assert ok
    return data.tobytes()


def write_frames(
    folder: Path,
    names: SequenceABC[str],
    values: SequenceABC[int] | None = None,
    size: tuple[int, int] = (WIDTH, HEIGHT),
) -> list[Path]:
    """One JPEG per name; frame i is filled with ``values[i]`` (default 128) so decoding can check order."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, name in enumerate(names):
        path = folder / name
        path.write_bytes(jpeg_bytes(128 if values is None else values[i], *size))
        paths.append(path)
    return paths


def write_lasot_sequence(
    root: Path,
    name: str,
    gt_lines: SequenceABC[str],
    occlusion: SequenceABC[int] | None = None,
    out_of_view: SequenceABC[int] | None = None,
    nlp: str = "white airplane landing on the ground",
    num_frames: int | None = None,
) -> Path:
    """``<root>/<category>/<name>/``: img/%08d.jpg from 1, groundtruth.txt, one-line flag files, nlp.txt."""
    folder = root / name.rpartition("-")[0] / name
    count = len(gt_lines) if num_frames is None else num_frames
    write_frames(folder / "img", [f"{i:08d}.jpg" for i in range(1, count + 1)])
    (folder / "groundtruth.txt").write_bytes(("\n".join(gt_lines) + "\n").encode())
    flags = {"full_occlusion.txt": occlusion, "out_of_view.txt": out_of_view}
    for file_name, values in flags.items():
        values = [0] * len(gt_lines) if values is None else values
        # LaSOT writes every flag of a sequence on ONE comma-separated line.
        (folder / file_name).write_bytes(",".join(str(v) for v in values).encode())
    (folder / "nlp.txt").write_bytes(nlp.encode())
    return folder


def write_trackingnet_sequence(
    root: Path,
    chunk: str,
    name: str,
    gt_lines: SequenceABC[str],
    num_frames: int,
    values: SequenceABC[int] | None = None,
) -> Path:
    """``<root>/<chunk>/anno/<name>.txt`` with CRLF line ends and ``frames/<name>/0.jpg`` ... unpadded."""
    anno = root / chunk / "anno" / f"{name}.txt"
    anno.parent.mkdir(parents=True, exist_ok=True)
    anno.write_bytes("".join(line + "\r\n" for line in gt_lines).encode())
    write_frames(root / chunk / "frames" / name, [f"{i}.jpg" for i in range(num_frames)], values)
    return anno


GOT10K_META = """[METAINFO]
url: https://youtu.be/abcdefghijk
begin: 00:00:02
end: 00:00:12
anno_fps: 10Hz
object_class: ichneumon
motion_class: walking
major_class: viverrine
root_class: animal
motion_adverb: slowly
resolution: (32, 24)
"""


def write_got10k_sequence(
    root: Path,
    split: str,
    index: int,
    gt_lines: SequenceABC[str],
    num_frames: int | None = None,
    absence: SequenceABC[int] | None = None,
    cover: SequenceABC[int] | None = None,
    cut_by_image: SequenceABC[int] | None = None,
) -> Path:
    """``<root>/<split>/GOT-10k_<Split>_%06d/`` with %08d.jpg from 1, groundtruth.txt, per-line labels and
    meta_info.ini (labels and meta only for train/val, as in the real test split); appends to list.txt."""
    name = f"GOT-10k_{split.capitalize()}_{index:06d}"
    folder = root / split / name
    count = len(gt_lines) if num_frames is None else num_frames
    write_frames(folder, [f"{i:08d}.jpg" for i in range(1, count + 1)])
    (folder / "groundtruth.txt").write_bytes(("\n".join(gt_lines) + "\n").encode())
    if split != "test":
        labels = {"absence": absence, "cover": cover, "cut_by_image": cut_by_image}
        defaults = {"absence": 0, "cover": 8, "cut_by_image": 0}
        for label, values in labels.items():
            values = [defaults[label]] * len(gt_lines) if values is None else values
            (folder / f"{label}.label").write_bytes("".join(f"{v}\n" for v in values).encode())
        (folder / "meta_info.ini").write_bytes(GOT10K_META.encode())
    with (root / split / "list.txt").open("a", encoding="utf-8", newline="\n") as handle:
        handle.write(name + "\n")
    return folder


def write_otb_sequence(
    root: Path,
    name: str,
    gt_text: str,
    frame_names: SequenceABC[str],
    gt_name: str = "groundtruth_rect.txt",
    in_img: bool = True,
) -> Path:
    """``<root>/<name>/<gt_name>`` written byte for byte, frames in ``img/`` (or beside it, VOT-style)."""
    folder = root / name
    write_frames(folder / "img" if in_img else folder, frame_names)
    (folder / gt_name).write_bytes(gt_text.encode())
    return folder
