"""``vasr annotate``: a video (or frame folder, or a whole dataset) + sparse keyframe boxes -> dense boxes, a
quality score per frame, the frames a human must still check, and files annotation tools import. The run
itself is `vasr.run`; this is its command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from vasr.annotations.exports import EXPORTERS
from vasr.cli.commands import SUMMARIES
from vasr.cli.dataset_args import (
    add_dataset_arguments,
    add_keyframe_arguments,
    add_tracker_arguments,
    data_source,
    tracker_options,
)
from vasr.run import (
    DEFAULT_FORMATS,
    DEFAULT_REFINER,
    DEFAULT_TASSESS,
    TRAINED_TASSESS,
    RunConfig,
    annotate_run,
    summary_text,
)
from vasr.selection.select import FLAG_REASONS

DESCRIPTION = (
    "Annotate every frame of a video, a frame folder or a dataset from a few human keyframe boxes: a tracker "
    "runs forward and backward between keyframes, T-Assess Net scores every box, the better direction is "
    "kept, and frames where both directions score below --threshold (or, with several trackers, where they "
    "disagree) are flagged for a human. Writes the "
    "boxes in the formats of --formats under OUT/<format>/, a quality plot and a contact sheet of the "
    "flagged and weakest frames under OUT/review/, and OUT/summary.json. Each sequence's JSON records what "
    "made it (frames, keyframes, checkpoints, tracker, settings): a rerun into the same --out reuses a "
    "sequence made the same way, annotates again one whose record changed and says which part did, and "
    "removes the files of the earlier result; an interrupted run resumes. --overwrite redoes every sequence."
)
EPILOG = (
    "Keyframe file (--keyframes): one line per keyframe, 'frame, x, y, w, h' with a 0-based frame index and "
    "a 0-based pixel box (top-left corner, width, height), or 'frame, absent'; '#' starts a comment; the "
    "file's frames are the keyframes (--interval applies to datasets only). Corrections (--corrections): a "
    "keyframe file, vasr's JSON after editing, or CVAT for video 1.1 XML exported after review; every "
    "corrected frame becomes a keyframe, only the snippets it touches are tracked again, and "
    "OUT/corrections/<sequence>.txt keeps every correction of every round. Without 'make train', the "
    "T-Assess Net shipped in the package is used. Why a frame is flagged (the summary, the JSON's "
    "failure_reasons, suggest.txt, the review page): "
    + "; ".join(f"'{reason}': {why}" for reason, why in FLAG_REASONS.items())
    + "."
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "annotate",
        help=SUMMARIES["annotate"],
        description=DESCRIPTION,
        epilog=EPILOG,
    )
    source = parser.add_argument_group("input (one of --video, --frames, or the dataset flags)")
    source.add_argument("--video", type=Path, help="a video file (anything OpenCV decodes)")
    source.add_argument("--frames", type=Path, help="a folder of numbered frame images")
    source.add_argument("--keyframes", type=Path, help="the keyframe file of --video / --frames")
    source.add_argument("--name", help="sequence name of --video / --frames (default: the file name)")
    source.add_argument(
        "--corrections", type=Path, nargs="+", default=[],
        help="the human's answers to an earlier run into the same --out: files (.txt keyframe file, edited "
        ".json, CVAT .xml) or folders of <sequence>.txt/.json/.xml; a file applies to the run's only "
        "sequence or to the sequence of its name",
    )  # fmt: skip
    add_dataset_arguments(parser)
    add_keyframe_arguments(parser)
    add_tracker_arguments(parser, "default: %(default)s; dcf is the fast one-ended preset (docs/trackers.md)")
    models = parser.add_argument_group("models")
    models.add_argument(
        "--tassess", action="append", default=[], metavar="[TRACKER=]PATH",
        help=f"T-Assess checkpoint of the tracker, or of one member of a set (repeatable; default: "
        f"{DEFAULT_TASSESS} or {TRAINED_TASSESS['nanotrack']} when 'make train' wrote it, else the one "
        "shipped in the package for that tracker's tracks)",
    )  # fmt: skip
    models.add_argument(
        "--refiner", type=Path, default=DEFAULT_REFINER,
        help="VG-Refine checkpoint (default: %(default)s when it exists, written by 'make train'; without it "
        "the kept boxes are not refined)",
    )  # fmt: skip
    models.add_argument(
        "--no-refiner", dest="refiner", action="store_const", const=None, help="do not refine the kept boxes"
    )
    models.add_argument(
        "--adapt-steps", type=int, default=None,
        help="keyframe adaptation of the refiner per sequence: optimiser steps on the sequence's own "
        "keyframes (default: the checkpoint's, 150; 0: refine with the trained net as it is)",
    )  # fmt: skip
    models.add_argument(
        "--adapt-batch-size", type=int, default=None,
        help="jittered keyframe crops per adaptation step (default: the checkpoint's, 32)",
    )  # fmt: skip
    models.add_argument(
        "--refined-share", type=float, default=RunConfig.refined_share,
        help="how far each kept box moves towards its refined box, from 0 (not at all) to 1 (replaced, as "
        "in the paper); default %(default)s: halfway (docs/results.md, 'VG-Refine')",
    )  # fmt: skip
    models.add_argument(
        "--threshold", type=float, default=0.0,
        help="flag a frame when both directions score below this (default: %(default)s, IoU about 0.5)",
    )  # fmt: skip
    models.add_argument(
        "--no-fusion", dest="fusion", action="store_false",
        help="keep the better-scored direction everywhere (the paper's selection); by default, where the "
        "forward and backward boxes agree (IoU >= 0.5) their score- and distance-weighted mean is kept",
    )  # fmt: skip
    models.add_argument("--device", default="cpu", help="torch device of the nets (default: %(default)s)")
    output = parser.add_argument_group("output")
    output.add_argument(
        "--suggest", type=int, default=10, metavar="N",
        help="rank the N frames per sequence where a human box is worth most (low score, forward/backward "
        "disagreement, long doubtful runs; one per run first) in OUT/suggest.txt, the JSON, the CVAT file "
        "and the review sheet (default: %(default)s; 0: none)",
    )  # fmt: skip
    output.add_argument("--out", type=Path, default=RunConfig.out, help="default: %(default)s")
    output.add_argument(
        "--formats", nargs="+", choices=sorted(EXPORTERS), default=list(DEFAULT_FORMATS),
        help="annotation formats to write (default: %(default)s)",
    )  # fmt: skip
    output.add_argument("--cache", type=Path, default=RunConfig.cache, help="track cache of dataset runs")
    output.add_argument("--no-review", dest="review", action="store_false", help="skip plots and sheets")
    output.add_argument("--overlay", action="store_true", help="also write an overlay video per sequence")
    output.add_argument("--overwrite", action="store_true", help="redo sequences already annotated")
    parser.set_defaults(run=run)


def run_config(args: argparse.Namespace) -> RunConfig:
    """The command line as a `RunConfig`."""
    plain = ("video", "frames", "keyframes", "name", "interval", "include_last", "corrections")
    plain += ("refiner", "adapt_steps", "adapt_batch_size", "refined_share", "tracker", "threshold")
    plain += ("fusion", "device", "suggest", "formats", "cache", "review", "overlay", "overwrite", "out")
    values = {key: getattr(args, key) for key in plain}
    tassess = dict(_named_path(value) for value in args.tassess)
    return RunConfig(
        source=data_source(args), tracker_options=tracker_options(args), tassess=tassess, **values
    )


def _named_path(value: str) -> tuple[str, Path]:
    """``TRACKER=PATH`` -> (TRACKER, PATH); a bare PATH -> ("", PATH): the net of the run's one tracker."""
    name, sep, path = value.partition("=")
    return (name, Path(path)) if sep and name and "/" not in name else ("", Path(value))


def run(args: argparse.Namespace) -> int:
    config = run_config(args)
    summary = annotate_run(config, done=lambda: setattr(args, "done", args.done + 1))
    print(summary_text(summary, config.out))
    return 0
