"""``vasr review``: the annotator's page for one annotation run, in a browser."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from vasr.cli.commands import SUMMARIES
from vasr.errors import VasrError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help=SUMMARIES["review"],
        description="Serve the review page of one run of 'vasr annotate' (its --out folder) on this "
        "machine and print its address. The page lists the sequences (labour saved, frames to check, mean "
        "T-Assess score) and, per sequence, the score plot and the ranked frames to check, each over its "
        "full image. Fix a box with the mouse (drag it, drag a corner, or draw a new one) or the keys (a "
        "accept, x absent, u undo), save (s) to OUT/corrections/<sequence>.txt, the file vasr annotate "
        "reads back, and re-run (r): the run is annotated again in the background and the page shows the "
        "new boxes, scores and suggestions. With --export DIR, write a static, read-only copy instead.",
    )
    parser.add_argument("out", type=Path, help="the --out folder of a vasr annotate run")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: %(default)s, this machine only)"
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default: %(default)s; 0: any free)")
    parser.add_argument(
        "--export", type=Path, default=None, metavar="DIR", help="write a static copy instead"
    )
    parser.add_argument("--verbose", action="store_true", help="log every request")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vasr.review.session import ReviewSession

    session = ReviewSession(args.out)
    if args.export is not None and args.export.exists() and not args.export.is_dir():
        raise VasrError(f"--export {args.export}: a file is there; name a folder for the static copy")
    if args.export is not None:
        from vasr.review.export import export_review

        index = export_review(session, args.export)
        print(f"static review written: {index} (open it in a browser; read-only)")
        return 0
    from vasr.review.server import ReviewServer

    try:
        server = ReviewServer(session, args.host, args.port, verbose=args.verbose)
    except OSError as error:
        raise VasrError(f"cannot serve on {args.host}:{args.port} ({error.strerror}); try --port 0") from None
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"warning: serving on {args.host}: anyone with the address below (its token) can change this run",
            file=sys.stderr,
        )
    print(f"reviewing {session.out} at {server.address}  (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0
