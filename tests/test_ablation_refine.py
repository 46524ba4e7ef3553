"""The refinement ablation driver end to end on the tiny dataset: every method of Table 3 (plus VG-Refine
without keyframe adaptation) and both baselines scored on the same held-out frames, written as JSON, CSV,
Markdown and a bar chart."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from ablations import refine, refine_diagnostics
from vasr.data.keyframes import keyframe_mask
from vasr.data.sources import DataSource
from vasr.refinement.adaptation import KeyframeAdaptation

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_refinement_ablation_scores_every_variant_and_baseline(tiny_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = [
        "--root", str(tiny_root), "--dataset", "lasot", "--no-default-data", "--tracker", "kcf",
        "--tassess-epochs", "1", "--refine-epochs", "1", "--limit-batches", "2", "--crop-size", "32",
        "--cache", str(tmp_path / "cache"), "--out", str(out), "--no-wandb", "--adapt-steps", "3",
    ]  # fmt: skip
    assert refine.main(argv) == 0
    with open(out / "table.csv") as handle:
        rows = list(csv.DictReader(handle))
    methods = [row["method"] for row in rows]
    assert methods == [
        "linear interpolation",
        "fwd/bwd blend",
        "w/o-Refine",
        "V-Refine",
        "VI-Refine",
        "VG-Refine",
        "VG-Refine, halfway from the selected box (vasr annotate)",
        "VG-Refine, no keyframe adaptation",  # what the offline training alone gives
    ]
    evaluated = {row["evaluated"] for row in rows[2:]}
    assert len(evaluated) == 1  # the refiners are scored on exactly the same frames
    assert {row["failure_rate"] for row in rows[2:]} == {rows[2]["failure_rate"]}  # one selection for all
    # the baselines flag nothing: every visible non-keyframe of the held-out sequences is scored
    held_out = [s for fold in (0, 1) for s in DataSource("lasot", str(tiny_root), fold=fold).load()]
    visible = sum(int((s.visible & ~keyframe_mask(len(s), 30)).sum()) for s in held_out)
    assert int(rows[0]["evaluated"]) == int(rows[1]["evaluated"]) == visible
    assert float(rows[0]["failure_rate"]) == 0.0
    table = json.loads((out / "table.json").read_text())
    assert [r["method"] for r in table["table"]] == methods
    assert "| VG-Refine |" in (out / "table.md").read_text()
    assert (out / "bars.png").stat().st_size > 0


@pytest.mark.slow
def test_the_refiner_diagnostics_compare_tracked_and_refined_boxes(
    tiny_root: Path, tmp_path: Path, capsys
) -> None:
    argv = [
        "--root", str(tiny_root), "--dataset", "lasot", "--no-default-data", "--tracker", "kcf",
        "--batches", "2", "--crop-size", "32", "--cache", str(tmp_path / "cache"), "--out", str(tmp_path),
        "--adapt-steps", "2", "--also-train",
    ]  # fmt: skip
    assert refine_diagnostics.main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    tracked = next(line for line in lines if line.startswith("tracked "))
    refined = next(line for line in lines if line.startswith("refined "))
    assert "mIoU" in tracked and "log h" in refined
    assert any(line.startswith("halfway  mIoU") for line in lines)
    assert any("boxes: improved" in line for line in lines)
    titles = [line for line in lines if line.startswith("-- ")]
    assert [title.split(" (")[0] for title in titles] == [
        "-- held-out fold",
        "-- held-out fold, keyframe adaptation: 2 steps of 32 crops, lr 0.001",
        "-- training fold",
    ]
    table = (tmp_path / "adaptation.md").read_text()  # what docs/results.md shows
    assert [line.split(" | ")[0] for line in table.splitlines() if line.startswith("| ")][1:] == [
        "| tracked boxes (no refinement)",
        "| none (the offline net)",
        "| 2 steps x 32 crops",
    ]


def test_the_adaptation_table_orders_settings_by_cost_and_marks_the_default() -> None:
    outcome = refine_diagnostics.Outcome(0.8, 0.9, 0.75, 0.85)
    default, cheap = KeyframeAdaptation(), KeyframeAdaptation(steps=50, batch_size=16)
    table = refine_diagnostics.adaptation_table(outcome, {default: outcome, cheap: outcome}, "title")
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert rows[0] == "| tracked boxes (no refinement) | - | 0.800 | 90.0% |"
    assert rows[1] == "| none (the offline net) | 0 | 0.750 | 85.0% |"
    assert rows[2].startswith(f"| {cheap.steps} steps x {cheap.batch_size} crops | 0.17 |")
    assert rows[3] == "| **150 steps x 32 crops (default)** | **1.00** | **0.750** | **85.0%** |"
    assert table.startswith("### title\n")
