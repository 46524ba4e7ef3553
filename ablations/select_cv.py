"""Selection ablation (paper Table 2) with cross-validation on real sequences.

Baselines measured in the same run on the same frames: linear interpolation between keyframes, and the
tracker's forward/backward blend weighted by the distance to the keyframes (TrackingNet's recipe).

For each fold f of the real sequences (every category cut in halves; the paper's protocol on LaSOT):
train T-Assess Net on the synthetic default data plus fold f, then annotate the other fold with
Fwd / Bwd / Sel / Sel-fail and score it. Tables pool the frames of both held-out folds, so every real
frame is scored exactly once by a model that never saw its sequence. Also printed: the mean IoU of the
frames Sel-fail flags for a human against the frames it accepts.

    python ablations/select_cv.py --real ../shared/data/real          (make ablation-select)
    python ablations/select_cv.py --real ../shared/data/real --temporal fc --out results/ablation-select-fc
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch

from datamodules.snippet_windows import SnippetDataModule
from lightning_modules.tassess import TAssessModule
from vasr.annotations.result_dir import AnnotationSet
from vasr.baselines.interpolation import interpolate_keyframes
from vasr.cli.tables import render_table
from vasr.data.sources import DataSource
from vasr.evaluation import score_sequence, summarize_scores
from vasr.selection.annotate import select_tracks, selection_annotation
from vasr.selection.assess import assess_sequence
from vasr.selection.select import VARIANTS
from vasr.tracking.cache import TrackCache
from vasr.tracking.registry import build_batch_tracker
from vasr.tracking.snippets import blend_by_distance

BASELINES = ("linear", "blend")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--real", type=Path, default=Path("../shared/data/real"), help="OTB-style root")
    parser.add_argument("--tracker", default="dcf", help="tracker of the preliminary annotations")
    parser.add_argument(
        "--cache", default="cache/tracks", help="tracking-result cache (shared with vasr track)"
    )
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--temporal", choices=["lstm", "fc"], default="lstm")
    parser.add_argument("--train-stride", type=int, default=2, help="frames between training windows")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--threshold", type=float, default=0.0, help="failure threshold on the scores")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/ablation-select"))
    return parser.parse_args(argv)


def train_fold(args: argparse.Namespace, fold: int) -> TAssessModule:
    real = str(args.real)
    data = SnippetDataModule(
        train=[DataSource(), DataSource("otb", real, fold=fold, folds=args.folds)],
        val=[DataSource("otb", real, fold=(fold + 1) % args.folds, folds=args.folds)],
        tracker=args.tracker,
        cache_dir=args.cache,
        train_stride=args.train_stride,
        batch_size=args.batch_size,
        seed=args.seed,
    )
    pl.seed_everything(args.seed + fold, workers=True)
    model = TAssessModule(temporal=args.temporal, threshold=args.threshold)
    trainer = pl.Trainer(
        max_epochs=args.epochs,
        accelerator="auto",
        devices=1,
        limit_val_batches=0,  # the held-out fold is the test set: no model selection on it
        default_root_dir=str(args.out / f"fold{fold}"),
        logger=pl.loggers.CSVLogger(str(args.out), name=f"fold{fold}"),
        enable_checkpointing=False,
        deterministic=True,
    )
    trainer.fit(model, datamodule=data)
    return model


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not (args.real / "MANIFEST.tsv").is_file() and not args.real.is_dir():
        print(f"real sequences not found at {args.real}; nothing to do", file=sys.stderr)
        return 0
    os.environ.setdefault("WANDB_MODE", "offline")
    args.out.mkdir(parents=True, exist_ok=True)
    scores: dict[str, list] = {v: [] for v in BASELINES + VARIANTS}
    flagged_iou, accepted_iou = [], []
    cache = TrackCache(args.cache)
    tracker = build_batch_tracker(args.tracker)
    bucket = cache.bucket_for(tracker, 30, True)
    for fold in range(args.folds):
        model = train_fold(args, fold)
        held_out = DataSource("otb", str(args.real), fold=(fold + 1) % args.folds, folds=args.folds).load()
        for sequence in held_out:
            tracks, _ = cache.get_or_track(sequence, tracker, bucket=bucket)
            keys = tracks.keyframes
            human_boxes = np.where(sequence.visible[:, None], sequence.boxes, np.nan)
            baselines = {
                "linear": interpolate_keyframes(
                    len(sequence), keys, sequence.boxes[keys], sequence.visible[keys]
                ),
                "blend": blend_by_distance(tracks),
            }
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
