"""How well vasr ranks the frames worth a human box: the active loop with each source of doubt, an oracle
among them.

The labour curve's active loop (`vasr.simulation`: a sparse start, then rounds of suggestions answered by
ground truth, counted strictly) is run once per *doubt source*, everything else equal:

* ``vasr``: what ``vasr annotate`` ranks by (`vasr.selection.suggest`: T-Assess's score read as an expected
  IoU, raised where the forward and backward tracks part);
* ``assessor``: T-Assess's score alone;
* ``disagreement``: the parting of the two tracks alone;
* ``oracle``: the IoU the kept box really loses against the ground truth. No annotator has it; it is how far
  a better ranking could take the same loop on the same tracker.

Before the loop, each source's *ranking AUC* is printed: the ROC-AUC with which its doubt singles out the
bad boxes (IoU <= 0.7) among the visible non-keyframes, at the loop's sparse start and at keyframes every 30
frames (where T-Assess trains). The oracle's is 1 by construction.

T-Assess is trained as the labour curve trains it (default data: fold 0, the loop on fold 1; with ``--root``:
per fold, the loop on the other fold), once per ``--seeds`` value, so a difference between two curves can be
set against what the training seed alone moves. ``--train-interval`` trains it on tracks with keyframes that
far apart instead of 30; given several (``--train-interval 30 90``), on the tracks of each.

Writes rounds.csv (one row per seed, doubt source and round) and ranking.csv under --out, both pooled over
the folds (``fold`` = ``all``) and, with several folds, per fold the loop ran on (``fold`` = that fold's
index: the clips its T-Assess never saw, and the suggestion rule's settings were chosen on real fold 0, so
fold 1 is the held-out check of the rule); results.json holds both. The printed tables (ranking.md) are the
pooled rows; summary.md, the table docs/results.md shows, puts each doubt source on one row.

    make suggestion-ranking          (its YAML: ablations/suggestion_ranking.yaml, seeds 0 and 1)
    python ablations/suggestion_ranking.py                                         (default data, seed 0)
    python ablations/suggestion_ranking.py --seeds 0 1 --doubts vasr oracle
    python ablations/suggestion_ranking.py --dataset otb --root ../shared/data/real --doubts vasr oracle
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ablations.labour_curve import active_rows, add_active_arguments
from ablations.protocol import (
    TRAIN_INTERVAL,
    add_protocol_arguments,
    build_tracker,
    data_label,
    fold_sources,
    num_folds,
    parse_with_config,
    run_settings,
    start_run,
    train_assessor,
)
from vasr.annotations.dense import DenseAnnotation
from vasr.atomic import atomic_write_text
from vasr.data.sequence import Sequence
from vasr.geometry.boxes import box_iou
from vasr.metrics.ranking import roc_auc
from vasr.pipeline import Annotator
from vasr.selection.select import Fusion
from vasr.selection.suggest import SuggestionRule, frame_doubt
from vasr.simulation import RoundResult, run_session
from vasr.tables import csv_text, render_table
from vasr.tracking.cache import TrackCache
from vasr.tracking.snippets import SequenceTracks

BAD_IOU = 0.7  # a box at or below this IoU is one the ranking should single out (Acc@0.7's line)
ROUND_COLUMNS = ["seed", "doubt", "fold", "round", "human_share", "miou", "acc70", "frames"]
RANKING_COLUMNS = ["seed", "doubt", "fold", "interval", "auc", "bad_share", "frames"]
POOLED = "all"  # the fold column of the rows pooled over the folds
# The shares by hand the summary reads the loop at: the active loop's two points the README quotes from the
# labour curve (3.6%, 6%) and about what vasr annotate leaves to a human at keyframes every 30 frames (4%).
SUMMARY_SHARES = (0.036, 0.04, 0.06)


def true_loss(annotation: DenseAnnotation, sequence: Sequence) -> np.ndarray:
    """``(N,)`` the IoU each box loses against the ground truth: 1 where there is no box, 0 where the target
    is absent and at keyframes."""
    iou = np.nan_to_num(box_iou(annotation.boxes, sequence.boxes).numpy(), nan=0.0)
    loss = np.where(np.asarray(sequence.visible, dtype=bool), 1.0 - iou, 0.0)
    return np.where(annotation.keyframe_mask, 0.0, loss)


def _rule_doubt(
    quality: np.ndarray, annotation: DenseAnnotation, tracks: SequenceTracks, disagreement_weight: float
) -> np.ndarray:
    return frame_doubt(
        quality,
        tracks.forward.boxes,
        tracks.backward.boxes,
        tracks.forward.valid,
        tracks.backward.valid,
        annotation.keyframe_mask,
        disagreement_weight,
    )


def _assessor_only(probe: Annotator, annotation: DenseAnnotation, tracks: SequenceTracks) -> np.ndarray:
    return _rule_doubt(annotation.quality, annotation, tracks, disagreement_weight=0.0)


def _disagreement_only(probe: Annotator, annotation: DenseAnnotation, tracks: SequenceTracks) -> np.ndarray:
    certain = np.full(len(annotation.quality), np.inf)  # a score that reads as IoU 1: no doubt of its own
    return _rule_doubt(certain, annotation, tracks, probe.suggestion_rule.disagreement_weight)


DOUBTS: dict[str, Callable[[Any, DenseAnnotation, SequenceTracks], np.ndarray]] = {
    "vasr": lambda probe, annotation, tracks: Annotator.doubt(probe, annotation, tracks),
    "assessor": _assessor_only,
    "disagreement": _disagreement_only,
    "oracle": lambda probe, annotation, tracks: true_loss(annotation, probe.truth[annotation.name]),
}


@dataclass
class DoubtProbe(Annotator):
    """vasr's Annotator, whose suggestions rank frames by the doubt source ``source`` (``DOUBTS``);
    ``truth`` holds the sequences the oracle reads."""

    source: str = "vasr"
    truth: Mapping[str, Sequence] = field(default_factory=dict)

    def doubt(self, annotation: DenseAnnotation, tracks: SequenceTracks) -> np.ndarray:
        return DOUBTS[self.source](self, annotation, tracks)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_protocol_arguments(parser)
    add_active_arguments(parser)
    parser.add_argument(
        "--doubts", nargs="+", choices=sorted(DOUBTS), default=list(DOUBTS), help="doubt sources to compare"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0], help="T-Assess training seeds")
    parser.add_argument("--epochs", type=int, default=6, help="T-Assess training epochs")
    parser.add_argument("--train-stride", type=int, default=2, help="frames between training windows")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--train-interval",
        type=int,
        nargs="+",
        default=[TRAIN_INTERVAL],
        help="keyframe interval(s) of the tracks T-Assess trains on; several: the tracks of each (default: "
        "%(default)s, as everywhere else)",
    )
    parser.add_argument("--out", type=Path, default=Path("results/suggestion-ranking"))
    args = parse_with_config(parser, argv)
    if args.active_start < 1:
        parser.error("--active-start must be at least 1: the loop is what this driver measures")
    return args


def ranking_aucs(
    probes: Mapping[str, DoubtProbe], cache: TrackCache, sequences: list[Sequence], interval: int
) -> dict[str, tuple[float, float, int]]:
    """Per doubt source: (ROC-AUC of its doubt for the bad boxes, the share of bad boxes, frames scored),
    over the visible non-keyframes of ``sequences`` annotated at keyframes every ``interval`` frames."""
    any_probe = next(iter(probes.values()))
    tracker = any_probe.tracker
    bucket = cache.bucket_for(tracker, interval, True)
    doubts: dict[str, list[np.ndarray]] = {name: [] for name in probes}
    bad: list[np.ndarray] = []
    for sequence in sequences:
        tracks, _ = cache.get_or_track(sequence, tracker, interval=interval, include_last=True, bucket=bucket)
        annotation, tracks = any_probe.annotate_kept(sequence, tracks)
        scored = np.asarray(sequence.visible, dtype=bool) & ~annotation.keyframe_mask
        bad.append(true_loss(annotation, sequence)[scored] >= 1.0 - BAD_IOU)
        for name, probe in probes.items():
            doubts[name].append(probe.doubt(annotation, tracks)[scored])
    labels = np.concatenate(bad)
    return {
        name: (roc_auc(np.concatenate(values), labels), float(labels.mean()), len(labels))
        for name, values in doubts.items()
    }


def run(args: argparse.Namespace) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ranking rows and the round rows of every seed and doubt source."""
    tracker = build_tracker(args)
    cache = TrackCache(args.cache)
    rule = SuggestionRule(args.min_doubt, args.disagreement_weight)
    round_rows: list[dict[str, Any]] = []
    ranking_rows: list[dict[str, Any]] = []
    for seed in args.seeds:
        held_out: list[list[Sequence]] = []
        loop_folds: list[int] = []  # the data fold each training fold's loop ran on
        rounds: dict[str, list[list[RoundResult]]] = {name: [] for name in args.doubts}
        # per (doubt, interval): one (auc, bad share, frames) per fold
        fold_rankings: dict[tuple[str, int], list[tuple[float, float, int]]] = {}
        seeded = argparse.Namespace(**{**vars(args), "seed": seed})
        for fold in range(num_folds(args)):
            assessor = train_assessor(
                seeded,
                fold,
                args.epochs,
                f"seed{seed}-fold{fold}",
                train_stride=args.train_stride,
                batch_size=args.batch_size,
                interval=args.train_interval,
            )
            source = fold_sources(args, fold)[1][0]
            sequences = source.load()
            held_out.append(sequences)
            loop_folds.append(source.fold)
            truth = {s.name: s for s in sequences}
            probes = {
                name: DoubtProbe(
                    tracker,
                    assessor,
                    suggest=0,
                    suggestion_rule=rule,
                    variant="sel",
                    fusion=Fusion(),
                    source=name,
                    truth=truth,
                )
                for name in args.doubts
            }
            for interval in sorted({args.active_start, TRAIN_INTERVAL}):
                for name, value in ranking_aucs(probes, cache, sequences, interval).items():
                    fold_rankings.setdefault((name, interval), []).append(value)
            per_round = max(1, round(args.active_per_round * sum(len(s) for s in sequences)))
            for name, probe in probes.items():
                rounds[name].append(
                    run_session(probe, sequences, args.active_start, per_round, args.active_budget)
                )
        parts = [(POOLED, list(range(len(loop_folds))))]
        if len(loop_folds) > 1:
            parts += [(loop_fold, [i]) for i, loop_fold in enumerate(loop_folds)]
        for fold, indices in parts:
            for (name, interval), values in fold_rankings.items():
                ranking_rows.append({"seed": seed, "doubt": name, "fold": fold, "interval": interval,
                                     **_weighted_ranking([values[i] for i in indices])})  # fmt: skip
            for name in args.doubts:
                for row in active_rows(
                    args, [held_out[i] for i in indices], [rounds[name][i] for i in indices]
                ):
                    round_rows.append({"seed": seed, "doubt": name, "fold": fold, **row})
    return ranking_rows, round_rows


