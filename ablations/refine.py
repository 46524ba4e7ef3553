"""Refinement ablation (paper Table 3: w/o-, V-, VI-, VG-Refine) with the baselines, in one run.

Default (no arguments): the embedded synthetic data, trained on fold 0 and tested on fold 1. With ``--root``
(``--dataset`` names its layout): two-halves cross-validation on that data (categories cut in halves, as in
the paper): for each fold f, train T-Assess Net, a V model (MaskNet alone) and a VG model (MaskNet +
G-Module) on the synthetic data plus fold f, then annotate the other fold. T-Assess selects a direction per
frame and flags failures (Sel-fail), and the *same* selected boxes are refined by each variant (none: the
tracker box; v: the V model's mask; vi: the V model's mask times the hand-made Gaussian on the
distance-blended box; vg: the VG model). Before refining a held-out sequence, each model's MaskNet adapts
to that sequence's human keyframes (``vasr.refinement.adaptation``; ``--adapt-steps 0`` turns it off). Each
refined box replaces the selected one, as in the paper; one more row moves the selected box only halfway
to the VG model's (``refined_share`` 0.5, what ``vasr annotate`` does), and one shows the VG model without
adaptation. The baselines of the same run: linear interpolation
between the keyframes and the tracker's forward/backward blend weighted by distance to the keyframes.
Tables pool the frames of every held-out fold, so each frame is scored once by models that never saw its
sequence.

Writes table.json/csv/md and bars.png under --out, and one offline W&B run per method (group
"ablation-refine"; ``wandb sync`` uploads).

    python ablations/refine.py                                   (default data, about 15 minutes)
    python ablations/refine.py --dataset otb --root ../shared/data/real
    python ablations/refine.py --dataset lasot --root /data/LaSOT --split train
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

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
from vasr.evaluation import score_sequence, summarize_scores
from vasr.pipeline import Annotator
from vasr.reports import log_wandb_runs, write_report
from vasr.tracking.cache import TrackCache

VARIANTS = ("none", "v", "vi", "vg")
NAMES = {"none": "w/o-Refine", "v": "V-Refine", "vi": "VI-Refine", "vg": "VG-Refine"}
HALFWAY = "vg-halfway"  # the selected box moved halfway to the VG model's: vasr annotate's default
OFFLINE = "vg-offline"  # VG-Refine without keyframe adaptation: what the offline training alone gives
NAMES_MORE = {
    HALFWAY: "VG-Refine, halfway from the selected box (vasr annotate)",
    OFFLINE: "VG-Refine, no keyframe adaptation",
}
BASELINES = {"linear": "linear interpolation", "blend": "fwd/bwd blend"}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_protocol_arguments(parser)
    parser.add_argument("--tassess-epochs", type=int, default=6)
    parser.add_argument("--refine-epochs", type=int, default=4)
    parser.add_argument("--crop-size", type=int, default=64)
    parser.add_argument("--train-stride", type=int, default=5, help="frames between refinement windows")
    parser.add_argument("--threshold", type=float, default=0.0, help="failure threshold on the scores")
    add_adaptation_argument(parser)
    parser.add_argument("--out", type=Path, default=Path("results/ablation-refine"))
    parser.add_argument("--no-wandb", dest="wandb", action="store_false", help="no W&B runs")
    return parse_with_config(parser, argv, paper=True)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not start_run(args):
        return 0
    folds = num_folds(args)
    methods = (*VARIANTS, HALFWAY, OFFLINE) if args.adapt_steps > 0 else (*VARIANTS, HALFWAY)
    scores: dict[str, list] = {v: [] for v in (*BASELINES, *methods)}
    cache = TrackCache(args.cache)
    tracker = build_tracker(args)
    bucket = cache.bucket_for(tracker, 30, True)
    seconds: dict[str, float] = {}
    for fold in range(folds):
        begin = time.perf_counter()
        assessor = train_assessor(args, fold, args.tassess_epochs, threshold=args.threshold)
        v_net = train_refiner(args, fold, "v", args.refine_epochs, args.crop_size, args.train_stride)
        vg_net = train_refiner(args, fold, "vg", args.refine_epochs, args.crop_size, args.train_stride)
        annotator = Annotator(tracker, assessor, adaptation=adaptation(args), threshold=args.threshold)
        seconds[f"fold{fold}_training"] = time.perf_counter() - begin
        begin = time.perf_counter()
        for sequence in fold_sources(args, fold)[1][0].load():
            tracks, _ = cache.get_or_track(sequence, tracker, bucket=bucket)
            keys = np.asarray(tracks.keyframes, dtype=np.int64)
            for name, boxes in baseline_boxes(sequence, tracks).items():
                scores[name].append(score_sequence(sequence, AnnotationSet(boxes, keyframes=keys)))
            assessment = annotator.assess(sequence, tracks)
            tracks = assessment.tracks  # for a tracker set: the candidates kept
            selection = annotator.select(tracks, assessment)
            material = annotator.material(sequence, tracks)
            # one adapted copy per net and sequence (VI reuses the V model's MaskNet, as designed)
            v_adapted, vg_adapted = (annotator.adapt(material, net) for net in (v_net, vg_net))
            for method in methods:
                variant = "vg" if method in (OFFLINE, HALFWAY) else method
                net = vg_net if method == OFFLINE else vg_adapted if variant == "vg" else v_adapted
                net.variant = variant
                share = Annotator.refined_share if method == HALFWAY else 1.0  # 1: the paper's step
                boxes = annotator.refine(material, selection, net, share=share)
                annotation = annotator.assemble(sequence, tracks, selection, assessment, boxes)
                scores[method].append(score_sequence(sequence, annotation.annotation_set()))
        seconds[f"fold{fold}_annotation"] = time.perf_counter() - begin
    rows = [{"method": BASELINES[b], **summarize_scores(scores[b])} for b in BASELINES]
    names = {**NAMES, **NAMES_MORE}
    rows += [{"method": names[m], **summarize_scores(scores[m])} for m in methods]
    data = data_label(args)
    extra = {
        "seconds": seconds,
        **run_settings(args),
    }
    write_report(rows, args.out, f"Refinement ablation, {args.tracker}, {data}", extra)
    if args.wandb:
        log_wandb_runs(rows, "ablation-refine", args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
