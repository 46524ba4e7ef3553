"""Publish the best checkpoint of the newest training run under a stable name (``make train`` uses it).

``python -m vasr.cli.publish runs/tassess checkpoints/tassess.ckpt`` copies the best checkpoint that
``ModelCheckpoint`` kept in the newest ``lightning_logs/version_N/checkpoints`` (the one that is not
``last.ckpt``; ``last.ckpt`` when there is no other) to the destination, atomically, so ``vasr annotate``
finds it at its default path."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from vasr.atomic import atomic_output
from vasr.errors import VasrError


def best_checkpoint(run_dir: str | Path) -> Path:
    """The best checkpoint of the newest run under ``run_dir`` (see the module docstring)."""
    found = sorted(Path(run_dir).glob("**/checkpoints/*.ckpt"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise VasrError(f"no checkpoint under {run_dir}: train first")
    newest_dir = found[-1].parent
    in_dir = [p for p in found if p.parent == newest_dir]
    best = [p for p in in_dir if p.name != "last.ckpt"]
    return (best or in_dir)[-1]


def publish(run_dir: str | Path, destination: str | Path) -> Path:
    source, destination = best_checkpoint(run_dir), Path(destination)
    with atomic_output(destination) as tmp:
        shutil.copyfile(source, tmp)
    return source


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("usage: python -m vasr.cli.publish RUN_DIR DESTINATION", file=sys.stderr)
        return 2
    try:
        source = publish(*args)
    except VasrError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{source} -> {args[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
