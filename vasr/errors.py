"""Errors raised on bad input. Each names the file (and line, where there is one) so a user can fix it."""

from __future__ import annotations

from pathlib import Path


class VasrError(Exception):
    """Base class of every error vasr raises on purpose."""


class AnnotationFormatError(VasrError, ValueError):
    """An annotation file is malformed: wrong field count, not a number, negative size, too few lines..."""

    def __init__(self, path: str | Path, message: str, line: int | None = None) -> None:
        self.path = Path(path)
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        super().__init__(f"{where}: {message}")


class FrameReadError(VasrError, OSError):
    """A frame is missing or cannot be decoded."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")


class DatasetLayoutError(VasrError, FileNotFoundError):
    """A dataset root does not look like the layout its reader expects."""

    def __init__(self, path: str | Path, message: str) -> None:
        self.path = Path(path)
        super().__init__(f"{self.path}: {message}")
