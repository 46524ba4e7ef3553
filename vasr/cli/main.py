"""Entry point of the ``vasr`` console script."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from vasr import __version__
from vasr.cli.commands import SUMMARIES
from vasr.errors import VasrError

COMMANDS = tuple(SUMMARIES)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``vasr`` parser with ``command``'s own flags (every command's, when None); the others are listed
    by their summary only, without loading their modules."""
    parser = argparse.ArgumentParser(
        prog="vasr",
        description="Dense bounding-box annotation for visual tracking from sparse human keyframes "
        "(VASR: selection and refinement of tracking results). Every command works on the embedded "
        "synthetic dataset when no --root is given.",
    )
    parser.add_argument("--version", action="version", version=f"vasr {__version__}")
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name in COMMANDS:  # imported here, so that Ctrl-C while torch loads is one line too
        if command is None or name == command:
            importlib.import_module(f"vasr.cli.commands.{name}").register(subparsers)
        else:
            subparsers.add_parser(name, help=SUMMARIES[name])
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command. Its own errors (``VasrError``) are one line naming the file and the problem; Ctrl-C
    is one line saying what is kept (every command writes atomically, so finished sequences are); anything
    else is a bug and keeps its traceback."""
    try:
        words = sys.argv[1:] if argv is None else list(argv)
        command = next((w for w in words if not w.startswith("-")), None)
        args = build_parser(command if command in SUMMARIES else "").parse_args(argv)
    except KeyboardInterrupt:
        print("\nvasr: interrupted before it started; nothing was written", file=sys.stderr)
        return 130
    args.done = 0  # sequences finished, counted by the commands that go sequence by sequence
    try:
        return args.run(args)
    except VasrError as error:
        print(f"vasr: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a full disk, a folder that vanished: the system's words, without a traceback
        where = f" ({error.filename})" if error.filename else ""
        print(f"vasr: error: {error.strerror or error}{where}; what was finished is kept", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        kept = f"{args.done} sequence{'s' if args.done != 1 else ''} done; " if args.done else ""
        print(f"\nvasr: interrupted; {kept}rerun the same command to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
