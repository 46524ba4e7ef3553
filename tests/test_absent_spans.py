"""Absence is one action, not frame by frame: a keyframe marked ``outside`` says the target is out of view
until the next box. The frames between are absent by the human's word: no box, no flag, no suggestion, no
track into them, decided once in the labour count, and CVAT's ``outside`` carries them both ways."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from test_corrections import as_cvat_exports

from vasr.cli.main import main
from vasr.data.keyframes import Keyframes

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_an_outside_keyframe_spans_up_to_the_next_keyframe() -> None:
    keys = Keyframes([0, 4, 7], np.full((3, 4), np.nan), [False, False, False], [False, True, False])
    assert np.flatnonzero(keys.spans(10)).tolist() == [4, 5, 6]
    last = Keyframes([0, 7], np.full((2, 4), np.nan), [False, False], [False, True])
    assert np.flatnonzero(last.spans(10)).tolist() == [7, 8, 9]  # the last one: to the end


def run(clip, out: Path, lines: dict[int, str]) -> dict:  # noqa: ANN001 - the conftest clip
    folder, _, truth = clip
    keys = out.parent / f"{out.name}.keys.txt"
    keys.write_text(
        "".join(f"{k}, {lines.get(k) or ', '.join(f'{v:.2f}' for v in truth[k])}\n" for k in (0, 20, 40, 60))
    )
    argv = ["annotate", "--frames", str(folder), "--keyframes", str(keys), "--name", "clip", "--no-refiner",
            "--no-review", "--formats", "cvat", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    data = json.loads((out / "json" / "clip.json").read_text())
    data["summary"] = json.loads((out / "summary.json").read_text())["sequences"][0]
    return data


def test_an_out_of_view_span_is_decided_once_and_never_flagged(clip, tmp_path: Path) -> None:  # noqa: ANN001
    seen = run(clip, tmp_path / "seen", {})
    span = run(clip, tmp_path / "span", {20: "outside"})
    assert span["outside_frames"] == list(range(20, 40))
    assert all(span["boxes"][f] is None for f in range(20, 40))
    assert not set(span["failure_frames"]) & set(range(20, 40))
    assert not set(span["suggestions"]) & set(range(20, 40))
    assert span["keyframes"] == [0, 20, 40, 60]  # one human action for the whole span
    assert span["summary"]["labour_saved"] >= seen["summary"]["labour_saved"] - 0.01
    assert "20, outside" in (tmp_path / "span.keys.txt").read_text()


def test_cvat_outside_reads_back_as_the_same_span(clip, tmp_path: Path, capsys) -> None:  # noqa: ANN001
    out = tmp_path / "out"
    run(clip, out, {})
    xml = as_cvat_exports(out / "cvat" / "clip.xml", tmp_path / "fix.xml", {30: None})  # out of view at 30
    folder, keys, _ = clip
    argv = ["annotate", "--frames", str(folder), "--keyframes", str(tmp_path / "out.keys.txt"), "--name",
            "clip", "--no-refiner", "--no-review", "--formats", "cvat", "--out", str(out),
            "--corrections", str(xml)]  # fmt: skip
    assert main(argv) == 0
    data = json.loads((out / "json" / "clip.json").read_text())
    assert data["outside_frames"] == list(range(30, 40)) and 30 in data["keyframes"]
    assert "30, outside" in (out / "corrections" / "clip.txt").read_text()
    exported = as_cvat_exports(out / "cvat" / "clip.xml", tmp_path / "again.xml", {})
    capsys.readouterr()
    assert main([*argv[:-1], str(exported)]) == 0
    assert "clip: reused" in capsys.readouterr().err  # the export's outside boxes are the span, not news
