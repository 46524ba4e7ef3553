"""`make bench-tracker`'s script on a tiny synthetic OTB-style dataset, so it cannot rot unnoticed."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import cv2
import numpy as np
import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):  # noqa: ANN001, ANN201
    return load_benchmark("bench_tracker")


def write_otb_sequence(root: Path, name: str, num_frames: int = 16, seed: int = 0) -> None:
    """A textured square drifting over a gradient, in OTB's layout (1-based ground truth)."""
    rng = np.random.default_rng(seed)
    patch = np.kron(rng.integers(0, 256, (6, 6, 3), dtype=np.uint8), np.ones((4, 4, 1), dtype=np.uint8))
    yy, xx = np.mgrid[:72, :96]
    background = np.stack([xx * 2, yy * 3, xx + yy], axis=-1).astype(np.uint8)
    (root / name / "img").mkdir(parents=True)
    lines = []
    for i in range(num_frames):
        x, y = 10 + 2 * i, 8 + i
        frame = background.copy()
        frame[y : y + 24, x : x + 24] = patch
        cv2.imwrite(str(root / name / "img" / f"{i + 1:04d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        lines.append(f"{x + 1},{y + 1},24,24")
    (root / name / "groundtruth_rect.txt").write_text("\n".join(lines) + "\n")


def test_main_on_a_tiny_sequence(bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = tmp_path / "data"
    write_otb_sequence(root, "a", seed=0)
    write_otb_sequence(root, "b", seed=1)
    csv_path, json_path = tmp_path / "out" / "t.csv", tmp_path / "out" / "t.json"
    argv = ["--root", str(root), "--interval", "5", "--trackers", "kcf,nosuch,dcf-accurate", "--limit", "1"]
    report = bench.main([*argv, "--csv", str(csv_path), "--json", str(json_path)])

    assert report is not None and report["sequences"] == ["a"]
    kcf, missing, accurate = report["trackers"]
    assert missing["tracker"] == "nosuch" and missing["status"].startswith("unavailable")
    assert kcf["status"] == "ok"
    for direction in ("forward", "backward", "blend", "best-of-two"):
        for metric in ("miou", "acc50", "acc70"):
            assert 0.0 <= kcf[f"{direction}_{metric}"] <= 1.0
    # the ceiling of any choice between the directions: the better of the two boxes on every frame
    assert kcf["best-of-two_miou"] >= max(kcf["forward_miou"], kcf["backward_miou"])
    assert kcf["best-of-two_acc70"] >= max(kcf["forward_acc70"], kcf["backward_acc70"])
    assert 0.0 <= kcf["forward_true_size_miou"] <= 1.0 and 0.0 <= kcf["forward_true_centre_miou"] <= 1.0
    # 16 frames, keyframes 0, 5, 10, 15: 12 frames between them; each tracked once per direction
    assert kcf["evaluated"] == 12 and kcf["steps"] == 24 and kcf["sequences"] == 1
    assert kcf["forward_miou"] > 0.5
    assert kcf["forward_miou_per_sequence"] == {"a": pytest.approx(kcf["forward_miou"])}  # one sequence
    # snippets of 5: the 4 frames inside each lie at 1/5 .. 4/5 of it, one per slice after the first
    by_progress = kcf["miou_by_progress"]["forward"]
    assert len(by_progress) == 5 and math.isnan(by_progress[0])
    assert np.mean(by_progress[1:]) == pytest.approx(kcf["forward_miou"])  # equal frames per slice
    by_distance = kcf["miou_by_distance"]  # snippets of 5: 1 to 4 frames from either human box
    assert all(0.0 <= v <= 1.0 for v in by_distance[:3]) and all(math.isnan(v) for v in by_distance[3:])
    assert kcf["steps_per_s"] > 0 and kcf["median_steps_per_s"] > 0
    assert math.isnan(kcf["conf_auc"])  # KCF gives no confidence
    assert kcf["lost_share"] == 0.0 and math.isnan(kcf["conf_median_good"])
    assert accurate["status"] == "ok" and accurate["forward_miou"] > 0.5
    assert 0.0 <= accurate["conf_auc"] <= 1.0 or math.isnan(accurate["conf_auc"])
    assert "folds" not in kcf  # one sequence cannot be split in two folds
    assert set(report["over_csrt"]) == {"dcf-accurate"}  # presets asked for, against CSRT (not run: n/a)
    assert set(report["over_csrt"]["dcf-accurate"]) == {"forward_miou", "forward_acc70", "steps_per_s"}
    assert all(math.isnan(v) for v in report["over_csrt"]["dcf-accurate"].values())

    written = json.loads(json_path.read_text())  # strict JSON: n/a is null, not NaN
    assert written["trackers"][0]["tracker"] == "kcf" and written["trackers"][0]["conf_auc"] is None
    header = csv_path.read_text().splitlines()[0].split(",")
    assert {"tracker", "status", "forward_miou", "blend_acc70", "steps_per_s", "conf_auc"} <= set(header)
    table = capsys.readouterr().out
    assert "| kcf | blend |" in table and "| kcf | best-of-two |" in table and "n/a" in table
    assert "with the true size" in table
    assert "| tracker | direction | 0-20% | 20-40% | 40-60% | 60-80% | 80-100% |" in table
    assert "| tracker | 1 frame | 2 frames | 3 frames | 5 frames | 10 frames | 15 frames |" in table


def test_the_error_split_makes_one_part_of_each_box_exact(bench) -> None:
    gt = np.array([[10.0, 10.0, 20.0, 40.0], [10.0, 10.0, 20.0, 40.0]])
    boxes = np.array(
        [
            [15.0, 10.0, 20.0, 40.0],  # right size, 5 px off: only the centre is wrong
            [5.0, 0.0, 30.0, 60.0],  # right centre, 1.5 times the size: only the size is wrong
        ]
    )
    split = bench.error_split(boxes, gt)
    own = bench._iou(boxes, gt)
    np.testing.assert_allclose(split["true_centre"], [1.0, own[1]])  # the centre was all that was wrong
    np.testing.assert_allclose(split["true_size"], [own[0], 1.0])
    assert own[0] < 1.0 and own[1] < 1.0


def test_the_distance_from_the_human_box_each_track_started_on(bench) -> None:
    distance = bench.start_distance(np.array([0, 4, 6]), 8)
    nan = np.nan
    np.testing.assert_array_equal(distance["forward"], [nan, 1, 2, 3, nan, 1, nan, nan])  # the tail: NaN
    np.testing.assert_array_equal(distance["backward"], [nan, 3, 2, 1, nan, 1, nan, nan])
    iou = np.array([0.9, 0.7, 0.5, 0.8, np.nan])
    steps = np.array([1.0, 1.0, 2.0, 3.0, 3.0])
    assert bench.miou_by_distance(iou, steps, at=(1, 2, 3, 5))[:3] == pytest.approx([0.8, 0.5, 0.8])
    assert math.isnan(bench.miou_by_distance(iou, steps, at=(5,))[0])  # no box that far


def test_lost_boxes_and_the_confidence_they_keep(bench) -> None:
    confidence = np.array([0.9, 0.8, 0.3, 0.6, np.nan, 0.5])
    iou = np.array([0.9, 0.8, 0.05, 0.0, 0.95, np.nan])  # the last frame has no box: lost
    lost = bench.lost_diagnostics(confidence, iou)
    assert lost["lost_share"] == pytest.approx(3 / 6)
    assert lost["conf_median_good"] == pytest.approx(0.85)  # the good box without a confidence left out
    assert lost["conf_median_lost"] == pytest.approx(0.5)  # median of 0.3, 0.6 and 0.5
    nothing = bench.lost_diagnostics(np.full(2, np.nan), np.array([0.9, 0.0]))  # KCF: no confidence
    assert nothing["lost_share"] == 0.5 and math.isnan(nothing["conf_median_lost"])


def test_each_fold_is_scored_on_its_own_sequences(bench, tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_otb_sequence(root, "a", seed=0)
    write_otb_sequence(root, "b", seed=1)
    out = tmp_path / "out"
    argv = ["--root", str(root), "--interval", "5", "--trackers", "kcf", "--folds", "2"]
    report = bench.main([*argv, "--csv", str(out / "t.csv"), "--json", str(out / "t.json")])

    (kcf,) = report["trackers"]
    first, second = kcf["folds"]
    assert first["sequences"] == second["sequences"] == 1  # a, b dealt round-robin
    pooled = (first["forward_miou"] + second["forward_miou"]) / 2  # equal frame counts: the pooled mean
    assert kcf["forward_miou"] == pytest.approx(pooled)


def test_absent_root_is_skipped(bench, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert bench.main(["--root", str(tmp_path / "absent"), "--json", str(tmp_path / "x.json")]) is None
    assert "skipping" in capsys.readouterr().err
    assert not (tmp_path / "x.json").exists()


def test_ratios(bench) -> None:
    rows = [
        {"tracker": "dcf", "status": "ok", "forward_miou": 0.8, "forward_acc70": 0.9, "steps_per_s": 100.0},
        {"tracker": "csrt", "status": "ok", "forward_miou": 0.4, "forward_acc70": 0.6, "steps_per_s": 50.0},
    ]
    assert bench.ratios(rows) == pytest.approx(
        {"forward_miou": 2.0, "forward_acc70": 1.5, "steps_per_s": 2.0}
    )


def test_each_tracker_gets_the_options_it_takes(bench, tmp_path: Path) -> None:
    root = tmp_path / "data"
    write_otb_sequence(root, "a", seed=0)
    out = tmp_path / "out"
    argv = ["--root", str(root), "--interval", "5", "--trackers", "dcf-accurate,kcf", "--folds", "0"]
    argv += ["--tracker-option", "end_weight=0", "--tracker-option", "aspect_step=1.02"]
    report = bench.main([*argv, "--csv", str(out / "t.csv"), "--json", str(out / "t.json")])

    accurate, kcf = report["trackers"]
    assert accurate["config"]["end_weight"] == 0 and accurate["config"]["aspect_step"] == 1.02
    assert kcf["status"] == "ok"  # OpenCV's trackers take no DCF option
    assert report["tracker_options"] == {"end_weight": 0, "aspect_step": 1.02}
    with pytest.raises(SystemExit, match="KEY=VALUE"):
        bench.main([*argv, "--tracker-option", "end_weight", "--json", str(out / "bad.json")])
    with pytest.raises(SystemExit, match=r"no tracker takes the options \['end_wieght'\]"):
        bench.main([*argv, "--tracker-option", "end_wieght=0", "--json", str(out / "bad.json")])


def test_nanotracks_options_reach_nanotrack(bench, tmp_path: Path, nanotrack_weights: Path) -> None:
    root = tmp_path / "data"
    write_otb_sequence(root, "a", seed=0)
    argv = ["--root", str(root), "--interval", "5", "--trackers", "nanotrack,dcf", "--folds", "0"]
    argv += ["--nanotrack", str(nanotrack_weights), "--tracker-option", "learning_rate=0.1"]
    report = bench.main([*argv, "--csv", str(tmp_path / "t.csv"), "--json", str(tmp_path / "t.json")])
    nanotrack, dcf = report["trackers"]
    assert nanotrack["config"]["learning_rate"] == 0.1 and dcf["status"] == "ok"


def test_miou_by_progress_averages_each_slice_of_the_snippets(bench) -> None:
    progress = np.array([0.1, 0.15, 0.5, 0.95, np.nan, 0.3])
    iou = np.array([1.0, 0.5, 0.2, 0.4, 0.0, np.nan])
    by_slice = bench.miou_by_progress(iou, progress, bins=4)
    assert by_slice[0] == pytest.approx(0.75)  # the two frames before a quarter
    assert math.isnan(by_slice[1])  # its only frame has no IoU
    assert by_slice[2:] == pytest.approx([0.2, 0.4])


def test_the_dcf_parts_table_switches_off_one_part_per_row(load_benchmark, tmp_path: Path) -> None:
    parts = load_benchmark("bench_dcf_parts")
    root = tmp_path / "data"
    write_otb_sequence(root, "a", seed=0)
    write_otb_sequence(root, "b", seed=1)
    out = tmp_path / "parts.md"
    report = parts.main(["--root", str(root), "--interval", "5", "--out", str(out)])

    rows = report["rows"]
    labels = list(rows)
    assert labels[0] == "`dcf`" and labels[-1] == "`dcf-accurate`"
    assert len(labels) == len(parts.PARTS) + 2
    for (what, options), label in zip(parts.PARTS, labels[1:-1], strict=True):
        assert what in label and parts.option_flags(options) in label
        assert all(rows[label]["config"][key] == value for key, value in options.items())  # really off
    assert rows["`dcf-accurate`"]["config"]["end_weight"] > 0  # the preset itself, as it ships
    lines = out.read_text().splitlines()
    assert lines[0] == "| tracker | fold 0 (tuning) | fold 1 (held out) | all 2 | confidence ROC-AUC |"
    assert len(lines) == 2 + len(labels) and lines[-1].startswith("| `dcf-accurate` | **")
    assert "--tracker-option exact_solve=false --tracker-option lam=0.01" in out.read_text()
    saved = json.loads(out.with_suffix(".json").read_text(), parse_constant=pytest.fail)  # strict JSON
    assert list(saved["rows"]) == labels
    with out.with_suffix(".csv").open() as handle:
        assert [row["part"] for row in csv.DictReader(handle)] == labels
