"""``vasr synth``: write the embedded default dataset (or a variant of it) in LaSOT's layout."""

from __future__ import annotations

import argparse
from pathlib import Path

from vasr.atomic import writable_folder
from vasr.cli.commands import SUMMARIES
from vasr.cli.dataclass_args import add_dataclass_arguments, dataclass_from_args
from vasr.data.default import default_root
from vasr.data.synth import SynthConfig, generate_dataset


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "synth",
        help=SUMMARIES["synth"],
        description="Generate a deterministic synthetic tracking dataset in LaSOT's exact on-disk layout: "
        "real photos and textures, non-linear motion, scale change, occlusion, distractors, out-of-view, "
        "blur, illumination change and camera shake. Same flags, same bytes. An existing dataset with the "
        "same configuration is completed, not rewritten.",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help=f"output root (default: $VASR_DATA or {default_root()})"
    )
    add_dataclass_arguments(parser, SynthConfig, title="generation")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = writable_folder(args.out if args.out is not None else default_root(), "--out")
    try:
        config = dataclass_from_args(SynthConfig, args)
    except ValueError as error:
        raise SystemExit(f"vasr synth: {error}") from None
    directories = generate_dataset(root, config, progress=True)
    print(f"{len(directories)} sequences in {root}")
    return 0
