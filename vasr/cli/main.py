"""Entry point of the ``vasr`` console script."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from vasr import __version__
from vasr.cli.commands import annotate, baseline, evaluate, review, synth, track
from vasr.errors import VasrError

COMMANDS = (synth, baseline, evaluate, track, annotate, review)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vasr",
        description="Dense bounding-box annotation for visual tracking from sparse human keyframes "
        "(VASR: selection and refinement of tracking results). Every command works on the embedded "
        "synthetic dataset when no --root is given.",
    )
    parser.add_argument("--version", action="version", version=f"vasr {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Its own errors (``VasrError``) are one line naming the file and the problem; Ctrl-C
    is one line saying what is kept (every command writes atomically, so finished sequences are); anything
    else is a bug and keeps its traceback."""
    args = build_parser().parse_args(argv)
    args.done = 0  # sequences finished, counted by the commands that go sequence by sequence
    try:
        return args.run(args)
    except VasrError as error:
        print(f"vasr: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        kept = f"{args.done} sequence{'s' if args.done != 1 else ''} done; " if args.done else ""
        print(f"\nvasr: interrupted; {kept}rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
