"""``vasr annotate``: a video (or frame folder, or a whole dataset) + sparse keyframe boxes -> dense boxes, a
quality score per frame, the frames a human must still check, and files annotation tools import."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
from tqdm import tqdm

from vasr.annotations.dense import DenseAnnotation
from vasr.annotations.exports import EXPORTERS, export
from vasr.atomic import atomic_write_text
from vasr.checkpoints import load_assessor, load_refiner
from vasr.cli.dataset_args import add_dataset_arguments, add_keyframe_arguments, load_sequences
from vasr.data.readers.video import load_image_folder, load_video
from vasr.data.sequence import Sequence
from vasr.errors import VasrError
from vasr.pipeline import Annotator, keyframes_of
from vasr.refinement.adaptation import KeyframeAdaptation
from vasr.tables import render_table
from vasr.tracking.cache import TrackCache
from vasr.tracking.registry import TRACKERS, build_batch_tracker

DEFAULT_TASSESS = Path("checkpoints/tassess.ckpt")
DEFAULT_REFINER = Path("checkpoints/vgrefine.ckpt")
DEFAULT_FORMATS = ("json", "vasr", "lasot", "cvat")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "annotate",
        help="dense boxes from sparse keyframe boxes: track, assess, select, flag failures (and refine)",
        description="Annotate every frame of a video, a frame folder or a dataset from a few human keyframe "
        "boxes: a tracker runs forward and backward between keyframes, T-Assess Net scores every box, the "
        "better direction is kept, and frames where both directions score below --threshold are flagged "
        "for a human. Writes the boxes in the formats of --formats under OUT/<format>/, a quality plot and "
        "a contact sheet of the flagged and weakest frames under OUT/review/, and OUT/summary.json. "
        "Sequences whose JSON already exists are skipped (an interrupted run resumes); --overwrite redoes "
        "them.",
        epilog="Keyframe file (--keyframes): one line per keyframe, 'frame, x, y, w, h' with a 0-based "
        "frame index and a 0-based pixel box (top-left corner, width, height), or 'frame, absent'; "
        "'#' starts a comment; the file's frames are the keyframes (--interval applies to datasets only). "
        "Train the default checkpoint with 'make train'.",
    )
    source = parser.add_argument_group("input (one of --video, --frames, or the dataset flags)")
    source.add_argument("--video", type=Path, help="a video file (anything OpenCV decodes)")
    source.add_argument("--frames", type=Path, help="a folder of numbered frame images")
    source.add_argument("--keyframes", type=Path, help="the keyframe file of --video / --frames")
    source.add_argument("--name", help="sequence name of --video / --frames (default: the file name)")
    add_dataset_arguments(parser)
    add_keyframe_arguments(parser)
    models = parser.add_argument_group("models")
    models.add_argument(
        "--tassess",
        type=Path,
        default=DEFAULT_TASSESS,
        help="T-Assess checkpoint (default: %(default)s, written by 'make train')",
    )
    models.add_argument(
        "--refiner",
        type=Path,
        default=DEFAULT_REFINER,
        help="VG-Refine checkpoint (default: %(default)s when it exists, written by 'make train'; "
        "without it the kept boxes are not refined)",
    )
    models.add_argument(
        "--no-refiner", dest="refiner", action="store_const", const=None, help="do not refine the kept boxes"
    )
    models.add_argument(
        "--adapt-steps",
        type=int,
        default=None,
        help="keyframe adaptation of the refiner per sequence: optimiser steps on the sequence's own "
        "keyframes (default: the checkpoint's, 150; 0: refine with the trained net as it is)",
    )
    models.add_argument("--tracker", choices=sorted(TRACKERS), default="dcf", help="default: %(default)s")
    models.add_argument(
        "--threshold",
        type=float,
        default=0.0,
        help="flag a frame when both directions score below this (default: %(default)s, IoU about 0.5)",
    )
    models.add_argument("--device", default="cpu", help="torch device of the nets (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("results/annotate"), help="default: %(default)s")
    parser.add_argument(
        "--formats",
        nargs="+",
        choices=sorted(EXPORTERS),
        default=list(DEFAULT_FORMATS),
        help="annotation formats to write (default: %(default)s)",
    )
    parser.add_argument(
        "--cache", type=Path, default=Path("cache/tracks"), help="track cache of dataset runs"
    )
    parser.add_argument("--no-review", dest="review", action="store_false", help="skip plots and sheets")
    parser.add_argument("--overlay", action="store_true", help="also write an overlay video per sequence")
    parser.add_argument("--overwrite", action="store_true", help="redo sequences already annotated")
    parser.set_defaults(run=run)


def input_sequences(args: argparse.Namespace) -> list[Sequence]:
    if (args.video or args.frames) and args.keyframes is None:
        raise VasrError("--video / --frames need --keyframes (one 'frame, x, y, w, h' line per keyframe)")
    if args.video and args.frames:
        raise VasrError("give either --video or --frames, not both")
    if args.video:
        return [load_video(args.video, args.keyframes, args.name)]
    if args.frames:
        return [load_image_folder(args.frames, args.keyframes, args.name)]
    return load_sequences(args)


def review(ann: DenseAnnotation, sequence: Sequence, out: Path, overlay: bool) -> None:
    from vasr.annotations.visualize import contact_sheet, overlay_video, quality_plot

    folder = out / "review"
    quality_plot(ann, folder / f"{ann.name}.quality.png")
    contact_sheet(ann, sequence.frame, folder / f"{ann.name}.review.png")
    if overlay:
        overlay_video(ann, sequence.frame, len(sequence), folder / f"{ann.name}.overlay.mp4")


def summary_row(ann: DenseAnnotation) -> dict[str, object]:
    quality = ann.quality[np.isfinite(ann.quality)]
    return {
        "sequence": ann.name,
        "frames": len(ann),
        "keyframes": len(ann.keyframes),
        "flagged": len(ann.review_frames),
        "labour_saved": ann.labour_saved,
        "mean_quality": float(quality.mean()) if len(quality) else float("nan"),
    }


def _row_from_json(path: Path) -> dict[str, object]:
    data = json.loads(path.read_text(encoding="utf-8"))
    quality = [q for q in data.get("quality", []) if q is not None]
    return {
        "sequence": data["name"],
        "frames": len(data["boxes"]),
        "keyframes": len(data["keyframes"]),
        "flagged": len(data["failure_frames"]),
        "labour_saved": data["labour_saved"],
        "mean_quality": float(np.mean(quality)) if quality else float("nan"),
    }


def run(args: argparse.Namespace) -> int:
    if args.adapt_steps is not None and args.adapt_steps < 0:
        raise VasrError(f"--adapt-steps must be 0 or more, got {args.adapt_steps}")
    sequences = input_sequences(args)
    formats = list(dict.fromkeys(["json", *args.formats]))  # the JSON marks a finished sequence
    assessor = load_assessor(args.tassess, args.device)
    if args.refiner == DEFAULT_REFINER and not DEFAULT_REFINER.is_file():
        print(f"no refiner: {DEFAULT_REFINER} not found ('make train-vgrefine' writes it)", file=sys.stderr)
        args.refiner = None
    refiner = load_refiner(args.refiner, args.device) if args.refiner else None
    adaptation = refiner.adaptation if refiner is not None else KeyframeAdaptation(steps=0)
    if args.adapt_steps is not None:
        adaptation = dataclasses.replace(adaptation, steps=args.adapt_steps)
    tracker = build_batch_tracker(args.tracker)
    annotator = Annotator(
        tracker, assessor, refiner.net if refiner else None, adaptation, threshold=args.threshold
    )
    cache = TrackCache(args.cache)
    rows = []
    for sequence in tqdm(sequences, desc="annotating", unit="seq"):
        done = args.out / "json" / f"{sequence.name}.json"
        if done.is_file() and not args.overwrite:
            rows.append(_row_from_json(done))
            continue
        if "keyframes" in (sequence.metadata or {}):  # a video's own keyframes: no shared cache entry
            tracks = annotator.track(sequence, keyframes_of(sequence), progress=True)
        else:
            tracks, _ = cache.get_or_track(sequence, tracker, args.interval, args.include_last, progress=True)
        ann = annotator.annotate(sequence, tracks)
        if args.review:
            review(ann, sequence, args.out, args.overlay)
        export(ann, args.out, [f for f in formats if f != "json"] + ["json"])  # JSON last
        rows.append(summary_row(ann))
    frames = sum(int(r["frames"]) for r in rows)
    checked = sum(int(r["keyframes"]) + int(r["flagged"]) for r in rows)
    total = {"sequences": len(rows), "frames": frames, "human_frames": checked}
    total["labour_saved"] = 1.0 - checked / frames if frames else float("nan")
    settings = {
        "tracker": args.tracker,
        "threshold": args.threshold,
        "interval": args.interval,
        "tassess": str(args.tassess),
        "refiner": str(args.refiner) if args.refiner else None,
        "adapt_steps": adaptation.steps if refiner is not None else None,
    }
    summary = {"total": total, "settings": settings, "sequences": rows}
    atomic_write_text(args.out / "summary.json", json.dumps(summary, indent=2))
    print(render_table(rows, ["sequence", "frames", "keyframes", "flagged", "labour_saved", "mean_quality"]))
    print(
        f"{frames} frames, {checked} for a human (keyframes + flagged): labour saved "
        f"{total['labour_saved']:.1%}; review list in {args.out / 'json'}/<sequence>.json"
    )
    return 0
