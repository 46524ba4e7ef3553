"""``vasr annotate``: frames + keyframe boxes + checkpoints -> dense boxes, scores, flags, files; resumable;
bad input refused before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vasr.cli.main import main
from vasr.data.readers.box_text import read_boxes


def _annotate(clip, checkpoints, out: Path, *extra: str) -> int:
    folder, keyframe_file, _ = clip
    return main(
        [
            "annotate",
            "--frames", str(folder),
            "--keyframes", str(keyframe_file),
            "--name", "clip",
            "--tassess", str(checkpoints["tassess"]),
            "--tracker", "kcf",
            "--out", str(out),
            "--formats", "lasot", "cvat", "mot", "vasr",
            *([] if "--refiner" in extra else ["--no-refiner"]),  # not a checkpoint of this checkout
            *extra,
        ]
    )  # fmt: skip


def test_annotate_writes_dense_boxes_scores_flags_and_tool_files(clip, checkpoints, tmp_path: Path) -> None:
    _, _, truth = clip
    assert _annotate(clip, checkpoints, tmp_path) == 0
    data = json.loads((tmp_path / "json" / "clip.json").read_text())
    n = len(truth)
    assert data["num_frames"] == n and len(data["boxes"]) == n and len(data["quality"]) == n
    assert data["keyframes"] == [0, 20, 40, 60]
    for k in data["keyframes"]:  # the human boxes come back exactly (to the file's 2 decimals)
        np.testing.assert_allclose(data["boxes"][k], truth[k], atol=0.006)
        assert data["quality"][k] is None and data["direction"][k] == "none"
    scored = [q for i, q in enumerate(data["quality"]) if i not in data["keyframes"]]
    assert all(q is not None for q in scored)
    flagged = set(data["failure_frames"])  # the kept box is the better-scored one: flagged <=> score < 0
    assert flagged == {i for i, q in enumerate(data["quality"]) if q is not None and q < 0}
    assert data["labour_saved"] == pytest.approx(1 - (4 + len(flagged)) / n)
    assert len(read_boxes(tmp_path / "lasot" / "clip" / "groundtruth.txt")) == n
    assert (tmp_path / "cvat" / "clip.xml").is_file() and (
        tmp_path / "mot" / "clip" / "gt" / "gt.txt"
    ).is_file()
    assert (tmp_path / "vasr" / "clip.txt").is_file()
    for png in ("clip.quality.png", "clip.review.png"):
        assert (tmp_path / "review" / png).stat().st_size > 0
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["total"]["frames"] == n


def test_a_frame_is_flagged_exactly_when_both_directions_score_below_the_threshold(
    clip, checkpoints, tmp_path: Path
) -> None:
    # threshold above every possible score (|f| < 1): every non-keyframe is flagged, so labour saved is 0
    assert _annotate(clip, checkpoints, tmp_path, "--threshold", "1.5") == 0
    data = json.loads((tmp_path / "json" / "clip.json").read_text())
    n = data["num_frames"]
    assert data["failure_frames"] == [i for i in range(n) if i not in data["keyframes"]]
    assert data["labour_saved"] == pytest.approx(0.0)


def test_a_second_run_resumes_and_overwrite_redoes(clip, checkpoints, tmp_path: Path) -> None:
    assert _annotate(clip, checkpoints, tmp_path, "--no-review") == 0
    marker = tmp_path / "json" / "clip.json"
    marker.write_text(marker.read_text().replace('"name": "clip"', '"name": "clip"   '))
    stamp = marker.read_text()
    assert _annotate(clip, checkpoints, tmp_path, "--no-review") == 0
    assert marker.read_text() == stamp  # skipped: already annotated
    assert _annotate(clip, checkpoints, tmp_path, "--no-review", "--overwrite") == 0
    assert marker.read_text() != stamp


def test_an_untrained_refiner_keeps_the_selected_boxes(clip, checkpoints, tmp_path: Path) -> None:
    """The separable MaskNet starts from the identity refinement: same boxes as the selection's with or
    without it (when it does not adapt to the keyframes first; refinement starts from the kept direction's
    tracked box, so the selection compared is the paper's, without fusion, on both sides)."""
    assert _annotate(clip, checkpoints, tmp_path / "plain", "--no-review", "--no-fusion") == 0
    refined = ["--no-review", "--no-fusion", "--refiner", str(checkpoints["refiner"]), "--adapt-steps", "0"]
    assert _annotate(clip, checkpoints, tmp_path / "refined", *refined) == 0
    plain = json.loads((tmp_path / "plain" / "json" / "clip.json").read_text())["boxes"]
    other = json.loads((tmp_path / "refined" / "json" / "clip.json").read_text())["boxes"]
    np.testing.assert_allclose(np.array(other, float), np.array(plain, float), atol=1e-3)


def test_the_refiner_adapts_to_the_keyframes_unless_told_not_to(
    clip, checkpoints, tmp_path: Path, capsys
) -> None:
    _, _, truth = clip
    refined = ["--no-review", "--refiner", str(checkpoints["refiner"])]
    assert _annotate(clip, checkpoints, tmp_path / "adapted", *refined) == 0
    summary = json.loads((tmp_path / "adapted" / "summary.json").read_text())
    assert summary["settings"]["adapt_steps"] == 150  # the checkpoint's default
    result = json.loads((tmp_path / "adapted" / "json" / "clip.json").read_text())
    boxes, keys = np.array(result["boxes"], float), result["keyframes"]
    np.testing.assert_allclose(boxes[keys], truth[keys], atol=1e-2)  # keyframes stay the human boxes
    assert np.isfinite(boxes).all()
    assert _annotate(clip, checkpoints, tmp_path / "bad", *refined, "--adapt-steps", "-1") == 2
    assert "--adapt-steps must be 0 or more" in capsys.readouterr().err


def test_the_default_refiner_is_used_when_make_train_wrote_it(
    clip, checkpoints, tmp_path: Path, monkeypatch, capsys
) -> None:
    folder, keyframe_file, _ = clip
    monkeypatch.chdir(tmp_path)  # checkpoints/ relative to here
    argv = [
        "annotate", "--frames", str(folder), "--keyframes", str(keyframe_file), "--name", "clip",
        "--tassess", str(checkpoints["tassess"]), "--tracker", "kcf", "--no-review", "--adapt-steps", "0",
    ]  # fmt: skip
    assert main([*argv, "--out", "without"]) == 0
    assert "no refiner: checkpoints/vgrefine.ckpt not found" in capsys.readouterr().err
    assert json.loads(Path("without/summary.json").read_text())["settings"]["refiner"] is None
    Path("checkpoints").mkdir()
    Path("checkpoints/vgrefine.ckpt").write_bytes(checkpoints["refiner"].read_bytes())
    assert main([*argv, "--out", "with"]) == 0
    used = json.loads(Path("with/summary.json").read_text())["settings"]["refiner"]
    assert used == str(Path("checkpoints/vgrefine.ckpt").resolve())
    assert main([*argv, "--out", "skipped", "--no-refiner"]) == 0
    assert json.loads(Path("skipped/summary.json").read_text())["settings"]["refiner"] is None


def test_a_missing_checkpoint_is_a_clear_error(clip, tmp_path: Path, capsys) -> None:
    missing = {"tassess": tmp_path / "nope.ckpt"}
    assert _annotate(clip, missing, tmp_path / "out") == 2
    assert "nope.ckpt not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_keyframe_outside_the_image_names_file_and_line(clip, checkpoints, tmp_path: Path, capsys) -> None:
    folder, _, _ = clip
    bad = tmp_path / "bad.txt"
    bad.write_text("0, 10, 10, 20, 20\n30, 5000, 10, 20, 20\n")
    tassess = str(checkpoints["tassess"])
    out = str(tmp_path / "out")
    code = main(
        ["annotate", "--frames", str(folder), "--keyframes", str(bad), "--tassess", tassess, "--out", out]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "bad.txt:2:" in err and "outside" in err  # file:line, as compilers write it
    assert not (tmp_path / "out").exists()


def test_a_video_file_is_annotated_like_its_frames(clip, checkpoints, tmp_path: Path) -> None:
    import cv2

    folder, keyframe_file, truth = clip
    frames = sorted(folder.iterdir())
    first = cv2.imread(str(frames[0]))
    video = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30.0, first.shape[1::-1])
    for path in frames:
        writer.write(cv2.imread(str(path)))
    writer.release()
    code = main(
        ["annotate", "--video", str(video), "--keyframes", str(keyframe_file), "--tassess",
         str(checkpoints["tassess"]), "--tracker", "kcf", "--out", str(tmp_path / "out"), "--no-review"]
    )  # fmt: skip
    assert code == 0
    data = json.loads((tmp_path / "out" / "json" / "clip.json").read_text())
    assert data["num_frames"] == len(truth) and data["frame_names"] == [""] * len(truth)
    np.testing.assert_allclose(data["boxes"][20], truth[20], atol=0.006)  # a keyframe: the human box


def test_the_adaptation_batch_can_be_set_and_is_recorded(clip, checkpoints, tmp_path: Path, capsys) -> None:
    refined = ["--no-review", "--refiner", str(checkpoints["refiner"]), "--adapt-steps", "2"]
    assert _annotate(clip, checkpoints, tmp_path / "small", *refined, "--adapt-batch-size", "4") == 0
    record = json.loads((tmp_path / "small" / "json" / "clip.json").read_text())["provenance"]
    assert (record["adaptation"]["steps"], record["adaptation"]["batch_size"]) == (2, 4)
    assert _annotate(clip, checkpoints, tmp_path / "bad", *refined, "--adapt-batch-size", "0") == 2
    assert "--adapt-batch-size must be 1 or more" in capsys.readouterr().err
    assert _annotate(clip, checkpoints, tmp_path / "bad", *refined, "--refined-share", "1.5") == 2
    assert "--refined-share must be between 0 and 1, got 1.5" in capsys.readouterr().err
