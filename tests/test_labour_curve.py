"""The labour/quality curve driver end to end on the tiny dataset: one point per baseline and interval, one
per VASR interval and threshold (and per threshold for full VASR with VG-Refine at interval 30), written as
CSV, JSON and a PNG, with the scoring's sanity properties."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ablations import labour_curve

REPO = Path(__file__).resolve().parents[1]
INTERVALS = (10, 30)
THRESHOLDS = (-0.5, 0.5, 1.5)  # 1.5 is above every f(IoU) target: every non-keyframe is flagged


def _keyframe_share(root: Path, interval: int) -> tuple[float, int]:
    from vasr.data.keyframes import keyframe_indices
    from vasr.data.sources import DataSource

    lengths = [len(s) for s in DataSource("lasot", str(root)).load()]
    keys = sum(len(keyframe_indices(n, interval, include_last=True)) for n in lengths)
    return keys / sum(lengths), sum(lengths)


@pytest.mark.slow
def test_the_labour_curve_scores_every_method_interval_and_threshold(tiny_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = [
        "--root", str(tiny_root), "--dataset", "lasot", "--no-default-data", "--tracker", "kcf",
        "--epochs", "1", "--limit-batches", "2",
        "--intervals", *map(str, INTERVALS), "--thresholds", *map(str, THRESHOLDS),
        "--cache", str(tmp_path / "cache"), "--out", str(out),
        "--refine-intervals", "30", "--refine-epochs", "1", "--crop-size", "32", "--adapt-steps", "3",
        "--active-start", "30", "--active-per-round", "0.02", "--active-budget", "0.1",
    ]  # fmt: skip
    assert labour_curve.main(argv) == 0
    with open(out / "curve.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == [
        "method", "interval", "threshold", "round", "human_share", "labour_saved", "miou", "acc70", "frames",
    ]  # fmt: skip
    active = [r for r in rows if r["method"] == "active"]
    rows = [r for r in rows if r["method"] != "active"]
    expected = [(m, k, "") for m in ("linear", "blend", "uniform") for k in INTERVALS]
    expected += [("vasr", k, t) for k in INTERVALS for t in THRESHOLDS]
    expected += [("vasr-vg", 30, t) for t in THRESHOLDS]  # full VASR only at --refine-intervals
    expected += [("vasr-vg-halfway", 30, t) for t in THRESHOLDS]  # and halfway to the refined box
    assert [
        (r["method"], int(r["interval"]), r["threshold"] and float(r["threshold"])) for r in rows
    ] == expected

    for row in rows:
        for key in ("human_share", "labour_saved", "miou", "acc70"):
            assert 0.0 <= float(row[key]) <= 1.0, (row, key)
        assert float(row["human_share"]) + float(row["labour_saved"]) == pytest.approx(1.0)

    for interval in INTERVALS:
        key_share, frames = _keyframe_share(tiny_root, interval)
        assert all(int(r["frames"]) == frames for r in rows)
        for baseline in ("linear", "blend", "uniform"):
            (row,) = [r for r in rows if r["method"] == baseline and int(r["interval"]) == interval]
            assert float(row["human_share"]) == pytest.approx(key_share)  # keyframes only: nothing flagged
        vasr = [r for r in rows if r["method"] == "vasr" and int(r["interval"]) == interval]
        shares = [float(r["human_share"]) for r in vasr]  # in threshold order
        assert shares == sorted(shares), shares  # a higher threshold flags a superset of the frames
        assert shares[0] >= key_share - 1e-12
        everything = vasr[-1]  # threshold 1.5: a human labels every frame, so the annotation is the truth
        assert float(everything["human_share"]) == 1.0
        assert float(everything["miou"]) == 1.0
        assert float(everything["acc70"]) == 1.0

    by_key = {(r["method"], int(r["interval"]), r["threshold"] and float(r["threshold"])): r for r in rows}
    assert float(by_key[("vasr-vg", 30, 1.5)]["miou"]) == 1.0  # every frame by hand, refined or not
    for threshold in THRESHOLDS:  # the share moves boxes, never the flags: the same human share
        full, halfway = by_key[("vasr-vg", 30, threshold)], by_key[("vasr-vg-halfway", 30, threshold)]
        assert halfway["human_share"] == full["human_share"]

    # the active loop: starts at the uniform-30 keyframes, each round boxes 2% of the frames more (at most
    # 10% in all); its first round is the uniform line at those keyframes
    key_share, frames = _keyframe_share(tiny_root, 30)
    assert [int(r["round"] or 0) for r in active] == list(range(len(active))) and len(active) >= 2
    shares = [float(r["human_share"]) for r in active]
    assert shares[0] == pytest.approx(key_share) and shares == sorted(shares) and shares[-1] <= 0.1 + 1e-9
    assert all(b - a <= 0.02 + 1 / frames for a, b in zip(shares, shares[1:], strict=False))
    (uniform30,) = [r for r in rows if r["method"] == "uniform" and int(r["interval"]) == 30]
    assert float(active[0]["miou"]) == pytest.approx(float(uniform30["miou"]))  # the same keyframes, boxes

    report = json.loads((out / "curve.json").read_text())
    assert [(r["method"], r["interval"]) for r in report["curve"] if r["method"] != "active"] == [
        (m, k) for m, k, _ in expected
    ]
    assert report["curve"][0]["threshold"] is None
    assert (out / "curve.png").stat().st_size > 0
    assert (out / "fold0").is_dir() and (out / "fold1").is_dir()  # one CSV log per trained fold


def test_full_vasr_is_measured_only_at_intervals_that_are_annotated(capsys) -> None:
    with pytest.raises(SystemExit):
        labour_curve.parse_args(["--intervals", "10", "30", "--refine-intervals", "20"])
    assert "--refine-intervals [20] are not among --intervals" in capsys.readouterr().err
