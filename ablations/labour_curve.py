"""Labour/quality curve: accuracy of the final annotation against the share of frames a human labels.

One point per (method, keyframe interval, failure threshold). VASR (T-Assess Net selects the forward or the
backward result per frame and flags the frames where both score below the threshold, Sel-fail) gives one
line per interval across the thresholds; the baselines (linear interpolation between keyframes, the
tracker's forward/backward blend weighted by the distance to the keyframes) flag nothing, so they give one
point per interval.

Full VASR (Sel-fail, then VG-Refine of the kept box, after the refiner adapted to the sequence's keyframes)
is measured twice, with the refined box replacing the kept one (the paper's step) and halfway to it
(``vasr annotate``'s default), at ``--refine-intervals`` (default: 30, the interval the nets train at), at
every threshold.

The active method (``--active-start``, the human in the loop) starts sparse, a keyframe every
``--active-start`` frames plus the last, then runs rounds of a simulated annotator (`vasr.simulation`):
vasr suggests the frames worth a box, ground truth answers the best ``--active-per-round`` share of all
held-out frames as new keyframes, and only the snippets they end are tracked again, until the human share
reaches ``--active-budget``. Every round is a point of its line. It is counted strictly: only keyframes are
human frames; every other visible frame is scored with its box, flagged or not. Its boxes are what
``vasr annotate`` gives (selection with fusion of agreeing directions, `vasr.selection.select.Fusion`), and
the same boxes at uniform keyframes, counted the same way, are the line to beat ("uniform").

Scoring of the *final* annotation, over every frame whose ground truth is visible: a frame a human labels
(a keyframe or a flagged failure frame) is correct, IoU 1 (the human box is the truth); every other frame
gets the IoU of its annotation box (`vasr.evaluation.score_sequence`). Reported: mean IoU, Acc@0.7
(IoU > 0.7) and the human share = (keyframes + flagged non-keyframes) / all frames (labour_saved is its
complement).

Models follow the other drivers. Default (no ``--root``): the embedded synthetic data, T-Assess trained on
fold 0 and the curve measured on fold 1. With ``--root`` (``--dataset`` names its layout): two-halves
cross-validation (categories cut in halves): for each fold f, T-Assess (and a VG model) train on the
synthetic data (unless ``--no-default-data``) plus fold f, tracked at the default interval 30, and the other
fold is
annotated at every interval (the track cache keeps one entry per interval). The curve pools the frames of
every held-out fold, so each frame is scored once by a model that never saw its sequence.

Writes curve.csv, curve.json and curve.png (mIoU and Acc@0.7 against the human share) under --out and
prints the table.

    python ablations/labour_curve.py                                     (default data)
    python ablations/labour_curve.py --dataset otb --root ../shared/data/real
    python ablations/labour_curve.py --dataset otb --root ../shared/data/real --intervals 10 30 \\
        --thresholds -0.5 0 0.5 --out results/labour-curve-quick
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ablations.protocol import (
    adaptation,
    add_adaptation_argument,
    add_protocol_arguments,
    baseline_boxes,
    build_tracker,
    data_label,
    fold_sources,
    num_folds,
    parse_with_config,
    run_settings,
    start_run,
    train_assessor,
    train_refiner,
)
from vasr.annotations.result_dir import AnnotationSet
from vasr.atomic import atomic_output, atomic_write_text
from vasr.data.sequence import Sequence
from vasr.evaluation import FrameScores, score_sequence, summarize_scores
from vasr.pipeline import Annotator
from vasr.selection.select import Fusion
from vasr.selection.suggest import SuggestionRule
from vasr.simulation import RoundResult, run_session
from vasr.tables import csv_text, render_table
from vasr.tracking.cache import TrackCache

BASELINES = {"linear": "linear interpolation", "blend": "fwd/bwd blend"}
VASR = "vasr"
REFINED = "vasr-vg"  # full VASR: Sel-fail, then VG-Refine of the kept boxes
HALFWAY = "vasr-vg-halfway"  # the same, each kept box moved halfway to its refined box (vasr annotate's step)
REFINED_SHARES = {REFINED: 1.0, HALFWAY: Annotator.refined_share}
ACTIVE = "active"  # the human in the loop: sparse start, then rounds of suggestions answered
UNIFORM = "uniform"  # vasr annotate's boxes (selection + fusion) at uniform keyframes, counted as ACTIVE is
NAMES = {
    VASR: "VASR (Sel-fail)",
    REFINED: "VASR (Sel-fail + VG-Refine)",
    HALFWAY: "VASR (Sel-fail + VG-Refine halfway)",
    ACTIVE: "vasr active loop (strict)",
    UNIFORM: "vasr uniform keyframes (strict)",
    **BASELINES,
}
COLUMNS = [
    "method",
    "interval",
    "threshold",
    "round",
    "human_share",
    "labour_saved",
    "miou",
    "acc70",
    "frames",
]


def add_active_arguments(parser: argparse.ArgumentParser) -> None:
    """The active loop's flags (the simulated annotator of `vasr.simulation`) and the suggestion rule."""
    active = parser.add_argument_group("the active loop (human in the loop, simulated annotator)")
    active.add_argument(
        "--active-start",
        type=int,
        default=90,
        help="sparse start: a keyframe every N frames (0: no active loop)",
    )
    active.add_argument(
        "--active-per-round", type=float, default=0.004, help="share of all held-out frames boxed per round"
    )
    active.add_argument(
        "--active-budget", type=float, default=0.06, help="human share at which the loop stops"
    )
    active.add_argument("--min-doubt", type=float, default=SuggestionRule.min_doubt, help="suggestion rule")
    active.add_argument(
        "--disagreement-weight",
        type=float,
        default=SuggestionRule.disagreement_weight,
        help="suggestion rule",
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_protocol_arguments(parser)
    parser.add_argument(
        "--intervals", type=int, nargs="+", default=[10, 15, 30, 60], help="keyframe intervals to annotate at"
    )
    parser.add_argument(
        "--thresholds",
        type=float,
        nargs="+",
        default=[-0.5, -0.25, 0.0, 0.25, 0.5],
        help="failure thresholds of Sel-fail (frames where both directions score below are flagged)",
    )
    parser.add_argument("--epochs", type=int, default=6, help="T-Assess training epochs")
    parser.add_argument("--train-stride", type=int, default=2, help="frames between training windows")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--refine-intervals",
        type=int,
        nargs="*",
        default=[30],
        help="intervals at which full VASR (with VG-Refine) is also measured (none: selection only)",
    )
    parser.add_argument("--refine-epochs", type=int, default=4, help="VG-Refine training epochs")
    parser.add_argument("--crop-size", type=int, default=64, help="VG-Refine search crop size")
    parser.add_argument("--refine-stride", type=int, default=5, help="frames between VG-Refine windows")
    add_adaptation_argument(parser)
    add_active_arguments(parser)
    parser.add_argument("--out", type=Path, default=Path("results/labour-curve"))
    args = parse_with_config(parser, argv)
    if any(k < 1 for k in args.intervals):
        parser.error(f"intervals must be at least 1, got {args.intervals}")
    missing = sorted(set(args.refine_intervals) - set(args.intervals))
    if missing:
        parser.error(f"--refine-intervals {missing} are not among --intervals {args.intervals}")
    args.intervals = sorted(set(args.intervals))
    args.thresholds = sorted(set(args.thresholds))
    return args


