"""Selection ablation (paper Table 2: Fwd, Bwd, Sel, Sel-fail) with the baselines, in one run.

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
import json
import sys
from pathlib import Path

import numpy as np
import torch

from ablations.protocol import (
    add_protocol_arguments,
    baseline_boxes,
    fold_sources,
    num_folds,
    start_run,
    train_assessor,
)
from vasr.annotations.result_dir import AnnotationSet
from vasr.cli.tables import render_table
from vasr.evaluation import score_sequence, summarize_scores
from vasr.selection.annotate import select_tracks, selection_annotation
from vasr.selection.assess import assess_sequence
from vasr.selection.select import VARIANTS
from vasr.tracking.cache import TrackCache
from vasr.tracking.registry import build_batch_tracker

BASELINES = ("linear", "blend")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_protocol_arguments(parser)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--temporal", choices=["lstm", "fc"], default="lstm")
    parser.add_argument("--train-stride", type=int, default=2, help="frames between training windows")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threshold", type=float, default=0.0, help="failure threshold on the scores")
    parser.add_argument("--out", type=Path, default=Path("results/ablation-select"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not start_run(args):
        return 0
    scores: dict[str, list] = {v: [] for v in BASELINES + VARIANTS}
    flagged_iou, accepted_iou = [], []
    cache = TrackCache(args.cache)
    tracker = build_batch_tracker(args.tracker)
    bucket = cache.bucket_for(tracker, 30, True)
    for fold in range(num_folds(args)):
        model = train_assessor(
            args, fold, args.epochs, f"fold{fold}", args.train_stride, args.batch_size,
            temporal=args.temporal, threshold=args.threshold,
        )  # fmt: skip
        held_out = fold_sources(args, fold)[1][0].load()
        for sequence in held_out:
            tracks, _ = cache.get_or_track(sequence, tracker, bucket=bucket)
            keys = tracks.keyframes
            human_boxes = np.where(sequence.visible[:, None], sequence.boxes, np.nan)
            baselines = baseline_boxes(sequence, tracks)
            for name, boxes in baselines.items():
                scores[name].append(score_sequence(sequence, AnnotationSet(boxes, keyframes=keys)))
            f_score, b_score = assess_sequence(model.net, tracks, sequence.image_size)
            for variant in VARIANTS:
                selection = select_tracks(tracks, f_score, b_score, variant, args.threshold)
                frame_scores = score_sequence(sequence, selection_annotation(tracks, selection, human_boxes))
                scores[variant].append(frame_scores)
                if variant == "sel-fail":
                    sel = scores["sel"][-1]
                    judged = sequence.visible & ~frame_scores.is_keyframe
                    flagged_iou.append(sel.iou[judged & frame_scores.is_failure])
                    accepted_iou.append(sel.iou[judged & ~frame_scores.is_failure])
    rows = []
    for variant in BASELINES + VARIANTS:
        summary = summarize_scores(scores[variant])
        rows.append({"method": variant, **summary})
    flagged, accepted = np.concatenate(flagged_iou), np.concatenate(accepted_iou)
    report = {
        "table": rows,
        "flagged_frames": int(flagged.size),
        "flagged_mean_iou": float(flagged.mean()) if flagged.size else float("nan"),
        "accepted_mean_iou": float(accepted.mean()) if accepted.size else float("nan"),
        "settings": {k: str(v) for k, v in vars(args).items()},
        "torch": torch.__version__,
    }
    columns = ["method", "miou", "acc50", "acc70", "auc", "evaluated", "failure_rate", "labour_saved"]
    print(render_table(rows, columns))
    print(
        f"sel-fail flags {report['flagged_frames']} frames: mean IoU of the selected box "
        f"{report['flagged_mean_iou']:.3f} there vs {report['accepted_mean_iou']:.3f} on accepted frames"
    )
    (args.out / "table.json").write_text(json.dumps(report, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
