"""Selection ablation (paper Table 2: Fwd, Bwd, Sel, Sel-fail) with the baselines, in one run.

Two questions, one table. Does the paper's method reproduce? Its rows run the paper's protocol on the paper's
kind of tracker (``--tracker``, default ``auto``: NanoTrack when its weights are there, else dcf; both track
each snippet from one end, as DiMP in the paper). What does vasr's own pipeline reach? The rows prefixed with
``--product`` (default ``auto``: the ``ensemble`` tracker set when NanoTrack's weights are there, else
``dcf-accurate``) run it as ``vasr annotate`` does, with two ceilings by the ground truth (no method): per
frame the best of its candidate tracks (what any selection among them could reach) and per snippet the best
one of them (what a choice that never switches inside a snippet could reach), between them an oracle that
picks each frame's candidate by the truth on the two frames beside it (what a choice that knows everything
but the frame's own human box could reach), and for a set each member alone.

Beyond the paper, "sel + fusion" and "sel-fail + fusion" keep the score- and distance-weighted mean of
both directions where they agree (`vasr.selection.select.Fusion`, what ``vasr annotate`` does by default).
Below the table: how many frames sel-fail flags and what their boxes are worth, and of the frames whose kept
box has lost the target (IoU < 0.3), the share a human is sent to (flagged, or among the sequence's
suggestions), and how many of the others lie in a doubtful run that a suggestion splits; and where vasr
annotate's rule falls short of its ceiling, by how far the best candidate beats the kept box on each accepted
frame (about as good, looser or shifted, far worse). ``--also ROOT`` annotates ROOT's sequences with fold 0's
nets and reports them per sequence (data used for nothing else, e.g. ``../shared/data/hard``).

Baselines measured in the same run on the same frames: linear interpolation between keyframes, and the
tracker's forward/backward blend weighted by the distance to the keyframes (TrackingNet's recipe).

Protocol (``ablations.protocol``): without arguments, the embedded synthetic data (train on fold 0, test on
fold 1); with ``--root``, two-halves cross-validation by category: train T-Assess Net on the synthetic data
plus fold f, annotate the other fold with Fwd / Bwd / Sel / Sel-fail and score it. Tables pool the frames of
every held-out fold, so each frame is scored once by a model that never saw its sequence. Also printed: the
mean IoU of the frames Sel-fail flags for a human against the frames it accepts.

    python ablations/select_cv.py --dataset otb --root ../shared/data/real    (make ablation-select DATA=real)
    python ablations/select_cv.py --root ../shared/data/real --temporal fc --out results/ablation-select-fc
    python ablations/select_cv.py --root ../shared/data/real --also ../shared/data/hard
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field, replace
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
from vasr.cli.dataset_args import tracker_options
from vasr.data.keyframes import enclosing_keyframes
from vasr.data.readers import load_dataset
from vasr.data.sequence import Sequence
from vasr.evaluation import FrameScores, score_sequence, summarize_scores
from vasr.geometry.boxes import box_iou
from vasr.pipeline import Annotator
from vasr.reports import log_wandb_runs, write_report
from vasr.selection.select import VARIANTS, Fusion
from vasr.selection.suggest import Suggestion
from vasr.tracking.cache import TrackCache
from vasr.tracking.registry import SETS, resolve_tracker
from vasr.tracking.snippets import SequenceTracks

BASELINES = ("linear", "blend")
FUSED = ("sel", "sel-fail")  # the variants also measured with fusion of agreeing directions
PRODUCT_RULES = ("sel-fail", "sel-fail + fusion")  # the product's rows (the second is vasr annotate's)
LOST_IOU = 0.3  # a kept box this far off has lost the target: a human should be sent there
SHORTFALL_BINS = (0.05, 0.2)  # how far the best candidate beats the kept box: about as good / looser / worse


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_protocol_arguments(parser)
    parser.add_argument(
        "--product",
        default="auto",
        help="tracker or set whose rows show vasr's own pipeline (auto: ensemble with NanoTrack's weights, "
        "else dcf-accurate; none: no such rows)",
    )
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
    parser.add_argument("--also", type=Path, default=None, help="report-only data (OTB layout)")
    parser.add_argument("--out", type=Path, default=Path("results/ablation-select"))
    parser.add_argument("--no-wandb", dest="wandb", action="store_false", help="no W&B runs")
    args = parse_with_config(parser, argv, paper=True)
    args.product = (
        None if args.product == "none" else resolve_tracker(args.product, False, tracker_options(args))
    )
    return args


@dataclass
class Lost:
    """Frames whose kept box lost the target, how many of them a human is sent to, and which were missed
    (per sequence, for the JSON). A missed frame may still lie in a doubtful run that a suggestion splits:
    boxing that suggestion re-tracks it from a nearer human box; those are counted apart (``near``), with
    their distance to that suggestion, and never as caught."""

    frames: int = 0
    caught: int = 0
    missed: dict[str, list[int]] = field(default_factory=dict)
    near: list[int] = field(default_factory=list)  # per such missed frame, frames to the suggestion

    def add(self, sequence: Sequence, annotation, suggestions: list[Suggestion]) -> None:  # noqa: ANN001
        judged = sequence.visible & ~annotation.keyframe_mask & ~annotation.outside
        iou = box_iou(annotation.boxes, sequence.boxes).numpy()
        lost = judged & (iou < LOST_IOU)
        sent = annotation.failure.copy()
        sent[[s.frame for s in suggestions]] = True
        self.frames += int(lost.sum())
        self.caught += int((lost & sent).sum())
        missed = np.flatnonzero(lost & ~sent).tolist()
        if missed:
            self.missed[sequence.name] = missed
        for frame in missed:
            gaps = [abs(s.frame - frame) for s in suggestions if s.run[0] <= frame <= s.run[1]]
            if gaps:
                self.near.append(min(gaps))

    def text(self, name: str) -> str:
        share = f"{100 * self.caught / self.frames:.1f}%" if self.frames else "n/a"
        text = (
            f"{name}: of the {self.frames} frames whose kept box has IoU < {LOST_IOU} with the ground truth, "
            f"{self.caught} ({share}) are flagged or among their sequence's suggestions"
        )
        left, near = self.frames - self.caught, len(self.near)
        if not left:
            return text + "."
        return text + (
            f"; of the other {left}, {near} {'lies' if near == 1 else 'lie'} in a doubtful run that a "
            "suggestion splits"
            + (f" ({np.median(self.near):g} frames from it at the median)." if self.near else ".")
        )


@dataclass
class Shortfall:
    """How far the kept boxes fall short of the ceiling (the best candidate per frame by the truth) on the
    accepted frames, split by how much the best candidate beats the kept box there (`SHORTFALL_BINS`): a lead
    spread thin over near-equal boxes asks for a finer choice among them; a lead held by few far-off boxes,
    for a better choice or flag there. Fusion's mean can beat every candidate: there the lead is below 0."""

    frames: int = 0
    lead: list[float] = field(default_factory=lambda: [0.0] * (len(SHORTFALL_BINS) + 1))
    counts: list[int] = field(default_factory=lambda: [0] * (len(SHORTFALL_BINS) + 1))

    def add(self, kept: FrameScores, ceiling: FrameScores) -> None:
        on = kept.evaluated
        lead = np.nan_to_num(ceiling.iou[on]) - np.nan_to_num(kept.iou[on])
        bins, size = np.digitize(lead, SHORTFALL_BINS), len(self.lead)
        self.frames += int(on.sum())
        self.lead = (np.asarray(self.lead) + np.bincount(bins, weights=lead, minlength=size)).tolist()
        self.counts = (np.asarray(self.counts) + np.bincount(bins, minlength=size)).tolist()

    def text(self, name: str) -> str:
        low, high = SHORTFALL_BINS
        share = [value / max(self.frames, 1) for value in self.lead]
        return (
            f"{name} against its ceiling on its {self.frames} accepted frames: the ceiling leads by "
            f"{sum(share):.3f} mIoU, {share[0]:.3f} of it on the {self.counts[0]} frames where the best "
            f"candidate beats the kept box by less than {low} IoU, {share[1]:.3f} on the {self.counts[1]} "
            f"where it does by {low} to {high}, {share[2]:.3f} on the {self.counts[2]} where it does by more."
        )


