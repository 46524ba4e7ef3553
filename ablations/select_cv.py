"""Selection ablation (paper Table 2: Fwd, Bwd, Sel, Sel-fail) with the baselines, in one run.

Beyond the paper, "sel + fusion" and "sel-fail + fusion" keep the score- and distance-weighted mean of
both directions where they agree (`vasr.selection.select.Fusion`, what ``vasr annotate`` does by default).

Baselines measured in the same run on the same frames: linear interpolation between keyframes, and the
tracker's forward/backward blend weighted by the distance to the keyframes (TrackingNet's recipe).

Protocol (``ablations.protocol``): without arguments, the embedded synthetic data (train on fold 0, test on
fold 1); with ``--root``, two-halves cross-validation by category: train T-Assess Net on the synthetic data
plus fold f, annotate the other fold with Fwd / Bwd / Sel / Sel-fail and score it. Tables pool the frames of
every held-out fold, so each frame is scored once by a model that never saw its sequence. Also printed: the
mean IoU of the frames Sel-fail flags for a human against the frames it accepts.

    python ablations/select_cv.py --dataset otb --root ../shared/data/real    (make ablation-select DATA=real)
    python ablations/select_cv.py --root ../shared/data/real --temporal fc --out results/ablation-select-fc
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from ablations.protocol import (
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
)
from vasr.annotations.result_dir import AnnotationSet
from vasr.evaluation import score_sequence, summarize_scores
from vasr.pipeline import Annotator
from vasr.reports import log_wandb_runs, write_report
from vasr.selection.select import VARIANTS, Fusion
from vasr.tracking.cache import TrackCache

BASELINES = ("linear", "blend")
FUSED = ("sel", "sel-fail")  # the variants also measured with fusion of agreeing directions


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_protocol_arguments(parser)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument(
        "--temporal",
        nargs="+",
        choices=["lstm", "fc"],
        default=["lstm"],
        help="T-Assess's temporal model(s); several give the paper's Table 4 (rows per model)",
    )
    parser.add_argument("--train-stride", type=int, default=2, help="frames between training windows")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threshold", type=float, default=0.0, help="failure threshold on the scores")
    parser.add_argument("--out", type=Path, default=Path("results/ablation-select"))
    parser.add_argument("--no-wandb", dest="wandb", action="store_false", help="no W&B runs")
    return parse_with_config(parser, argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not start_run(args):
        return 0
    several = len(args.temporal) > 1
    variants = [*VARIANTS, *(f"{v} + fusion" for v in FUSED)]
    methods = {t: {v: f"{v} ({t})" if several else v for v in variants} for t in args.temporal}
    scores: dict[str, list] = {
        m: [] for m in [*BASELINES, *(m for t in methods.values() for m in t.values())]
    }
    flagged_iou, accepted_iou = [], []
    cache = TrackCache(args.cache)
    tracker = build_tracker(args)
    bucket = cache.bucket_for(tracker, 30, True)
    for fold in range(num_folds(args)):
        annotators = {
            t: Annotator(tracker, train_assessor(
                args, fold, args.epochs, f"fold{fold}-{t}", args.train_stride, args.batch_size,
                temporal=t, threshold=args.threshold,
            ), threshold=args.threshold)
            for t in args.temporal
        }  # fmt: skip
        for sequence in fold_sources(args, fold)[1][0].load():
            tracks, _ = cache.get_or_track(sequence, tracker, bucket=bucket)
            keys = tracks.keyframes
            for name, boxes in baseline_boxes(sequence, tracks).items():
                scores[name].append(score_sequence(sequence, AnnotationSet(boxes, keyframes=keys)))
            for temporal, annotator in annotators.items():
                assessment = annotator.assess(sequence, tracks)
                for variant in variants:
                    fusion = Fusion() if variant.endswith(" + fusion") else None
                    rule = variant.removesuffix(" + fusion")
                    selection = replace(annotator, fusion=fusion).select(tracks, assessment, rule)
                    annotation = annotator.assemble(sequence, tracks, selection, assessment)
                    frame_scores = score_sequence(sequence, annotation.annotation_set())
                    scores[methods[temporal][variant]].append(frame_scores)
                    if variant == "sel-fail" and temporal == args.temporal[0]:
                        sel = scores[methods[temporal]["sel"]][-1]
                        judged = sequence.visible & ~frame_scores.is_keyframe
                        flagged_iou.append(sel.iou[judged & frame_scores.is_failure])
                        accepted_iou.append(sel.iou[judged & ~frame_scores.is_failure])
    rows = [{"method": method, **summarize_scores(frames)} for method, frames in scores.items()]
    flagged, accepted = np.concatenate(flagged_iou), np.concatenate(accepted_iou)
    extra = {
        "flagged_frames": int(flagged.size),
        "flagged_mean_iou": float(flagged.mean()) if flagged.size else float("nan"),
        "accepted_mean_iou": float(accepted.mean()) if accepted.size else float("nan"),
        **run_settings(args),
    }
    write_report(rows, args.out, f"Selection ablation, {args.tracker}, {data_label(args)}", extra)
    print(
        f"sel-fail flags {extra['flagged_frames']} frames: mean IoU of the selected box "
        f"{extra['flagged_mean_iou']:.3f} there vs {extra['accepted_mean_iou']:.3f} on accepted frames"
    )
    if args.wandb:
        log_wandb_runs(rows, "ablation-select", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