def final_scores(sequence: Sequence, scores: FrameScores) -> FrameScores:
    """The final annotation's per-frame outcome: frames a human labels (keyframes, flagged failures) have
    IoU 1, the others keep their IoU; every frame with a visible ground truth counts."""
    human = scores.is_keyframe | scores.is_failure
    return FrameScores(
        name=scores.name,
        iou=np.where(human, 1.0, scores.iou),
        evaluated=np.asarray(sequence.visible, dtype=bool).copy(),
        is_keyframe=scores.is_keyframe,
        is_failure=scores.is_failure,
    )


def strict_scores(sequence: Sequence, annotation: AnnotationSet) -> FrameScores:
    """The active loop's count: keyframes are the human's (IoU 1), every other visible frame is scored with
    its box, flagged or not."""
    frame_scores = score_sequence(sequence, AnnotationSet(annotation.boxes, keyframes=annotation.keyframes))
    return final_scores(sequence, frame_scores)


def curve_row(
    method: str, interval: int, threshold: float | None, scores: list[FrameScores], round_: int | None = None
) -> dict:
    summary = summarize_scores(scores)
    return {
        "method": method,
        "interval": interval,
        "threshold": threshold,
        "round": round_,
        "human_share": 1.0 - summary["labour_saved"],
        "labour_saved": summary["labour_saved"],
        "miou": summary["miou"],
        "acc70": summary["acc70"],
        "frames": summary["frames"],
    }