def candidate_boxes(tracks: SequenceTracks) -> np.ndarray:
    """``(C, N, 4)``: every member's forward and backward boxes (the two directions for one tracker)."""
    members = tracks.candidates or (tracks,)
    return np.stack([getattr(m, d).boxes for m in members for d in ("forward", "backward")])


def visible_iou(sequence: Sequence, boxes: np.ndarray) -> np.ndarray:
    """``(C, N)``: each candidate's IoU with the ground truth, 0 where it has no box or the target is not
    visible (what the oracles sum over frames)."""
    return np.nan_to_num(box_iou(boxes, sequence.boxes[None]).numpy(), nan=0.0) * sequence.visible


def best_of_candidates(sequence: Sequence, tracks: SequenceTracks) -> np.ndarray:
    """Per frame the candidate box with the highest IoU with the ground truth: no method, the ceiling of any
    selection."""
    boxes = candidate_boxes(tracks)
    iou = np.nan_to_num(box_iou(boxes, sequence.boxes[None]).numpy(), nan=-1.0)
    return boxes[iou.argmax(axis=0), np.arange(len(sequence))]


def best_candidate_per_snippet(sequence: Sequence, tracks: SequenceTracks) -> np.ndarray:
    """Per snippet the one candidate track with the highest mean IoU with the ground truth over the snippet's
    visible frames: the ceiling of a selection that picks a tracker and direction per snippet and keeps it.
    What the per-frame ceiling adds over it only a choice that switches inside snippets can reach."""
    boxes = candidate_boxes(tracks)
    iou = visible_iou(sequence, boxes)
    start, _ = enclosing_keyframes(tracks.keyframes, len(sequence))
    best = boxes[0].copy()
    for snippet in np.unique(start):
        frames = start == snippet
        best[frames] = boxes[iou[:, frames].sum(axis=1).argmax(), frames]
    return best


