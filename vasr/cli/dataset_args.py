"""The flags commands share (the dataset, the keyframe schedule, the tracker), and turning them into
values: one spelling of each flag in every command, ablation and benchmark."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from vasr.data.default import default_root
from vasr.data.readers import DATASETS
from vasr.data.sources import DataSource
from vasr.tracking import registry
from vasr.tracking.nanotrack import WEIGHTS_ENV
from vasr.tracking.registry import DEFAULT_TRACKER, parse_tracker_options


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


def add_tracker_arguments(parser: argparse.ArgumentParser, help_text: str = "default: %(default)s") -> None:
    """``--tracker NAME`` and ``--tracker-option KEY=VALUE`` (repeatable, VALUE read as YAML), checked
    against the tracker's settings when the tracker is built (`vasr.tracking.registry`)."""
    group = parser.add_argument_group("tracker")
    group.add_argument(
        "--tracker",
        choices=["auto", *sorted([*registry.TRACKERS, *registry.SETS])],
        default="auto",
        help=f"{help_text}. auto: ensemble ({' + '.join(registry.SETS['ensemble'])}) when NanoTrack's "
        f"weights are found (--tracker-option weights=DIR or ${WEIGHTS_ENV}), else {DEFAULT_TRACKER}",
    )
    group.add_argument(
        "--tracker-option",
        dest="tracker_options",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="one setting of --tracker changed (repeatable; VALUE in YAML), e.g. --tracker-option "
        "memory_reach=0; an unknown KEY is an error that lists the known ones",
    )


def tracker_options(args: argparse.Namespace) -> dict[str, Any]:
    """The ``--tracker-option`` pairs of ``args`` as keyword arguments."""
    return parse_tracker_options(args.tracker_options)


def data_source(args: argparse.Namespace) -> DataSource:
    """The dataset flags as one value."""
    root = None if args.root is None else str(args.root)
    return DataSource(args.dataset, root, args.split, args.names, args.fold, args.folds)