def _weighted_ranking(values: list[tuple[float, float, int]]) -> dict[str, float | int]:
    """The ranking AUC and bad share of folds' ``(auc, bad share, frames)``, weighted by their frames."""
    frames = sum(n for _, _, n in values)
    return {
        "auc": sum(auc * n for auc, _, n in values) / frames,
        "bad_share": sum(share * n for _, share, n in values) / frames,
        "frames": frames,
    }


def summary_table(
    ranking_rows: list[dict[str, Any]],
    round_rows: list[dict[str, Any]],
    shares: tuple[float, ...] = SUMMARY_SHARES,
) -> str:
    """One markdown row per doubt source, every seed's value side by side ("seed 0 / seed 1"): the pooled
    ranking AUC per keyframe spacing (the widest, the loop's start, first), and the loop's mIoU at the round
    nearest each of ``shares`` by hand (headed by the share those rounds reached)."""
    ranking = [r for r in ranking_rows if r["fold"] == POOLED]
    rounds = [r for r in round_rows if r["fold"] == POOLED]
    doubts = list(dict.fromkeys(r["doubt"] for r in ranking))
    seeds = list(dict.fromkeys(r["seed"] for r in ranking))
    intervals = list(dict.fromkeys(sorted((r["interval"] for r in ranking), reverse=True)))

    def nearest(doubt: str, seed: int, share: float) -> dict[str, Any]:
        own = [r for r in rounds if (r["doubt"], r["seed"]) == (doubt, seed)]
        return min(own, key=lambda r: abs(r["human_share"] - share))

    reached = [np.mean([nearest(d, s, x)["human_share"] for d in doubts for s in seeds]) for x in shares]
    header = [
        "doubt",
        *(f"ranking AUC, every {k}" if i == 0 else f"every {k}" for i, k in enumerate(intervals)),
        *(f"mIoU at {100 * x:.1f}%" if i == 0 else f"at {100 * x:.1f}%" for i, x in enumerate(reached)),
    ]
    rows = []
    for doubt in doubts:
        aucs = [
            " / ".join(f"{r['auc']:.3f}" for s in seeds for r in ranking
                       if (r["doubt"], r["seed"], r["interval"]) == (doubt, s, k))
            for k in intervals
        ]  # fmt: skip
        mious = [" / ".join(f"{nearest(doubt, s, x)['miou']:.3f}" for s in seeds) for x in shares]
        rows.append(dict(zip(header, [doubt, *aucs, *mious], strict=True)))
    return render_table(rows, header, markdown=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not start_run(args):
        return 0
    ranking_rows, round_rows = run(args)
    title = f"Suggestion ranking, {args.tracker}, {data_label(args)}, start every {args.active_start}"
    ranked = [
        {**r, "auc": f"{r['auc']:.3f}", "bad_share": f"{100 * r['bad_share']:.1f}%"}
        for r in ranking_rows if r["fold"] == POOLED
    ]  # fmt: skip
    print(title)
    print(render_table(ranked, RANKING_COLUMNS))
    shown = [
        {**r, "human_share": f"{100 * r['human_share']:.2f}%", "miou": f"{r['miou']:.3f}",
         "acc70": f"{100 * r['acc70']:.1f}%"}
        for r in round_rows if r["fold"] == POOLED
    ]  # fmt: skip
    print(render_table(shown, ROUND_COLUMNS))
    tables = [
        render_table(ranked, RANKING_COLUMNS, markdown=True),
        render_table(shown, ROUND_COLUMNS, markdown=True),
    ]
    atomic_write_text(args.out / "ranking.md", f"### {title}\n\n" + "\n\n".join(tables) + "\n")
    seeds = " / ".join(str(seed) for seed in args.seeds)
    atomic_write_text(
        args.out / "summary.md",
        f"### {title}; T-Assess seeds {seeds}\n\n" + summary_table(ranking_rows, round_rows),
    )
    atomic_write_text(args.out / "ranking.csv", csv_text(ranking_rows, RANKING_COLUMNS))
    atomic_write_text(args.out / "rounds.csv", csv_text(round_rows, ROUND_COLUMNS))
    report = {"title": title, "ranking": ranking_rows, "rounds": round_rows, **run_settings(args)}
    atomic_write_text(args.out / "results.json", json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