def best_candidate_by_neighbours(sequence: Sequence, tracks: SequenceTracks, reach: int = 1) -> np.ndarray:
    """Per frame the candidate box (among those with a box there) whose track has the highest summed IoU with
    the ground truth on the visible frames within ``reach`` of it, the frame itself left out: a choice that
    knows the target everywhere but in the frame's own annotation. The per-frame ceiling's lead over it is
    what only the frame's own human box can tell: its annotation's jitter, and candidates trading places for
    a single frame."""
    boxes = candidate_boxes(tracks)
    iou = visible_iou(sequence, boxes)
    padded = np.pad(iou, ((0, 0), (reach, reach)))
    n = len(sequence)
    around = sum(padded[:, reach + k : reach + k + n] for k in range(-reach, reach + 1) if k)
    around = np.where(np.isfinite(boxes).all(axis=2), around, -np.inf)
    return boxes[around.argmax(axis=0), np.arange(n)]


def product_rows(product: str) -> list[str]:
    """The table's rows of vasr's pipeline on ``product`` (a tracker, or a set with its members alone)."""
    return [
        *(f"{product}: {rule}" for rule in PRODUCT_RULES),
        *(f"{m}: sel-fail + fusion" for m in SETS.get(product, ())),
        f"{product}: best-of-candidates (ceiling)",
        f"{product}: best candidate by its neighbours' truth (oracle)",
        f"{product}: best candidate per snippet (ceiling)",
    ]


