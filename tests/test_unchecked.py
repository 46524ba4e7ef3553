"""A run with no check says so: frames only one track reaches (before the first human box, after the last)
are marked unchecked in the JSON, the summary, suggest.txt, the plot and the page, and the far end of the
longest such stretch is the first frame asked, with its reason, however confident the scores there."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vasr.cli.main import main
from vasr.data.readers import load_otb
from vasr.selection.suggest import suggest_frames, unchecked_stretches

pytestmark = pytest.mark.usefixtures("one_torch_thread")


def test_the_far_end_of_the_longest_one_track_stretch_is_asked_first() -> None:
    valid_f = np.array([0, 0, 1, 1, 1, 1, 1, 1, 1, 1], bool)  # keyframes 2 and 5; a tail 6..9
    valid_b = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, 0], bool)  # and a head 0..1
    stretches = unchecked_stretches(valid_f, valid_b, np.array([2, 5]))
    assert stretches == [(0, 1, 0), (6, 9, 9)]
    doubt = np.zeros(10)
    doubt[3] = 0.9  # the only doubtful frame between the keyframes
    chosen = suggest_frames(doubt, 3, unchecked=stretches)
    assert [(s.frame, s.reason) for s in chosen] == [(9, "unchecked"), (0, "unchecked"), (3, "low score")]


def test_no_stretch_when_every_frame_lies_between_two_human_boxes() -> None:
    valid = np.ones(10, bool)
    assert unchecked_stretches(valid, valid, np.array([0, 9])) == []


def annotate_from_the_first_frame(folder: Path, box: np.ndarray, out: Path, *extra: str) -> dict:
    keys = out.parent / f"{out.name}.keys.txt"
    keys.write_text("0, " + ", ".join(f"{v:.2f}" for v in box) + "\n")
    argv = ["annotate", "--frames", str(folder), "--keyframes", str(keys), "--name", "clip", "--no-refiner",
            "--formats", "cvat", "--out", str(out), *extra]  # fmt: skip
    assert main(argv) == 0
    return json.loads((out / "json" / "clip.json").read_text())


def test_a_clip_boxed_on_its_first_frame_only_is_unchecked_everywhere_else(clip, tmp_path: Path) -> None:  # noqa: ANN001
    folder, _, truth = clip
    out = tmp_path / "out"
    data = annotate_from_the_first_frame(folder, truth[0], out, "--tracker", "kcf")
    n = data["num_frames"]
    assert data["unchecked_frames"] == list(range(1, n))
    assert data["suggestions"][0] == n - 1 and data["suggestion_reasons"][0] == "unchecked"
    summary = json.loads((out / "summary.json").read_text())["sequences"][0]
    assert summary["unchecked"] == n - 1
    text = (out / "suggest.txt").read_text()
    assert f"clip\t1\t{n - 1}\t" in text and "\tunchecked" in text and "unchecked by a second track" in text


@pytest.mark.realdata
def test_a_real_clip_from_its_first_keyframe_asks_for_its_last_frame_first(
    real_root: Path, tmp_path: Path
) -> None:
    (sequence,) = load_otb(real_root, names=["Crossing"])
    folder = Path(sequence.frames.paths[0]).parent
    data = annotate_from_the_first_frame(folder, sequence.boxes[0], tmp_path / "out", "--no-review")
    n = data["num_frames"]
    assert data["unchecked_frames"] == list(range(1, n))  # every tracked frame rests on one track
    assert (data["suggestions"][0], data["suggestion_reasons"][0]) == (n - 1, "unchecked")
