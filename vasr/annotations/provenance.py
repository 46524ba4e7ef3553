"""What made an annotation: a record of every input and setting that can change a box, a score or a flag.

``vasr annotate`` stores it in each sequence's JSON. A rerun into the same folder compares records: the
same record means the stored annotation is still the answer (it is reused, and formats asked for anew are
written from it); any difference means the sequence is annotated again, and the message names what
changed. Frames are identified by their files' names, sizes and modification times (hashing every pixel of
every frame would cost more than tracking); checkpoints by their bytes.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from vasr.data.keyframes import Keyframes
from vasr.data.sequence import Sequence
from vasr.tracking.cache import sequence_fingerprint


@cache
def _digest(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_digest(path: str | Path | None) -> str | None:
    """SHA-256 of a file's bytes (None for no file), computed once per file version."""
    if path is None:
        return None
    stat = Path(path).stat()
    return _digest(str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)


def frames_digest(sequence: Sequence) -> str:
    """Identity of a sequence's frames: each frame file's name, size and modification time (a video file's
    for decoded frames), plus the frame count and size."""
    digest = hashlib.sha256(f"{len(sequence)} {sequence.image_size}".encode())
    paths = getattr(sequence.frames, "paths", None)
    if paths is None and getattr(sequence.frames, "path", None) is not None:
        paths = [sequence.frames.path]
    for path in paths or []:
        stat = Path(path).stat()
        digest.update(f"{Path(path).name} {stat.st_size} {stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def provenance(sequence: Sequence, keyframes: Keyframes, settings: dict[str, Any]) -> dict[str, Any]:
    """The record of one sequence's annotation: its frames, its keyframes and the run's settings."""
    keys = sequence_fingerprint(sequence, keyframes)  # the keyframes and the human's boxes on them
    return {"frames": frames_digest(sequence), "keyframes": keys, **settings}


def fingerprint(record: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(record, sort_keys=True, default=str).encode()).hexdigest()


def changes(old: dict[str, Any] | None, new: dict[str, Any]) -> list[str]:
    """The entries of ``new`` that ``old`` records differently (all of them without an old record)."""
    if not isinstance(old, dict):
        return sorted(new)
    canonical = lambda value: json.dumps(value, sort_keys=True, default=str)  # noqa: E731
    return sorted(k for k in set(old) | set(new) if canonical(old.get(k)) != canonical(new.get(k)))
