"""The human's answers read back: corrections in a keyframe file, an edited JSON or CVAT's own export become
keyframes, only the snippets they end are tracked again, the frames they touch move and no other does; bad
corrections are errors naming file and line, and nothing already written is lost."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from vasr.cli.main import main

pytestmark = pytest.mark.usefixtures("one_torch_thread")

NEW_BOX = (30.0, 20.0, 24.0, 18.0)  # where the human says the target is at frame 30


def annotate(clip, out: Path, *extra: str) -> int:  # noqa: ANN001 - the conftest clip
    folder, keyframe_file, _ = clip
    return main(
        ["annotate", "--frames", str(folder), "--keyframes", str(keyframe_file), "--name", "clip",
         "--tracker", "kcf", "--no-refiner", "--no-review", "--formats", "cvat", "--out", str(out), *extra]
    )  # fmt: skip


@pytest.fixture
def first_round(clip, tmp_path: Path) -> Path:  # noqa: ANN001
    """A first run (keyframes 0, 20, 40, 60) with the T-Assess Net shipped in the package."""
    out = tmp_path / "out"
    assert annotate(clip, out) == 0
    return out


def result(out: Path) -> dict:
    return json.loads((out / "json" / "clip.json").read_text())


def boxes(data: dict) -> np.ndarray:
    return np.array([b if b is not None else [np.nan] * 4 for b in data["boxes"]])


def as_cvat_exports(xml: Path, path: Path, edits: dict[int, tuple | None], size: int | None = None) -> Path:
    """vasr's CVAT file as CVAT writes it back after review: coordinates with 2 decimals, no attribute
    the task's label did not declare (here: none), the human's edits as keyframe boxes, and the closing
    ``outside`` box after the last frame."""
    tree = ET.parse(xml)
    root = tree.getroot()
    if size is not None:
        root.find("meta/task/size").text = str(size)
    track = root.find("track")
    last = None
    for box in track.findall("box"):
        for attribute in box.findall("attribute"):
            box.remove(attribute)
        for key in ("xtl", "ytl", "xbr", "ybr"):
            box.set(key, f"{float(box.get(key)):.2f}")
        frame = int(box.get("frame"))
        if frame in edits:
            if edits[frame] is None:
                box.set("outside", "1")
            else:
                x, y, w, h = edits[frame]
                box.attrib.update(xtl=f"{x:.2f}", ytl=f"{y:.2f}", xbr=f"{x + w:.2f}", ybr=f"{y + h:.2f}")
        last = box
    end = ET.SubElement(track, "box", dict(last.attrib))
    end.set("frame", str(int(last.get("frame")) + 1))
    end.set("outside", "1")
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def test_a_cvat_round_trip_moves_the_corrected_frame_and_its_neighbours_only(
    clip,
    first_round: Path,
    tmp_path: Path,
    capsys,  # noqa: ANN001
) -> None:
    before = result(first_round)
    assert before["keyframes"] == [0, 20, 40, 60]
    fixed = as_cvat_exports(first_round / "cvat" / "clip.xml", tmp_path / "fixed.xml", {30: NEW_BOX})
    capsys.readouterr()
    assert annotate(clip, first_round, "--corrections", str(fixed)) == 0
    err = capsys.readouterr().err
    after = result(first_round)

    assert after["keyframes"] == [0, 20, 30, 40, 60]  # the corrected frame is a keyframe
    np.testing.assert_allclose(after["boxes"][30], NEW_BOX, atol=0.006)
    # only the new keyframe was tracked from: back to 20 and on to 40 (9 frames each); the tracks that now
    # arrive at it (forward from 20, backward from 40) kept their path; (0, 20) and (40, 60) were reused
    assert "clip: tracked 18 steps, reused 94" in err
    assert "clip: redone (keyframes changed): 1 corrections," in err
    old, new = boxes(before), boxes(after)
    moved = {i for i in range(len(new)) if not np.array_equal(old[i], new[i], equal_nan=True)}
    assert 30 in moved and moved - {30} and moved & set(range(21, 40)) - {30}  # the neighbours moved
    # T-Assess reads 20-frame windows every 10 frames: scores (and so choices) may change in the windows
    # holding a re-tracked frame, 10..49; nothing outside them moves
    assert moved <= set(range(10, 50)), sorted(moved)
    summary = json.loads((first_round / "summary.json").read_text())["sequences"][0]
    assert sorted(summary["changes"]["frames"]) == sorted(moved)
    store = (first_round / "corrections" / "clip.txt").read_text()
    assert "30, 30.0, 20.0, 24.0, 18.0" in store and "fixed.xml:" in store

    # the same command again: every box of the file is in the store already, nothing is redone
    capsys.readouterr()
    assert annotate(clip, first_round, "--corrections", str(fixed)) == 0
    err = capsys.readouterr().err
    assert "every box of it is already in" in err and "clip: reused" in err
    assert result(first_round)["boxes"] == after["boxes"]


def test_cvat_outside_and_an_edited_json_are_corrections_too(clip, first_round: Path, tmp_path: Path) -> None:
    # CVAT: the target is absent at frame 10
    absent = as_cvat_exports(first_round / "cvat" / "clip.xml", tmp_path / "absent.xml", {10: None})
    assert annotate(clip, first_round, "--corrections", str(absent)) == 0
    data = result(first_round)
    assert 10 in data["keyframes"] and data["boxes"][10] is None
    # JSON: a box moved at frame 50, and frame 45's box accepted as it is (added to the keyframes)
    edited = dict(data)
    edited["boxes"] = list(data["boxes"])
    edited["boxes"][50] = [12.0, 14.0, 20.0, 16.0]
    edited["keyframes"] = sorted(data["keyframes"] + [45])
    accepted = data["boxes"][45]
    copy = tmp_path / "clip.json"
    copy.write_text(json.dumps(edited))
    assert annotate(clip, first_round, "--corrections", str(copy)) == 0
    data = result(first_round)
    assert {10, 45, 50} <= set(data["keyframes"])
    np.testing.assert_allclose(data["boxes"][45], accepted, atol=0.0006)
    assert data["boxes"][50] == [12.0, 14.0, 20.0, 16.0]
    store = (first_round / "corrections" / "clip.txt").read_text().splitlines()
    assert [line.split(",")[0] for line in store[1:]] == ["10", "45", "50"]  # every round is kept


def test_suggestions_go_to_the_json_the_cvat_file_and_suggest_txt(first_round: Path) -> None:
    data = result(first_round)
    suggested = data["suggestions"]
    assert 0 < len(suggested) <= 10 and not set(suggested) & set(data["keyframes"])
    lines = [
        line for line in (first_round / "suggest.txt").read_text().splitlines() if not line.startswith("#")
    ]
    assert [int(line.split("\t")[2]) for line in lines] == suggested
    assert [int(line.split("\t")[1]) for line in lines] == list(range(1, len(suggested) + 1))
    ranks = {
        int(b.get("frame")): int(b.find("attribute[@name='suggestion_rank']").text)
        for b in ET.parse(first_round / "cvat" / "clip.xml").getroot().iter("box")
    }
    assert [f for f, r in sorted(ranks.items(), key=lambda fr: fr[1]) if r] == suggested


def _cvat_two_boxes(xml: Path, path: Path) -> Path:
    as_cvat_exports(xml, path, {30: NEW_BOX})
    tree = ET.parse(path)
    track = tree.getroot().find("track")
    twin = ET.SubElement(track, "box", dict(track.find("box[@frame='30']").attrib))
    twin.set("xtl", "1.00")
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def _cvat_without_track(xml: Path, path: Path) -> Path:
    tree = ET.parse(xml)
    tree.getroot().remove(tree.getroot().find("track"))
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path


def _json_of_another_video(out: Path, path: Path) -> Path:
    data = result(out)
    data["name"] = "another-clip"
    path.write_text(json.dumps(data))
    return path


BAD = {
    "txt frame outside": (
        lambda out, d: _text(d / "c.txt", "99, 1, 2, 3, 4\n"),
        r"c\.txt:1: frame 99 is outside",
    ),
    "txt not numbers": (
        lambda out, d: _text(d / "c.txt", "# fix\n30, 1, 2, x, 4\n"),
        r"c\.txt:2: box values",
    ),
    "txt zero size": (
        lambda out, d: _text(d / "c.txt", "30, 5, 5, 0, 4\n"),
        r"c\.txt:1: box size must be positive",
    ),
    "txt two boxes": (
        lambda out, d: _text(d / "c.txt", "30, 5, 5, 9, 4\n30, 6, 5, 9, 4\n"),
        r"c\.txt:2: frame 30 is given twice",
    ),
    "cvat frame outside": (
        lambda out, d: (
            as_cvat_exports(out / "cvat" / "clip.xml", d / "c.xml", {}, size=None)
            and _replace(d / "c.xml", 'frame="59"', 'frame="70"')
        ),
        r"c\.xml:\d+: frame 70 is outside the video",
    ),
    "cvat zero size": (
        lambda out, d: as_cvat_exports(out / "cvat" / "clip.xml", d / "c.xml", {30: (30.0, 20.0, 0.0, 18.0)}),
        r"c\.xml:\d+: frame 30: box size must be positive",
    ),
    "cvat other video": (
        lambda out, d: as_cvat_exports(out / "cvat" / "clip.xml", d / "c.xml", {}, size=100),
        r"c\.xml: is for a video of 100 frames; clip has 61",
    ),
    "cvat two boxes": (
        lambda out, d: _cvat_two_boxes(out / "cvat" / "clip.xml", d / "c.xml"),
        r"c\.xml:\d+: frame 30 has two different boxes \(the other on line \d+\)",
    ),
    "cvat no track": (
        lambda out, d: _cvat_without_track(out / "cvat" / "clip.xml", d / "c.xml"),
        r"c\.xml: holds no <track>",
    ),
    "json other video": (
        lambda out, d: _json_of_another_video(out, d / "c.json"),
        r"c\.json: is for the video 'another-clip', not 'clip'",
    ),
}


def _text(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def _replace(path: Path, old: str, new: str) -> Path:
    path.write_text(path.read_text().replace(old, new, 1))
    return path


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_corrections_are_errors_naming_file_and_line_and_lose_nothing(
    case: str,
    clip,
    first_round: Path,
    tmp_path: Path,
    capsys,  # noqa: ANN001
) -> None:
    make, message = BAD[case]
    # an earlier good round, so there is a correction record to keep
    good = _text(tmp_path / "good.txt", "10, 8, 8, 20, 16\n")
    assert annotate(clip, first_round, "--corrections", str(good)) == 0
    kept = {p: p.read_bytes() for p in sorted(first_round.rglob("*")) if p.is_file()}
    bad = make(first_round, tmp_path)
    capsys.readouterr()
    assert annotate(clip, first_round, "--corrections", str(bad)) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err  # one line, no traceback
    assert __import__("re").search(message, err), err
    assert {p: p.read_bytes() for p in sorted(first_round.rglob("*")) if p.is_file()} == kept


def test_the_runs_own_json_cannot_be_its_correction(clip, first_round: Path, capsys) -> None:  # noqa: ANN001
    assert annotate(clip, first_round, "--corrections", str(first_round / "json" / "clip.json")) == 2
    assert "edit a copy of it" in capsys.readouterr().err


def test_a_fresh_install_annotates_with_the_shipped_tassess(clip, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)  # no checkpoints/ here: the package's own net is used
    assert annotate(clip, tmp_path / "out") == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    (net,) = summary["settings"]["tassess"].values()  # the run's one tracker's
    assert net.endswith("vasr/weights/tassess.ckpt")
    shutil.rmtree(tmp_path / "out")


def test_corrections_of_a_dataset_run_start_from_the_shared_track_cache(
    tiny_root: Path, tmp_path: Path, capsys
) -> None:  # noqa: ANN001
    out, cache = tmp_path / "out", tmp_path / "cache"
    argv = ["annotate", "--dataset", "lasot", "--root", str(tiny_root), "--names", "cat-1",
            "--tracker", "kcf", "--no-refiner", "--no-review", "--formats", "json",
            "--out", str(out), "--cache", str(cache)]  # fmt: skip
    assert main(argv) == 0  # keyframes 0, 30, 60 from the dataset's ground truth, tracks in the cache
    fixes = tmp_path / "fixes"
    fixes.mkdir()
    (fixes / "cat-1.txt").write_text("15, 20, 20, 16, 12\n")
    capsys.readouterr()
    assert main([*argv, "--corrections", str(fixes)]) == 0
    err = capsys.readouterr().err
    assert "cat-1: tracked 28 steps, reused 86" in err  # from 15 both ways; the rest kept or cut short
    data = json.loads((out / "json" / "cat-1.json").read_text())
    assert data["keyframes"] == [0, 15, 30, 60] and data["boxes"][15] == [20.0, 20.0, 16.0, 12.0]
