"""Atomic file output: write under a temporary name in the target folder, then rename over the target.

An interrupted run (crash, Ctrl-C, full disk, SIGKILL) must never leave a truncated file that a later reader
or an import tool takes as complete. ``os.replace`` within one folder is atomic on POSIX and Windows, so
readers see either the old file or the whole new one; on failure the temporary file is removed. The data is
fsynced before the rename and the folder after it, so a crash of the machine keeps the same promise.
"""

from __future__ import annotations

import os
import re
import socket
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from vasr.errors import VasrError


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", socket.gethostname()) or "host"


_WRITER = f"{_host()}-{os.getpid()}"  # who writes a temporary file: a killed writer's are stale
_TEMPORARY = re.compile(r"^\.(?P<target>.+)\.(?P<host>\w+)-(?P<pid>\d+)\.\w+\.tmp(\.\w+)?$")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def is_temporary(path: Path) -> bool:
    """Whether ``path`` is named as a temporary file of :func:`atomic_output` (a write in progress, or a
    killed writer's leftover): never a finished output."""
    return _TEMPORARY.match(Path(path).name) is not None


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Delete, under ``folder``, the temporary files of :func:`atomic_output` whose writer (a process of
    this host) is gone: what a SIGKILL or a power cut leaves. Files of live writers, and of other hosts
    sharing the folder, are left alone. Returns what was removed."""
    removed = []
    if not Path(folder).is_dir():
        return removed
    host = _host()
    for path in sorted(Path(folder).rglob(".*.tmp*")):
        match = _TEMPORARY.match(path.name)
        if match and path.is_file() and match["host"] == host and not _alive(int(match["pid"])):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def is_file_name(name: object) -> bool:
    """Whether ``name`` can be one file name in a folder: a non-empty string, not ``.`` or ``..``, without a
    path separator or NUL (a sequence name becomes ``OUT/json/<name>.json`` and the like)."""
    return isinstance(name, str) and name not in ("", ".", "..") and not any(c in name for c in "/\\\0")


def writable_folder(path: Path, what: str = "output folder") -> Path:
    """Check, before any work and without writing anything, that ``path`` is a folder that takes files or
    can be made where it is; an error naming the path and the problem otherwise."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise VasrError(f"{what} {path} is a file, not a folder")
    existing = path
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir():
        raise VasrError(f"{what} {path} cannot be made: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "" if existing == path else f" ({existing} does not let this user create anything in it)"
        raise VasrError(f"{what} {path} is not writable{where}")
    return path


def _default_mode() -> int:
    """``0o666`` less the process umask: the mode ``open(path, "w")`` would have given."""
    mask = os.umask(0)
    os.umask(mask)
    return (stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IWGRP | stat.S_IROTH | stat.S_IWOTH) & ~mask


def _fsync(path: Path) -> None:
    """Flush ``path`` (a file or a folder) to disk where the platform allows it (not folders on Windows)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_output(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path ``.<name>.<host>-<pid>.<random><suffix>`` beside ``path``; it replaces
    ``path`` when the block ends without error and is removed otherwise (a killed writer's is removed by
    :func:`remove_stale_temporaries` when the run resumes). Encoders that pick the container from the file
    name (cv2.VideoWriter) need ``suffix`` to end in the real extension (``".tmp.mp4"``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{_WRITER}.", suffix=suffix)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, _default_mode())  # mkstemp makes 0600; outputs are shared like any other file
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync(path.parent)


def atomic_write(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Create or replace ``path`` with what ``write`` writes into a binary handle, atomically."""
    with atomic_output(path) as tmp, open(tmp, "wb") as handle:
        write(handle)


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` as UTF-8 with ``\\n`` line ends, atomically."""
    with atomic_output(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)
