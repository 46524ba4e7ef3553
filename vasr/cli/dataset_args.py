"""The flags every command that reads a dataset shares, and turning them into sequences."""

from __future__ import annotations

import argparse
from pathlib import Path

from vasr.data.default import default_root, ensure_default_dataset
from vasr.data.folds import category_fold
from vasr.data.readers import DATASETS, load_dataset
from vasr.data.sequence import Sequence


def add_dataset_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("dataset")
    group.add_argument(
        "--dataset",
        choices=sorted(DATASETS),
        default="lasot",
        help="layout of --root (default: %(default)s; the embedded synthetic data uses LaSOT's layout)",
    )
    group.add_argument(
        "--root",
        type=Path,
        default=None,
        help="dataset root as it lies on disk; omitted: the embedded default dataset "
        f"($VASR_DATA or {default_root()}), generated on first use",
    )
    group.add_argument(
        "--split", default=None, help="dataset split (LaSOT: train/test; GOT-10k: train/val/test)"
    )
    group.add_argument("--names", nargs="+", default=None, metavar="SEQ", help="only these sequences")
    group.add_argument(
        "--fold",
        type=int,
        default=None,
        help="only fold FOLD of --folds (every category cut in consecutive parts, as the training configs "
        "and ablations split data; 1 of 2 is the held-out half of the default configs)",
    )
    group.add_argument(
        "--folds", type=int, default=2, help="number of folds of --fold (default: %(default)s)"
    )


def add_keyframe_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("keyframes (the frames a human boxes)")
    group.add_argument(
        "--interval", type=int, default=30, help="a keyframe every INTERVAL frames (default: %(default)s)"
    )
    group.add_argument(
        "--no-last",
        dest="include_last",
        action="store_false",
        help="do not make the last frame a keyframe (by default it is one, so every frame lies between two)",
    )


def load_sequences(args: argparse.Namespace) -> list[Sequence]:
    """Sequences selected by the dataset flags; the default dataset when no root is given."""
    root = args.root
    if root is None:
        if args.dataset != "lasot":
            raise SystemExit(f"--dataset {args.dataset} needs --root")
        root = ensure_default_dataset()
    options = {}
    if args.split is not None:
        options["split"] = args.split
    if args.names is not None:
        options["names"] = args.names
    sequences = load_dataset(args.dataset, root, **options)
    if getattr(args, "fold", None) is not None:
        keep = set(category_fold([s.name for s in sequences], args.fold, args.folds))
        sequences = [s for s in sequences if s.name in keep]
    if not sequences:
        raise SystemExit(f"no sequence found under {root} for the given filters")
    return sequences
