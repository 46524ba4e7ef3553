"""Refinement ablation (paper Table 3: w/o-, V-, VI-, VG-Refine) with the baselines, in one run.

Default (no arguments): the embedded synthetic data, trained on fold 0 and tested on fold 1. With ``--root``
(``--dataset`` names its layout): two-halves cross-validation on that data (categories cut in halves, as in
the paper): for each fold f, train T-Assess Net, a V model (MaskNet alone) and a VG model (MaskNet +
G-Module) on the synthetic data plus fold f, then annotate the other fold. T-Assess selects a direction per
frame and flags failures (Sel-fail), and the *same* selected boxes are refined by each variant (none: the
tracker box; v: the V model's mask; vi: the V model's mask times the hand-made Gaussian on the
distance-blended box; vg: the VG model). The baselines of the same run: linear interpolation between the
keyframes and the tracker's forward/backward blend weighted by distance to the keyframes. Tables pool the
frames of every held-out fold, so each frame is scored once by models that never saw its sequence.

Writes table.json/csv/md and bars.png under --out, and one offline W&B run per method (group
"ablation-refine"; ``wandb sync`` uploads).

    python ablations/refine.py                                   (default data, about 15 minutes)
    python ablations/refine.py --dataset otb --root ../shared/data/real
    python ablations/refine.py --dataset lasot --root /data/LaSOT --split train
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch

from datamodules.refine_windows import RefineDataModule
from datamodules.snippet_windows import SnippetDataModule
from lightning_modules.tassess import TAssessModule
from lightning_modules.vgrefine import VGRefineModule
from vasr.annotations.result_dir import AnnotationSet
from vasr.baselines.interpolation import interpolate_keyframes
from vasr.data.sources import DataSource
from vasr.evaluation import score_sequence, summarize_scores
from vasr.refinement.annotate import refine_sequence
from vasr.refinement.dataset import RefineSequence
from vasr.reports import log_wandb_runs, write_report
from vasr.selection.annotate import select_tracks
from vasr.selection.assess import assess_sequence
from vasr.tracking.cache import TrackCache
from vasr.tracking.registry import build_batch_tracker
from vasr.tracking.snippets import blend_by_distance

VARIANTS = ("none", "v", "vi", "vg")
NAMES = {"none": "w/o-Refine", "v": "V-Refine", "vi": "VI-Refine", "vg": "VG-Refine"}
BASELINES = {"linear": "linear interpolation", "blend": "fwd/bwd blend"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=None, help="data to cross-validate on (default: none)")
    parser.add_argument("--dataset", default="otb", help="layout of --root (otb, lasot, got10k, trackingnet)")
    parser.add_argument("--split", default=None, help="split of --root (LaSOT: train)")
    parser.add_argument(
        "--no-default-data",
        dest="default_data",
        action="store_false",
        help="with --root: train on its folds only, without the embedded synthetic data",
    )
    parser.add_argument("--tracker", default="dcf", help="tracker of the preliminary annotations")
    parser.add_argument(
        "--cache", default="cache/tracks", help="tracking-result cache (shared with vasr track)"
    )
    parser.add_argument("--folds", type=int, default=2)
    parser.add_argument("--tassess-epochs", type=int, default=6)
    parser.add_argument("--refine-epochs", type=int, default=4)
    parser.add_argument("--crop-size", type=int, default=64)
    parser.add_argument("--train-stride", type=int, default=5, help="frames between refinement windows")
    parser.add_argument(
        "--limit-batches",
        type=float,
        default=1.0,
        help="share (<= 1) or number of training batches per epoch",
    )
    parser.add_argument("--threshold", type=float, default=0.0, help="failure threshold on the scores")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1 on a shared CPU)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("results/ablation-refine"))
    parser.add_argument("--no-wandb", dest="wandb", action="store_false", help="no W&B runs")
    return parser.parse_args(argv)


def _trainer(args: argparse.Namespace, epochs: int, name: str) -> pl.Trainer:
    return pl.Trainer(
        max_epochs=epochs,
        limit_train_batches=int(args.limit_batches) if args.limit_batches > 1 else args.limit_batches,
        accelerator="auto",
        devices=1,
        limit_val_batches=0,  # the held-out fold is the test set: no model selection on it
        default_root_dir=str(args.out / name),
        logger=pl.loggers.CSVLogger(str(args.out), name=name),
        enable_checkpointing=False,
        deterministic=True,
    )


def _sources(args: argparse.Namespace, fold: int) -> tuple[list[DataSource], list[DataSource]]:
    """Training and held-out data of ``fold`` (see the module docstring)."""
    if args.root is None:
        return [DataSource(fold=0)], [DataSource(fold=1)]

    def part(f: int) -> DataSource:
        return DataSource(args.dataset, str(args.root), split=args.split, fold=f, folds=args.folds)

    extra = [DataSource()] if args.default_data else []
    return [*extra, part(fold)], [part((fold + 1) % args.folds)]


def train_assessor(args: argparse.Namespace, fold: int) -> TAssessModule:
    train, held_out = _sources(args, fold)
    data = SnippetDataModule(
        train=train, val=held_out, tracker=args.tracker, cache_dir=args.cache, train_stride=2, seed=args.seed
    )
    pl.seed_everything(args.seed + fold, workers=True)
    model = TAssessModule(threshold=args.threshold)
    _trainer(args, args.tassess_epochs, f"fold{fold}-tassess").fit(model, datamodule=data)
    return model


def train_refiner(args: argparse.Namespace, fold: int, variant: str) -> VGRefineModule:
    train, held_out = _sources(args, fold)
    data = RefineDataModule(
        train=train,
        val=held_out,
        tracker=args.tracker,
        cache_dir=args.cache,
        train_stride=args.train_stride,
        crop_size=args.crop_size,
        num_workers=1,
        seed=args.seed,
    )
    pl.seed_everything(args.seed + fold, workers=True)
    model = VGRefineModule(variant=variant, crop_size=args.crop_size)  # type: ignore[arg-type]
    _trainer(args, args.refine_epochs, f"fold{fold}-{variant}").fit(model, datamodule=data)
    return model


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.root is not None and not args.root.is_dir():
        print(f"{args.root} not found; nothing to do", file=sys.stderr)
        return 0
    folds = 1 if args.root is None else args.folds
    os.environ.setdefault("WANDB_MODE", "offline")
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    scores: dict[str, list] = {v: [] for v in (*BASELINES, *VARIANTS)}
    cache = TrackCache(args.cache)
    tracker = build_batch_tracker(args.tracker)
    bucket = cache.bucket_for(tracker, 30, True)
    seconds: dict[str, float] = {}
    for fold in range(folds):
        begin = time.perf_counter()
        assessor = train_assessor(args, fold)
        v_net = train_refiner(args, fold, "v").net
        vg_net = train_refiner(args, fold, "vg").net
        seconds[f"fold{fold}_training"] = time.perf_counter() - begin
        begin = time.perf_counter()
        for sequence in _sources(args, fold)[1][0].load():
            tracks, _ = cache.get_or_track(sequence, tracker, bucket=bucket)
            keys = np.asarray(tracks.keyframes, dtype=np.int64)
            baselines = {
                "linear": interpolate_keyframes(
                    len(sequence), keys, sequence.boxes[keys], sequence.visible[keys]
                ),
                "blend": blend_by_distance(tracks),
            }
            for name, boxes in baselines.items():
                scores[name].append(score_sequence(sequence, AnnotationSet(boxes, keyframes=keys)))
            f_score, b_score = assess_sequence(assessor.net, tracks, sequence.image_size)
            selection = select_tracks(tracks, f_score, b_score, "sel-fail", args.threshold)
            material = RefineSequence.from_tracks(sequence, tracks)
            use_backward = selection.direction == 1
            for variant in VARIANTS:
                net = vg_net if variant == "vg" else v_net
                net.variant = variant
                refined = refine_sequence(net, material)
                boxes = np.where(use_backward[:, None], refined["backward"], refined["forward"])
                boxes[selection.direction < 0] = np.nan
                boxes[keys] = selection.boxes[keys]  # keyframes are the human boxes
                annotation = AnnotationSet(
                    boxes=boxes, keyframes=keys.copy(), failures=np.flatnonzero(selection.failure)
                )
                scores[variant].append(score_sequence(sequence, annotation))
        seconds[f"fold{fold}_annotation"] = time.perf_counter() - begin
    rows = [{"method": BASELINES[b], **summarize_scores(scores[b])} for b in BASELINES]
    rows += [{"method": NAMES[v], **summarize_scores(scores[v])} for v in VARIANTS]
    data = "default data (fold 0 -> fold 1)" if args.root is None else f"{args.root} ({folds}-fold CV)"
    extra = {
        "seconds": seconds,
        "settings": {k: str(v) for k, v in vars(args).items()},
        "torch": torch.__version__,
    }
    write_report(rows, args.out, f"Refinement ablation, {args.tracker}, {data}", extra)
    if args.wandb:
        log_wandb_runs(rows, "ablation-refine", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
