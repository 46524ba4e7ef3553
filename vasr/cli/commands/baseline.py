"""``vasr baseline``: annotate a dataset with a non-learned annotator and write an annotation set."""

from __future__ import annotations

import argparse
from pathlib import Path

from tqdm import tqdm

from vasr.annotations.result_dir import AnnotationSet, write_annotation_set
from vasr.atomic import writable_folder
from vasr.baselines.interpolation import LinearInterpolationAnnotator
from vasr.cli.commands import SUMMARIES
from vasr.cli.dataset_args import add_dataset_arguments, add_keyframe_arguments, data_source
from vasr.data.keyframes import keyframe_indices

METHODS = {"linear": LinearInterpolationAnnotator}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "baseline",
        help=SUMMARIES["baseline"],
        description="Annotate every frame from the ground truth of the keyframes only (the boxes a human "
        "would draw) with a non-learned method, and write one annotation file per sequence "
        "(see vasr.annotations.result_dir). 'linear' interpolates x, y, w, h between keyframes, as "
        "LabelMe, VIPER and CVAT do.",
    )
    add_dataset_arguments(parser)
    add_keyframe_arguments(parser)
    parser.add_argument("--method", choices=sorted(METHODS), default="linear", help="default: %(default)s")
    parser.add_argument("--out", type=Path, required=True, help="directory for the annotation files")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    writable_folder(args.out, "--out")
    sequences = data_source(args).load()
    annotator = METHODS[args.method]()
    for sequence in tqdm(sequences, desc=f"{args.method} annotation", unit="seq"):
        boxes = annotator.annotate(sequence, interval=args.interval, include_last=args.include_last)
        keyframes = keyframe_indices(len(sequence), interval=args.interval, include_last=args.include_last)
        write_annotation_set(args.out, sequence.name, AnnotationSet(boxes=boxes, keyframes=keyframes))
        args.done += 1
    print(f"wrote {len(sequences)} annotation files to {args.out}")
    return 0