@dataclass
class Product:
    """vasr's own pipeline on ``--product``: its annotator, the members' own (for a set), their scores."""

    name: str
    annotator: Annotator
    members: dict[str, Annotator] = field(default_factory=dict)

    def score(
        self, sequence: Sequence, tracks: SequenceTracks, lost: Lost, shortfall: Shortfall | None = None
    ) -> dict[str, FrameScores]:
        """This sequence's scores per row; the lost boxes of vasr annotate's rule counted in ``lost``, its
        shortfall from the ceiling in ``shortfall``."""
        keys = tracks.keyframes
        ceiling = score_sequence(
            sequence, AnnotationSet(best_of_candidates(sequence, tracks), keyframes=keys)
        )
        out = {}
        assessment = self.annotator.assess(sequence, tracks)
        for rule in PRODUCT_RULES:
            fusion = Fusion() if rule.endswith(" + fusion") else None
            annotator = replace(self.annotator, fusion=fusion)
            kept = assessment.tracks
            selection = annotator.select(kept, assessment, "sel-fail")
            annotation = annotator.assemble(sequence, kept, selection, assessment)
            out[f"{self.name}: {rule}"] = score_sequence(sequence, annotation.annotation_set())
            if fusion is not None:
                lost.add(sequence, annotation, annotator.suggestions(annotation, kept))
                if shortfall is not None:
                    shortfall.add(out[f"{self.name}: {rule}"], ceiling)
        for k, (member, annotator) in enumerate(self.members.items()):
            own = tracks.candidates[k]
            assessed = annotator.assess(sequence, own)
            selection = annotator.select(own, assessed, "sel-fail")
            annotation = annotator.assemble(sequence, own, selection, assessed)
            out[f"{member}: sel-fail + fusion"] = score_sequence(sequence, annotation.annotation_set())
        out[f"{self.name}: best-of-candidates (ceiling)"] = ceiling
        out[f"{self.name}: best candidate by its neighbours' truth (oracle)"] = score_sequence(
            sequence, AnnotationSet(best_candidate_by_neighbours(sequence, tracks), keyframes=keys)
        )
        out[f"{self.name}: best candidate per snippet (ceiling)"] = score_sequence(
            sequence, AnnotationSet(best_candidate_per_snippet(sequence, tracks), keyframes=keys)
        )
        return out


