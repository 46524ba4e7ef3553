"""The 15 real benchmark sequences load with the frame counts, sizes and boxes their MANIFEST and ground-truth
files state (checked against a deliberately naive parse of those files)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np
import pytest

from vasr.data.readers import load_otb

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def manifest(real_root: Path) -> dict[str, dict[str, str]]:
    with (real_root / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["name"]: row for row in csv.DictReader(handle, delimiter="\t")}


@pytest.fixture(scope="module")
def sequences(real_root: Path, manifest: dict[str, dict[str, str]]) -> dict:
    return {s.name: s for s in load_otb(real_root)}


def naive_box(line: str) -> list[float]:
    """x, y, w, h in 0-based pixels, the slow obvious way."""
    values = [float(v) for v in re.split(r"[,\t ]+", line.strip())]
    if len(values) == 8:  # VOT polygon, already 0-based
        xs, ys = values[0::2], values[1::2]
        return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]
    x, y, w, h = values
    return [x - 1, y - 1, w, h]


def test_every_manifest_sequence_is_listed(manifest: dict, sequences: dict) -> None:
    assert len(manifest) == 15
    assert set(sequences) == set(manifest)


@pytest.mark.parametrize("index", range(15))
def test_counts_boxes_and_frame_sizes_match(
    real_root: Path, manifest: dict, sequences: dict, index: int
) -> None:
    name = sorted(manifest)[index]
    row, seq = manifest[name], sequences[name]
    assert len(seq) == int(row["frames"]) == int(row["gt_lines"])
    assert seq.metadata["unannotated_frames"] == 0 and seq.visible.all()
    gt_file = next(
        p for p in (real_root / name / n for n in ("groundtruth_rect.txt", "groundtruth.txt")) if p.is_file()
    )
    lines = gt_file.read_text().splitlines()
    np.testing.assert_allclose(seq.boxes[0], naive_box(lines[0]))
    np.testing.assert_allclose(seq.boxes[-1], naive_box(lines[int(row["gt_lines"]) - 1]))
    size = (int(row["width"]), int(row["height"]))
    assert seq.image_size == size
    for frame in (seq.frame(0), seq.frame(-1)):
        assert frame.shape == (size[1], size[0], 3) and frame.dtype == np.uint8
