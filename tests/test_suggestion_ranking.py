"""The suggestion-ranking driver end to end on the tiny dataset: each doubt source runs the same loop from
the same start, the oracle ranks the bad boxes perfectly, and every table is written."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from fake_trackers import make_sequence

from ablations import suggestion_ranking
from vasr.annotations.dense import DenseAnnotation


def test_the_true_loss_is_what_each_box_misses_and_nothing_at_keyframes_or_absent_targets() -> None:
    sequence = make_sequence("s", 4, invisible=[2])
    truth = sequence.boxes
    half = truth[1] * [1, 1, 1, 0.5]  # the same corner, half the height
    boxes = np.stack([truth[0], half, [40, 40, 5, 5], [np.nan] * 4])
    annotation = DenseAnnotation(
        name="s", boxes=boxes, keyframes=np.array([0]), failure=np.zeros(4, bool),
        quality=np.zeros(4), direction=np.zeros(4, np.int8), image_size=sequence.image_size,
    )  # fmt: skip
    loss = suggestion_ranking.true_loss(annotation, sequence)
    assert loss == pytest.approx([0.0, 0.5, 0.0, 1.0])  # keyframe, half the box, absent, no box


def test_the_summary_puts_each_doubt_on_one_row_with_every_seed_side_by_side() -> None:
    ranking = [
        {"seed": seed, "doubt": doubt, "fold": fold, "interval": interval, "auc": auc}
        for seed in (0, 1) for doubt in ("vasr", "oracle") for interval in (30, 90)
        for fold, auc in (("all", 0.8 + 0.01 * seed + (0.1 if doubt == "oracle" else 0) + interval / 1000),
                          ("0", 0.0))
    ]  # fmt: skip
    rounds = [
        {"seed": seed, "doubt": doubt, "fold": "all", "round": k, "human_share": share,
         "miou": 0.8 + k / 100 + seed / 1000 + (0.05 if doubt == "oracle" else 0)}
        for seed in (0, 1) for doubt in ("vasr", "oracle")
        for k, share in enumerate((0.01, 0.0362, 0.0401, 0.05, 0.0598))
    ]  # fmt: skip
    lines = suggestion_ranking.summary_table(ranking, rounds).splitlines()
    assert lines[0] == "| doubt | ranking AUC, every 90 | every 30 | mIoU at 3.6% | at 4.0% | at 6.0% |"
    # the wider spacing (the loop's start) first; per seed "0 / 1"; the rounds nearest each share (1, 2, 4)
    assert lines[2] == (
        "| vasr | 0.890 / 0.900 | 0.830 / 0.840 | 0.810 / 0.811 | 0.820 / 0.821 | 0.840 / 0.841 |"
    )  # and no per-fold value
    assert lines[3].startswith("| oracle | 0.990 / 1.000 |") and len(lines) == 4


@pytest.mark.slow
def test_every_doubt_source_runs_the_same_loop_and_the_oracle_ranks_perfectly(
    tiny_root: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    argv = [
        "--root", str(tiny_root), "--dataset", "lasot", "--no-default-data", "--tracker", "kcf",
        "--epochs", "1", "--limit-batches", "2", "--cache", str(tmp_path / "cache"), "--out", str(out),
        "--active-start", "20", "--active-per-round", "0.02", "--active-budget", "0.12",
        "--doubts", "vasr", "oracle", "disagreement",
    ]  # fmt: skip
    assert suggestion_ranking.main(argv) == 0

    with open(out / "ranking.csv") as handle:
        ranking = list(csv.DictReader(handle))
    assert {(r["doubt"], r["fold"], int(r["interval"])) for r in ranking} == {
        (d, f, k) for d in ("vasr", "oracle", "disagreement") for f in ("all", "0", "1") for k in (20, 30)
    }  # pooled over the folds, and per fold the loop ran on (the held-out check of the rule)
    for pooled in (r for r in ranking if r["fold"] == "all"):
        parts = [r for r in ranking if r["fold"] != "all" and (r["doubt"], r["interval"]) == (
            pooled["doubt"], pooled["interval"])]  # fmt: skip
        assert sum(int(r["frames"]) for r in parts) == int(pooled["frames"])
        assert float(pooled["bad_share"]) == pytest.approx(
            sum(float(r["bad_share"]) * int(r["frames"]) for r in parts) / int(pooled["frames"]), abs=1e-6
        )
    for row in ranking:
        if 0.0 < float(row["bad_share"]) < 1.0:
            assert 0.0 <= float(row["auc"]) <= 1.0
            if row["doubt"] == "oracle":
                assert float(row["auc"]) == pytest.approx(1.0)  # it reads the truth

    with open(out / "rounds.csv") as handle:
        rounds = list(csv.DictReader(handle))
    first = {r["fold"]: int(r["frames"]) for r in rounds if r["doubt"] == "vasr" and r["round"] == "0"}
    assert first["all"] == first["0"] + first["1"] > 0
    pooled_rounds = [r for r in rounds if r["fold"] == "all"]
    by_doubt = {d: [r for r in pooled_rounds if r["doubt"] == d] for d in ("vasr", "oracle", "disagreement")}
    starts = {(r["human_share"], r["miou"]) for r in (rows[0] for rows in by_doubt.values())}
    assert len(starts) == 1  # round 0 is the sparse start, before any suggestion: the same for all
    for rows in by_doubt.values():
        shares = [float(r["human_share"]) for r in rows]
        assert shares == sorted(shares) and shares[-1] <= 0.12 + 1e-9 and len(rows) >= 2
    summary = (out / "summary.md").read_text().splitlines()
    assert [line.split(" | ")[0] for line in summary[4:]] == ["| vasr", "| oracle", "| disagreement"]
    report = json.loads((out / "results.json").read_text())
    assert report["settings"]["train_interval"] == "[30]"  # the spacings T-Assess trained on
