"""``vasr evaluate``: compare annotation sets against ground truth with the paper's metrics."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tqdm import tqdm

from vasr.atomic import atomic_write_text, writable_folder
from vasr.cli.commands import SUMMARIES
from vasr.cli.dataset_args import add_dataset_arguments, add_keyframe_arguments, data_source
from vasr.errors import VasrError
from vasr.evaluation import score_annotation_dir, summarize_scores
from vasr.tables import render_table, write_csv

COLUMNS = ["method", "miou", "acc50", "acc70", "auc", "evaluated", "failure_rate", "labour_saved"]


def parse_prediction(spec: str) -> tuple[str, Path]:
    """``label=dir`` or just ``dir`` (labelled by the folder's name)."""
    label, sep, path = spec.partition("=")
    return (label, Path(path)) if sep else (Path(spec).name, Path(spec))


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate",
        help=SUMMARIES["evaluate"],
        description="Score one or more annotation sets against the dataset's ground truth. Frames count when "
        "the target is visible and the frame is neither a keyframe nor a failure frame; metrics pool "
        "those frames over all sequences (as in the paper). Acc@t counts IoU > t (strict). Keyframes are "
        "read from <seq>.keyframes.txt when present, else taken every --interval frames.",
    )
    add_dataset_arguments(parser)
    add_keyframe_arguments(parser)
    parser.add_argument(
        "--pred",
        nargs="+",
        required=True,
        metavar="[LABEL=]DIR",
        help="annotation directories to score, one table row each",
    )
    parser.add_argument("--per-sequence", action="store_true", help="also print one row per sequence")
    parser.add_argument("--csv", type=Path, default=None, help="write the table as CSV")
    parser.add_argument("--markdown", type=Path, default=None, help="write the table as Markdown")
    parser.add_argument(
        "--json", type=Path, default=None, help="write every figure, per sequence too, as JSON"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    for option, path in (("--csv", args.csv), ("--markdown", args.markdown), ("--json", args.json)):
        if path is not None:
            if path.is_dir():
                raise VasrError(f"{option} {path} is a folder, not a file")
            writable_folder(path.parent, f"the folder of {option}")
    sequences = data_source(args).load()
    rows, details = [], {}
    for label, directory in (parse_prediction(spec) for spec in args.pred):
        scores = score_annotation_dir(
            tqdm(sequences, desc=f"scoring {label}", unit="seq", leave=False),
            directory,
            interval=args.interval,
            include_last=args.include_last,
        )
        rows.append({"method": label, **summarize_scores(scores)})
        per_sequence = [{"method": s.name, **s.summary()} for s in scores]
        details[label] = {"overall": rows[-1], "sequences": per_sequence}
        if args.per_sequence:
            print(f"\n{label}, per sequence:\n{render_table(per_sequence, COLUMNS)}")
    frames = int(rows[0]["frames"]) if rows else 0
    print(f"\n{len(sequences)} sequences, {frames} frames\n{render_table(rows, COLUMNS)}")
    if args.csv:
        write_csv(args.csv, rows, COLUMNS)
    if args.markdown:
        atomic_write_text(args.markdown, render_table(rows, COLUMNS, markdown=True) + "\n")
    if args.json:
        atomic_write_text(args.json, json.dumps(details, indent=2))
    return 0
