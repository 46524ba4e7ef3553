"""One annotation run as the review page sees it: its sequences, their frames, the corrections, re-runs.

Everything the page reads or writes goes through here, and everything here stays inside the run's folder
``OUT``: frames are served by sequence name and index (never by path), files by a path that must resolve
inside ``OUT``, and the only file written is ``OUT/corrections/<sequence>.txt`` (atomically), the keyframe
file that ``vasr annotate`` reads back. Two tabs saving the same sequence cannot lose a correction: a save
names the version of the corrections it was made on, and a save on an older version is refused.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from vasr.annotations.corrections import (
    Correction,
    Video,
    correction_problem,
    corrections_text,
    merge_corrections,
    read_corrections,
)
from vasr.annotations.exports import read_json
from vasr.atomic import atomic_write_text
from vasr.errors import AnnotationFormatError, VasrError
from vasr.run import RunBusyError, RunConfig, RunFolder, annotate_run, input_sequences
from vasr.selection.select import FLAG_REASONS

REVIEW_SOURCE = "review page"


class ReviewError(VasrError):
    """A request the review server refuses (the message says why); ``status`` is its HTTP status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Job:
    """The background re-run of the annotation (one at a time)."""

    state: str = "idle"  # idle, running, done, failed
    started: float = 0.0
    finished: float = 0.0
    log: list[str] = field(default_factory=list)
    returncode: int | None = None

    def as_dict(self) -> dict[str, object]:
        progress = self.log[-1] if self.log else ""
        return {
            "state": self.state,
            "progress": progress,
            "log": self.log[-20:],
            "returncode": self.returncode,
            "seconds": (self.finished or time.time()) - self.started if self.started else 0.0,
        }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class ReviewSession:
    """The run in ``out`` (a folder ``vasr annotate`` wrote)."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out).resolve()
        self.folder = RunFolder(self.out)
        if not (self.out / "json").is_dir():
            raise VasrError(
                f"{self.out}: not a vasr annotate output (no json/ folder); run vasr annotate first"
            )
        self.lock = threading.Lock()  # corrections and re-runs
        self.decoding = threading.Lock()  # frame sources (a video decoder) are not thread-safe
        self.job = Job()
        self._sequences: dict[str, object] | None = None

    def names(self) -> list[str]:
        return self.folder.names()

    def _json_path(self, name: str) -> Path:
        """The JSON of sequence ``name``; a name that is not one file name of ``OUT/json`` is unknown."""
        path = self.folder.json(name)
        if not name or Path(name).name != name or name in (".", "..") or not path.is_file():
            raise ReviewError(f"no sequence {name!r} in this run", 404)
        return path

    def annotation(self, name: str):  # noqa: ANN201 - (DenseAnnotation, extra)
        try:
            return read_json(self._json_path(name))
        except AnnotationFormatError as error:
            raise ReviewError(str(error), 500) from None

    def overview(self) -> list[dict[str, object]]:
        """One row per sequence: frames, keyframes, frames to check, labour saved, and the mean T-Assess score
        of its kept boxes (a ranking signal: it orders frames and sequences, it is not a calibrated IoU)."""
        rows = []
        for name in self.names():
            ann, _ = self.annotation(name)
            scored = ann.quality[np.isfinite(ann.quality)]
            corrections = self.corrections(name, ann)[0]
            rows.append(
                {
                    "name": name,
                    "frames": len(ann),
                    "keyframes": len(ann.keyframes),
                    "to_check": len(ann.to_check),
                    "labour_saved": ann.labour_saved,
                    "mean_score": float(scored.mean()) if scored.size else None,
                    "corrections": len(corrections),
                    **self._progress(ann, corrections),
                }
            )
        return rows

    def sequence(self, name: str) -> dict[str, object]:
        """Everything the page shows of one sequence."""
        ann, _ = self.annotation(name)
        corrections, version = self.corrections(name, ann)
        return {
            "name": name,
            "num_frames": len(ann),
            "image_size": list(ann.image_size),
            "boxes": [row.tolist() if ok else None for row, ok in zip(ann.boxes, ann.has_box, strict=True)],
            "quality": [None if np.isnan(q) else float(q) for q in ann.quality],
            "keyframes": ann.keyframes.tolist(),
            "failure_frames": ann.review_frames.tolist(),
            "failure_reasons": ann.review_reasons,
            "flag_reason_help": FLAG_REASONS,
            "suggestions": ann.suggestions.tolist(),
            "suggestion_reasons": ann.suggestion_reasons,
            "unchecked": np.flatnonzero(ann.unchecked).tolist(),
            "outside": np.flatnonzero(ann.outside).tolist(),
            "to_check": ann.to_check.tolist(),
            "frame_names": ann.frame_names,
            "labour_saved": ann.labour_saved,
            "corrections": {str(c.frame): (None if c.box is None else list(c.box)) for c in corrections},
            "version": version,
            **self._progress(ann, corrections),
        }

    @staticmethod
    def _progress(ann, corrections: list[Correction]) -> dict[str, object]:  # noqa: ANN001 - DenseAnnotation
        """How far the human got: the frames answered (a saved correction: accepted, moved, absent) of the
        frames asked (those to check and those answered). Saved corrections persist, so this survives a
        reload and a re-run."""
        answered = sorted({c.frame for c in corrections})
        asked = set(ann.to_check.tolist()) | set(answered)
        return {"checked": answered, "asked": len(asked)}

    def _store(self, name: str) -> Path:
        self._json_path(name)  # a known sequence only: the name never becomes a path otherwise
        return self.folder.corrections(name)

    def corrections(self, name: str, ann=None) -> tuple[list[Correction], str]:  # noqa: ANN001
        """The corrections saved for ``name`` and their version (a digest of the file; "" when none);
        ``ann``: its annotation when the caller has read it already."""
        store = self._store(name)
        if not store.is_file():
            return [], ""
        ann = self.annotation(name)[0] if ann is None else ann
        video = Video(name, len(ann), ann.image_size, ann)
        try:
            return read_corrections(store, video), _digest(store.read_text(encoding="utf-8"))
        except AnnotationFormatError as error:
            raise ReviewError(str(error), 500) from None

    def save(self, name: str, base: str, changes: list[dict[str, object]]) -> dict[str, object]:
        """Merge ``changes`` (``{"frame": i, "box": [x, y, w, h] | None}``) into the saved corrections, if
        they are still at version ``base``; returns the new version and count."""
        ann, _ = self.annotation(name)
        video = Video(name, len(ann), ann.image_size, ann)
        new = [self._checked(c, video) for c in changes]
        with self.lock, self._writing():
            earlier, version = self.corrections(name, ann)
            if version != base:
                raise ReviewError(
                    "the corrections of this sequence were saved elsewhere since this page loaded them "
                    "(another tab?); reload to see them, then save again",
                    409,
                )
            merged = merge_corrections(earlier, new)
            text = corrections_text(merged)
            atomic_write_text(self._store(name), text)
        return {"version": _digest(text), "corrections": len(merged), "saved": len(new)}

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """The run folder's lock for a save: refused (409) while a run writes the folder, so a save is never
        confirmed and then lost under the run's own store update."""
        try:
            with self.folder.writing("a save from the review page"):
                yield
        except RunBusyError as error:
            raise ReviewError(f"{error}; your changes are still on the page", 409) from None

    @staticmethod
    def _checked(change: dict[str, object], video: Video) -> Correction:
        """One correction from the page, checked as a corrections file's would be."""
        try:
            frame = int(change["frame"])  # type: ignore[arg-type]
            box = change.get("box")
            outside = bool(change.get("outside", False)) and box is None
            values = None if box is None else tuple(float(v) for v in box)  # type: ignore[union-attr]
        except (KeyError, TypeError, ValueError):
            raise ReviewError(f"malformed correction {change!r}") from None
        if values is not None and len(values) != 4:
            raise ReviewError(f"frame {frame}: a box is 4 numbers x, y, w, h")
        problem = correction_problem(frame, values, video)
        if problem:
            raise ReviewError(problem)
        return Correction(frame, values, REVIEW_SOURCE, outside)  # type: ignore[arg-type]

    def config(self) -> RunConfig:
        """The settings that made this run (``OUT/run.json``)."""
        try:
            return self.folder.config()
        except VasrError as error:
            raise ReviewError(f"cannot re-run this output: {error}", 500) from None

    def _frames(self) -> dict[str, object]:
        """Frame sources of every sequence of the run, from its recorded settings (lazy: nothing decoded)."""
        if self._sequences is None:
            self._sequences = {s.name: s.frames for s in input_sequences(self.config())}
        return self._sequences

    def frame_jpeg(self, name: str, index: int, quality: int = 90) -> bytes:
        """Frame ``index`` of ``name`` as JPEG bytes."""
        ann, _ = self.annotation(name)
        if not 0 <= index < len(ann):
            raise ReviewError(f"frame {index} is outside {name} (frames 0..{len(ann) - 1})", 404)
        with self.decoding:
            frames = self._frames().get(name)
            if frames is None:
                raise ReviewError(f"the frames of {name} are not in this run's input", 404)
            rgb = frames[index]  # type: ignore[index]
        ok, data = cv2.imencode(
            ".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality]
        )
        if not ok:
            raise ReviewError(f"frame {index} of {name} could not be encoded", 500)
        return data.tobytes()

    def file(self, relative: str) -> Path:
        """A file of the run by its path relative to ``OUT``; anything that leaves ``OUT`` is refused."""
        if not relative or relative.startswith(("/", "\\")) or "\0" in relative or ":" in relative:
            raise ReviewError("only files of this run, by their path inside it", 403)
        path = (self.out / relative).resolve()
        if not path.is_relative_to(self.out) or path == self.out:
            raise ReviewError("only files of this run, by their path inside it", 403)
        if not path.is_file():
            raise ReviewError(f"{relative}: no such file in this run", 404)
        return path

    def rerun(self) -> dict[str, object]:
        """Annotate the run again, in this process and in the background, with the settings it recorded: the
        saved corrections are applied and only what they touch is tracked again. One re-run at a time."""
        with self.lock:
            if self.job.state == "running":
                raise ReviewError("a re-run is already running", 409)
            config = self.config()  # a run without its settings cannot be re-run: say so now
            self.job = Job(state="running", started=time.time())
            job = self.job
        threading.Thread(target=self._run, args=(config, job), daemon=True).start()
        return job.as_dict()

    def _run(self, config: RunConfig, job: Job) -> None:
        def log(line: str) -> None:
            job.log.append(line)
            del job.log[:-200]

        try:
            total = annotate_run(config, log=log)["total"]
            log(f"{total['frames']} frames, labour saved {total['labour_saved']:.1%}")
            job.returncode = 0
        except VasrError as error:
            log(f"vasr: error: {error}")
            job.returncode = 2
        except Exception as error:  # noqa: BLE001 - the page shows it; the server goes on
            log(f"{type(error).__name__}: {error}")
            job.returncode = 1
        job.finished = time.time()
        job.state = "done" if job.returncode == 0 else "failed"
        self._sequences = None  # a re-run may have changed nothing of the frames, but be sure