def _product(args: argparse.Namespace, tracker, nets: dict[str, object]) -> Product:  # noqa: ANN001
    members = SETS.get(args.product, ())
    assessor = {m: nets[m] for m in members} if members else nets[args.product]
    annotator = Annotator(tracker, assessor, threshold=args.threshold, fusion=Fusion())  # type: ignore[arg-type]
    own = {m: Annotator(None, nets[m], threshold=args.threshold, fusion=Fusion()) for m in members}  # type: ignore[arg-type]
    return Product(args.product, annotator, own)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not start_run(args):
        return 0
    several = len(args.temporal) > 1
    variants = [*VARIANTS, *(f"{v} + fusion" for v in FUSED)]
    methods = {t: {v: f"{v} ({t})" if several else v for v in variants} for t in args.temporal}
    rows_of_product = [] if args.product is None else product_rows(args.product)
    scores: dict[str, list] = {
        m: [] for m in [*BASELINES, *(m for t in methods.values() for m in t.values()), *rows_of_product]
    }
    flagged_iou, accepted_iou = [], []
    lost_paper, lost_product, shortfall = Lost(), Lost(), Shortfall()
    cache = TrackCache(args.cache)
    tracker = build_tracker(args)
    product_tracker = None if args.product is None else build_tracker(args, args.product)
    bucket = cache.bucket_for(tracker, 30, True)
    also: list[tuple[Annotator, Product | None]] = []
    for fold in range(num_folds(args)):
        trained: dict[tuple[str, str], object] = {}

        def net(temporal: str, name: str, fold: int = fold, trained: dict = trained) -> object:
            if (temporal, name) not in trained:
                trained[(temporal, name)] = train_assessor(
                    args, fold, args.epochs, f"fold{fold}-{temporal}-{name}", args.train_stride,
                    args.batch_size, tracker=name, temporal=temporal, threshold=args.threshold,
                )  # fmt: skip
            return trained[(temporal, name)]

        annotators = {
            t: Annotator(tracker, net(t, args.tracker), threshold=args.threshold)  # type: ignore[arg-type]
            for t in args.temporal
        }
        product = None
        if args.product is not None:
            names = SETS.get(args.product, (args.product,))
            product = _product(args, product_tracker, {m: net("lstm", m) for m in names})
        if fold == 0:
            also.append((annotators[args.temporal[0]], product))
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
                        lost_paper.add(sequence, annotation, annotator.suggestions(annotation, tracks))
            if product is not None:
                candidates, _ = cache.get_or_track(sequence, product_tracker)
                for row, frame_scores in product.score(sequence, candidates, lost_product, shortfall).items():
                    scores[row].append(frame_scores)
    rows = [{"method": method, **summarize_scores(frames)} for method, frames in scores.items()]
    flagged, accepted = np.concatenate(flagged_iou), np.concatenate(accepted_iou)
    extra = {
        "flagged_frames": int(flagged.size),
        "flagged_mean_iou": float(flagged.mean()) if flagged.size else float("nan"),
        "accepted_mean_iou": float(accepted.mean()) if accepted.size else float("nan"),
        "lost_frames": {"paper": vars(lost_paper), "product": vars(lost_product)},
        "ceiling_shortfall": {"bins": list(SHORTFALL_BINS), **vars(shortfall)},
        **run_settings(args),
    }
    notes = [
        f"{args.tracker} sel-fail flags {extra['flagged_frames']} frames: mean IoU of the selected box "
        f"{extra['flagged_mean_iou']:.3f} there vs {extra['accepted_mean_iou']:.3f} on accepted frames.",
        lost_paper.text(f"{args.tracker} sel-fail"),
    ]
    if args.product is not None:
        notes.append(lost_product.text(f"{args.product} sel-fail + fusion"))
        notes.append(shortfall.text(f"{args.product} sel-fail + fusion"))
    if args.also is not None and args.also.is_dir():
        notes.append(report_also(args, also[0], cache, tracker, product_tracker))
    kind = "T-Assess's temporal layers (Table 4)" if several else "Selection ablation (Table 2)"
    title = (
        f"{kind}: the paper's protocol on {args.tracker} (one-ended tracks)"
        + (f", and vasr's pipeline on {args.product}" if args.product else "")
        + f"; {data_label(args)}"
    )
    write_report(rows, args.out, title, extra, notes)
    if args.wandb:
        log_wandb_runs(rows, "ablation-select", args.out)
    return 0


def report_also(args: argparse.Namespace, fold0, cache: TrackCache, tracker, product_tracker) -> str:  # noqa: ANN001
    """A Markdown table of ``--also``'s sequences, each annotated with fold 0's nets: mIoU / Acc@0.7 of the
    paper tracker's sel-fail and of every product row."""
    paper, product = fold0
    rows = []
    for sequence in load_dataset("otb", args.also):
        tracks, _ = cache.get_or_track(sequence, tracker)
        assessment = paper.assess(sequence, tracks)
        selection = paper.select(tracks, assessment, "sel-fail")
        found = {f"{args.tracker}: sel-fail": score_sequence(
            sequence, paper.assemble(sequence, tracks, selection, assessment).annotation_set())}  # fmt: skip
        if product is not None:
            candidates, _ = cache.get_or_track(sequence, product_tracker)
            found.update(product.score(sequence, candidates, Lost()))
        for method, frame_scores in found.items():
            rows.append({"sequence": sequence.name, "method": method, **summarize_scores([frame_scores])})
    lines = [
        f"Report only ({args.also}, annotated with fold 0's nets): mIoU / Acc@0.7 per sequence.",
        "",
        "| sequence | method | mIoU | Acc@0.7 | flagged |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {r['sequence']} | {r['method']} | {r['miou']:.3f} | {100 * r['acc70']:.1f}% | "
        f"{100 * r['failure_rate']:.1f}% |"
        for r in rows
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