def active_rows(
    args: argparse.Namespace, held_out: list[list[Sequence]], rounds: list[list[RoundResult]]
) -> list[dict[str, Any]]:
    """One row per round of the active loop, pooled over the folds (a fold that stopped earlier keeps its
    last round)."""
    rows = []
    for r in range(max((len(f) for f in rounds), default=0)):
        pooled = []
        for sequences, fold_rounds in zip(held_out, rounds, strict=True):
            result = fold_rounds[min(r, len(fold_rounds) - 1)]
            pooled += [
                strict_scores(s, a.annotation_set())
                for s, a in zip(sequences, result.annotations, strict=True)
            ]
        rows.append(curve_row(ACTIVE, args.active_start, None, pooled, r))
    return rows


def plot_curve(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    """mIoU (left) and Acc@0.7 (right) against the human share: one VASR line per interval across the
    thresholds (and one for VASR with VG-Refine where measured), one line per baseline across the
    intervals."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    intervals = sorted({r["interval"] for r in rows})
    colours = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, max(len(intervals), 1)))
    styles = {"linear": ("s", "--", "black"), "blend": ("^", ":", "dimgray"), UNIFORM: ("v", "-.", "teal")}
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for ax, key, label in zip(axes, ("miou", "acc70"), ("mIoU", "Acc@0.7"), strict=True):
        for colour, interval in zip(colours, intervals, strict=True):
            points = sorted(
                (r for r in rows if r["method"] == VASR and r["interval"] == interval),
                key=lambda r: r["threshold"],
            )
            if not points:
                continue
            xs = [100 * r["human_share"] for r in points]
            ys = [r[key] for r in points]
            ax.plot(xs, ys, marker="o", color=colour, label=f"VASR, every {interval}")
            for x, y, r in zip(xs, ys, points, strict=True):
                ax.annotate(
                    f"{r['threshold']:g}", (x, y), textcoords="offset points", xytext=(3, -9), fontsize=6
                )
        refined_styles = ((REFINED, "crimson", "VG-Refine"), (HALFWAY, "sienna", "VG-Refine halfway"))
        for method, colour, name in refined_styles:
            for interval in intervals:
                points = sorted(
                    (r for r in rows if r["method"] == method and r["interval"] == interval),
                    key=lambda r: r["threshold"],
                )
                if points:
                    xs = [100 * r["human_share"] for r in points]
                    ax.plot(xs, [r[key] for r in points], marker="D", color=colour,
                            label=f"VASR + {name}, every {interval}")  # fmt: skip
        points = sorted((r for r in rows if r["method"] == ACTIVE), key=lambda r: r["human_share"])
        if points:
            xs = [100 * r["human_share"] for r in points]
            ax.plot(xs, [r[key] for r in points], marker=".", color="darkorange",
                    label=f"active loop (start every {points[0]['interval']}, suggestions)")  # fmt: skip
        for method, (marker, line, colour) in styles.items():
            points = sorted((r for r in rows if r["method"] == method), key=lambda r: r["human_share"])
            if not points:
                continue
            xs = [100 * r["human_share"] for r in points]
            ys = [r[key] for r in points]
            ax.plot(xs, ys, marker=marker, linestyle=line, color=colour, label=NAMES[method])
            for x, y, r in zip(xs, ys, points, strict=True):
                ax.annotate(
                    f"1/{r['interval']}", (x, y), textcoords="offset points", xytext=(3, 3), fontsize=6
                )
        ax.set_xlabel("frames labelled by hand (%)")
        ax.set_ylabel(label)
        ax.set_xlim(left=0)
        ax.set_ylim(top=1.02)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="lower right", fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    with atomic_output(path, suffix=".tmp.png") as tmp:
        fig.savefig(tmp, dpi=100)
    plt.close(fig)


def write_outputs(rows: list[dict[str, Any]], out: Path, title: str, extra: dict[str, Any]) -> None:
    """Print the table; write curve.csv, curve.json and curve.png under ``out``."""
    shown = [
        {
            **r,
            "method": NAMES[r["method"]],
            "threshold": "-" if r["threshold"] is None else f"{r['threshold']:g}",
            "round": "-" if r.get("round") is None else r["round"],
            "human_share": f"{100 * r['human_share']:.1f}%",
        }
        for r in rows
    ]
    print(title)
    print(render_table(shown, COLUMNS))
    atomic_write_text(out / "curve.md", f"### {title}\n\n{render_table(shown, COLUMNS, markdown=True)}\n")
    plain = [
        {**r, "threshold": "" if r["threshold"] is None else r["threshold"], "round": r.get("round") or ""}
        for r in rows
    ]
    atomic_write_text(out / "curve.csv", csv_text(plain, COLUMNS))
    atomic_write_text(
        out / "curve.json", json.dumps({"title": title, "curve": rows, **extra}, indent=2) + "\n"
    )
    plot_curve(rows, out / "curve.png", title)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not start_run(args):
        return 0
    folds = num_folds(args)
    cache = TrackCache(args.cache)
    tracker = build_tracker(args)
    buckets = {k: cache.bucket_for(tracker, k, True) for k in args.intervals}
    scores: dict[tuple[str, int, float | None], list[FrameScores]] = {}
    active_rounds: list[list[RoundResult]] = []  # per fold
    held_out: list[list[Sequence]] = []
    seconds: dict[str, float] = {}
    for fold in range(folds):
        begin = time.perf_counter()
        assessor = train_assessor(
            args, fold, args.epochs, f"fold{fold}", train_stride=args.train_stride, batch_size=args.batch_size
        )
        refiner = None
        if args.refine_intervals:
            refiner = train_refiner(args, fold, "vg", args.refine_epochs, args.crop_size, args.refine_stride)
        rule = SuggestionRule(args.min_doubt, args.disagreement_weight)
        annotator = Annotator(  # refined boxes at each share of REFINED_SHARES (1: the paper's step)
            tracker, assessor, refiner, adaptation(args), suggest=0, suggestion_rule=rule
        )
        seconds[f"fold{fold}_training"] = time.perf_counter() - begin
        begin = time.perf_counter()
        sequences = fold_sources(args, fold)[1][0].load()
        held_out.append(sequences)
        if args.active_start:
            active = Annotator(
                tracker, assessor, suggest=0, suggestion_rule=rule, variant="sel", fusion=Fusion()
            )
            per_round = max(1, round(args.active_per_round * sum(len(s) for s in sequences)))
            active_rounds.append(
                run_session(active, sequences, args.active_start, per_round, args.active_budget)
            )
            seconds[f"fold{fold}_active"] = time.perf_counter() - begin
        for sequence in sequences:
            for interval in args.intervals:
                tracks, _ = cache.get_or_track(
                    sequence, tracker, interval=interval, include_last=True, bucket=buckets[interval]
                )
                keys = np.asarray(tracks.keyframes, dtype=np.int64)
                for name, boxes in baseline_boxes(sequence, tracks).items():
                    frame_scores = score_sequence(sequence, AnnotationSet(boxes, keyframes=keys))
                    scores.setdefault((name, interval, None), []).append(final_scores(sequence, frame_scores))
                assessment = annotator.assess(sequence, tracks)
                tracks = assessment.tracks  # for a tracker set: the candidates kept
                product = replace(annotator, variant="sel", fusion=Fusion())
                uniform = product.assemble(sequence, tracks, product.select(tracks, assessment), assessment)
                scores.setdefault((UNIFORM, interval, None), []).append(
                    strict_scores(sequence, uniform.annotation_set())
                )
                methods: dict[str, np.ndarray | None] = {VASR: None}
                if refiner is not None and interval in args.refine_intervals:
                    # the kept direction does not depend on the threshold (only the flags do): adapt once
                    material = annotator.material(sequence, tracks)
                    kept = annotator.select(tracks, assessment)
                    net = annotator.adapt(material)
                    methods |= {
                        m: annotator.refine(material, kept, net, share) for m, share in REFINED_SHARES.items()
                    }
                for threshold in args.thresholds:
                    selection = annotator.select(tracks, assessment, threshold=threshold)
                    for method, boxes in methods.items():
                        annotation = annotator.assemble(sequence, tracks, selection, assessment, boxes)
                        frame_scores = score_sequence(sequence, annotation.annotation_set())
                        scores.setdefault((method, interval, threshold), []).append(
                            final_scores(sequence, frame_scores)
                        )
        seconds[f"fold{fold}_annotation"] = time.perf_counter() - begin
    rows = [curve_row(m, k, None, scores[(m, k, None)]) for m in BASELINES for k in args.intervals]
    rows += [curve_row(UNIFORM, k, None, scores[(UNIFORM, k, None)]) for k in args.intervals]
    rows += active_rows(args, held_out, active_rounds)
    rows += [curve_row(VASR, k, t, scores[(VASR, k, t)]) for k in args.intervals for t in args.thresholds]
    rows += [
        curve_row(m, k, t, scores[(m, k, t)])
        for m in REFINED_SHARES
        for k in args.intervals
        for t in args.thresholds
        if (m, k, t) in scores
    ]
    data = data_label(args)
    extra = {
        "seconds": seconds,
        **run_settings(args),
    }
    write_outputs(rows, args.out, f"Labour/quality curve, {args.tracker}, {data}", extra)
    return 0


if __name__ == "__main__":
    sys.exit(main())
