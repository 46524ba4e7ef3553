"""An annotation run as a library: its typed settings, the folder it owns, and the run itself.

``vasr annotate`` is an argparse layer over `annotate_run`; the review page reads a run through `RunFolder`
and the `RunConfig` recorded in ``OUT/run.json``, and re-runs it in process from there. A run's folder::

    OUT/run.json                    the run's settings (`RunConfig`), what a re-run repeats
    OUT/summary.json                one row per sequence, the totals and the settings
    OUT/suggest.txt                 the frames to box next, best first, per sequence
    OUT/json/<seq>.json             the result and the record of what made it (the sequence is done)
    OUT/<format>/...                the exports
    OUT/review/<seq>.*              quality plot, contact sheet (and overlay video)
    OUT/corrections/<seq>.txt       every correction of every round (a keyframe file)
    OUT/corrections/<seq>.exports.json  what each JSON or CVAT file given said, by its content
    OUT/.lock                       held by the one writer of the folder (a run, a save from the page)
    OUT/tracks/<seq>.npz            the tracks, reused for the snippets a correction does not touch

Reruns never keep a stale result: each sequence's JSON records its frames, keyframes, checkpoints and every
setting that changes a box, a score or a flag (`vasr.annotations.provenance`); the same record is reused,
another one is annotated again (tracking only what changed) and says what changed.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import json
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from vasr import __version__
from vasr.annotations.corrections import (
    SUFFIXES,
    Correction,
    Video,
    corrections_text,
    merge_corrections,
    moved_frames,
    read_corrections,
    summarise_moves,
)
from vasr.annotations.dense import DenseAnnotation
from vasr.annotations.exports import export, read_json, write_json
from vasr.annotations.provenance import changes, file_digest, fingerprint, provenance
from vasr.annotations.suggestions import suggestions_text
from vasr.atomic import atomic_write_text, is_file_name, remove_stale_temporaries, writable_folder
from vasr.checkpoints import load_assessor, load_refiner, shipped_assessor, tracker_mismatch
from vasr.data.frames import VideoFileFrames
from vasr.data.keyframes import Keyframes, keyframe_indices
from vasr.data.readers.video import load_image_folder, load_video
from vasr.data.sequence import Sequence
from vasr.data.sources import DataSource
from vasr.errors import AnnotationFormatError, VasrError
from vasr.pipeline import Annotator, keyframes_of
from vasr.refinement.adaptation import KeyframeAdaptation
from vasr.selection.model import TAssessNet
from vasr.selection.select import Fusion
from vasr.tables import render_table
from vasr.tracking.cache import TrackCache, read_entry, write_entry
from vasr.tracking.nanotrack import WHERE as NANOTRACK_WHERE
from vasr.tracking.registry import SETS, build_batch_tracker, resolve_tracker, tracker_config
from vasr.tracking.snippets import SequenceTracks

DEFAULT_TASSESS = Path("checkpoints/tassess.ckpt")
# what make train-tassess-nanotrack writes (DEFAULT_TASSESS: make train-tassess, for any other tracker)
TRAINED_TASSESS = {"nanotrack": Path("checkpoints/tassess-nanotrack.ckpt")}
DEFAULT_REFINER = Path("checkpoints/vgrefine.ckpt")
DEFAULT_FORMATS = ("json", "vasr", "lasot", "cvat")
SUMMARY_COLUMNS = [
    "sequence",
    "frames",
    "keyframes",
    "flagged",
    "suggested",
    "unchecked",
    "labour_saved",
    "mean_quality",
]

Log = Callable[[str], None]
_stderr: Log = lambda message: tqdm.write(message, file=sys.stderr)  # noqa: E731 - beside progress bars


@dataclass
class RunConfig:
    """Everything a run is told. Input: ``video`` or ``frames`` with their ``keyframes`` file, else the
    dataset ``source`` with a keyframe every ``interval`` frames. ``tracker="auto"``: the ensemble when
    NanoTrack's weights are found, else dcf-accurate. ``tassess``: the T-Assess net of each tracker (a set's
    members) by its name; one not given is the one ``make train`` wrote (`DEFAULT_TASSESS`,
    `TRAINED_TASSESS`), else the shipped one; a missing `DEFAULT_REFINER` means no refinement."""

    out: Path = Path("results/annotate")
    video: Path | None = None
    frames: Path | None = None
    keyframes: Path | None = None
    name: str | None = None
    source: DataSource = field(default_factory=DataSource)
    interval: int = 30
    include_last: bool = True
    corrections: list[Path] = field(default_factory=list)
    tassess: dict[str, Path] | Path = field(default_factory=dict)  # a path: the net of the one tracker
    refiner: Path | None = DEFAULT_REFINER
    adapt_steps: int | None = None
    adapt_batch_size: int | None = None
    refined_share: float = Annotator.refined_share
    tracker: str = "auto"
    tracker_options: dict[str, Any] = field(default_factory=dict)
    threshold: float = 0.0
    fusion: bool = True
    device: str = "cpu"
    suggest: int = 10
    formats: list[str] = field(default_factory=lambda: list(DEFAULT_FORMATS))
    cache: Path = Path("cache/tracks")
    review: bool = True
    overlay: bool = False
    overwrite: bool = False

    def check(self) -> None:
        """One clear error for a setting no run can use (before anything is read or written)."""
        if (self.video or self.frames) and self.keyframes is None:
            raise VasrError("--video / --frames need --keyframes (one 'frame, x, y, w, h' line per keyframe)")
        if self.video and self.frames:
            raise VasrError("give either --video or --frames, not both")
        limits = {"--adapt-steps": (self.adapt_steps, 0), "--adapt-batch-size": (self.adapt_batch_size, 1)}
        for flag, (value, low) in {**limits, "--suggest": (self.suggest, 0)}.items():
            if value is not None and value < low:
                raise VasrError(f"{flag} must be {low} or more, got {value}")
        if not 0.0 <= self.refined_share <= 1.0:
            raise VasrError(f"--refined-share must be between 0 and 1, got {self.refined_share}")

    def resolved(self, log: Log = _stderr) -> RunConfig:
        """The config with its defaults decided and every path absolute: what ``OUT/run.json`` records, so a
        re-run from anywhere repeats it (without the corrections: they are in ``OUT/corrections``)."""
        tracker = resolve_tracker(self.tracker, options=self.tracker_options)
        if self.tracker == "auto" and tracker not in SETS:
            log(f"NanoTrack's weights not found: annotating with {tracker} alone. {NANOTRACK_WHERE}")
        needed = SETS.get(tracker, (tracker,))
        given = {"": self.tassess} if isinstance(self.tassess, str | Path) else dict(self.tassess)
        bare = given.pop("", None)  # --tassess PATH: the net of the run's one tracker
        if bare is not None:
            if tracker in SETS:
                raise VasrError(f"--tassess: {tracker} has one net per tracker; name it ({needed[0]}=PATH)")
            given[tracker] = bare
        unknown = sorted(set(given) - set(needed))
        if unknown:
            raise VasrError(f"--tassess names {unknown}, but the run's trackers are {list(needed)}")
        tassess = {n: Path(given.get(n) or _default_assessor(n)).resolve() for n in needed}
        refiner = self.refiner
        if refiner == DEFAULT_REFINER and not DEFAULT_REFINER.is_file():
            log(f"no refiner: {DEFAULT_REFINER} not found ('make train-vgrefine' writes it)")
            refiner = None
        absolute = lambda p: None if p is None else Path(p).resolve()  # noqa: E731
        root = absolute(self.source.root)
        return dataclasses.replace(
            self,
            out=absolute(self.out), video=absolute(self.video), frames=absolute(self.frames),
            keyframes=absolute(self.keyframes), tracker=tracker, tassess=tassess, refiner=absolute(refiner),
            cache=absolute(self.cache), source=dataclasses.replace(self.source, root=root and str(root)),
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        record = dataclasses.asdict(dataclasses.replace(self, corrections=[], overwrite=False))
        return json.loads(json.dumps(record, default=str))

    @staticmethod
    def from_json(record: dict[str, Any]) -> RunConfig:
        paths = {f.name for f in dataclasses.fields(RunConfig) if str(f.type).startswith("Path")}
        values = {k: (Path(v) if k in paths and v is not None else v) for k, v in record.items()}
        values["source"] = DataSource(**values.get("source", {}))
        values["corrections"] = []
        tassess = values.get("tassess") or {}
        if isinstance(tassess, str):  # a run.json of one tracker, written before tracker sets
            tassess = {values.get("tracker", "auto"): tassess}
        values["tassess"] = {name: Path(path) for name, path in tassess.items()}
        return RunConfig(**values)


class RunBusyError(VasrError):
    """Another writer (a run, a save from the review page) holds the run folder."""


class RunFolder:
    """The layout of one run's folder ``OUT`` (the module docstring lists it); nothing outside it."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)

    def json(self, name: str) -> Path:
        return self.out / "json" / f"{name}.json"

    def corrections(self, name: str) -> Path:
        return self.out / "corrections" / f"{name}.txt"

    def exports_read(self, name: str) -> Path:
        return self.out / "corrections" / f"{name}.exports.json"

    def tracks(self, name: str) -> Path:
        return self.out / "tracks" / f"{name}.npz"

    def review(self, name: str, kind: str) -> Path:
        return self.out / "review" / f"{name}.{kind}"

    @property
    def run_json(self) -> Path:
        return self.out / "run.json"

    @contextmanager
    def writing(self, who: str) -> Iterator[None]:
        """Hold the folder's lock (``OUT/.lock``) while ``who`` writes it: one writer at a time, so no run
        writes over another's corrections and no page save lands in the middle of a run. A second writer
        is refused at once (`RunBusyError`), never made to wait."""
        self.out.mkdir(parents=True, exist_ok=True)
        with open(self.out / ".lock", "a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another vasr process"
                message = f"{self.out} is being written by {holder}; try again when it is done"
                raise RunBusyError(message) from None
            handle.truncate(0)
            handle.write(f"{who} (pid {os.getpid()})")
            handle.flush()
            try:
                yield
            finally:
                handle.truncate(0)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def names(self) -> list[str]:
        """The sequences with a finished result."""
        return sorted(p.stem for p in (self.out / "json").glob("*.json"))

    def config(self) -> RunConfig:
        """The settings the run was made with (``OUT/run.json``)."""
        try:
            record = json.loads(self.run_json.read_text(encoding="utf-8"))
            return RunConfig.from_json(record["config"])
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise VasrError(f"{self.run_json}: cannot read this run's settings ({error})") from None

    def write_config(self, config: RunConfig) -> None:
        text = json.dumps({"vasr": __version__, "config": config.to_json()}, indent=2)
        atomic_write_text(self.run_json, text + "\n")

    def earlier(self, name: str) -> tuple[DenseAnnotation | None, dict[str, Any]]:
        """The result an earlier run left for ``name`` and its record; (None, {}) when there is none or it
        cannot be read (the sequence is then annotated again)."""
        path = self.json(name)
        if not path.is_file():
            return None, {}
        try:
            return read_json(path)
        except AnnotationFormatError:
            return None, {}

    def kept_tracks(self, name: str, frames_digest: str) -> SequenceTracks | None:
        """The tracks an earlier round of the same frames left, or None."""
        path = self.tracks(name)
        if not path.is_file():
            return None
        try:
            tracks, frames = read_entry(path)
        except Exception:  # noqa: BLE001 - a damaged file is only a lost shortcut: track again
            return None
        return tracks if frames == frames_digest else None

    def written(self, files: dict[str, list[str]], kind: str) -> bool:
        """Whether every file an earlier run recorded for ``kind`` (a format, the review) is still there."""
        return bool(files.get(kind)) and all((self.out / f).is_file() for f in files[kind])

    def remove(self, files: dict[str, list[str]]) -> None:
        """Delete the files an earlier result recorded, never anything outside ``OUT``."""
        root = self.out.resolve()
        for name in {f for paths in files.values() for f in paths}:
            path = (self.out / name).resolve()
            if path.is_relative_to(root) and path != root:
                path.unlink(missing_ok=True)


def read_exports(path: Path) -> dict[str, list[list[Any]]]:
    """What each JSON or CVAT file given earlier said, by its content's digest (``exports_read``)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def given_corrections(path: Path, video: Video, read: dict[str, list[list[Any]]]) -> list[Correction]:
    """The corrections a file gives. A keyframe file says its boxes itself. A JSON or CVAT export says them
    against the result it was exported from, so what one said the first time is kept (in ``read``, by
    content) and said again when the same file comes back: a round's moved boxes never read as new ones."""
    if path.suffix.lower() == ".txt":
        return read_corrections(path, video)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest not in read:
        read[digest] = [[c.frame, c.box, c.where, c.outside] for c in read_corrections(path, video)]
    return [Correction(int(f), None if b is None else tuple(b), str(w), *o) for f, b, w, *o in read[digest]]


def input_sequences(config: RunConfig) -> list[Sequence]:
    """The run's sequences: its video or frame folder with its keyframe file, or its dataset selection."""
    if config.video:
        return [load_video(config.video, config.keyframes, config.name)]
    if config.frames:
        return [load_image_folder(config.frames, config.keyframes, config.name)]
    return config.source.load()


def _default_assessor(tracker: str) -> Path:
    """The net ``make train`` wrote for ``tracker``'s tracks when it is there, else the shipped one."""
    trained = TRAINED_TASSESS.get(tracker, DEFAULT_TASSESS)
    return trained if trained.is_file() else shipped_assessor(tracker)


def load_assessors(
    tracker: str, given: dict[str, Path] | None = None, device: str = "cpu"
) -> TAssessNet | dict[str, TAssessNet]:
    """The T-Assess net of ``tracker``, or for a set one per member by name: the ``given`` paths, else each
    tracker's default (what ``make train`` wrote, else the shipped one)."""
    given = given or {}
    names = SETS.get(tracker, (tracker,))
    nets = {n: load_assessor(given.get(n) or _default_assessor(n), device) for n in names}
    return nets if tracker in SETS else nets[tracker]


def build_annotator(config: RunConfig) -> Annotator:
    """The tracker and nets of a resolved config."""
    assessor = load_assessors(config.tracker, config.tassess, config.device)
    refiner = load_refiner(config.refiner, config.device) if config.refiner else None
    adaptation = refiner.adaptation if refiner is not None else KeyframeAdaptation(steps=0)
    for name, value in (("steps", config.adapt_steps), ("batch_size", config.adapt_batch_size)):
        if value is not None:
            adaptation = dataclasses.replace(adaptation, **{name: value})
    return Annotator(
        build_batch_tracker(config.tracker, **config.tracker_options),
        assessor,
        refiner.net if refiner else None,
        adaptation,
        threshold=config.threshold,
        suggest=config.suggest,
        fusion=Fusion() if config.fusion else None,
        refined_share=config.refined_share,
    )


def settings_record(config: RunConfig, annotator: Annotator) -> dict[str, Any]:
    """Everything of the run that can change a box, a score or a flag (the provenance's settings)."""
    refined = annotator.refiner is not None
    return {
        "vasr": __version__,
        "tracker": tracker_config(annotator.tracker),
        "tassess": (
            {n: file_digest(p) for n, p in config.tassess.items()}
            if config.tracker in SETS
            else file_digest(config.tassess[config.tracker])
        ),
        "refiner": file_digest(config.refiner) if refined else None,
        "adaptation": dataclasses.asdict(annotator.adaptation) if refined else None,
        "threshold": annotator.threshold,
        "variant": annotator.variant,
        "response_size": annotator.response_size,
        "suggest": annotator.suggest,
        "fusion": dataclasses.asdict(annotator.fusion) if annotator.fusion is not None else None,
        "refined_share": annotator.refined_share if refined else None,
    }


@dataclass
class Job:
    """One sequence of the run: the human's keyframes with every correction applied, what an earlier run
    left, and how many corrections change that earlier result."""

    sequence: Sequence
    keyframes: Keyframes
    scheduled: bool  # the keyframes are a dataset's regular schedule (shared track cache)
    earlier: DenseAnnotation | None
    record: dict[str, Any]
    corrections: int


class AnnotationRun:
    """One run of ``vasr annotate`` over its sequences (`annotate_run` is the whole of it)."""

    def __init__(self, config: RunConfig, log: Log = _stderr) -> None:
        config.check()
        self.sequences = input_sequences(config)
        for name in (s.name for s in self.sequences):  # every name becomes file names under OUT
            if not is_file_name(name):
                raise VasrError(f"sequence name {name!r} cannot be a file name (--name)")
        writable_folder(config.out, "--out")
        self.config = config.resolved(log)
        self.folder = RunFolder(self.config.out)
        self.log = log
        self.annotator = build_annotator(self.config)
        self.settings = settings_record(self.config, self.annotator)
        self.cache = TrackCache(self.config.cache)

    def correction_files(self, name: str) -> list[Path]:
        """The files of ``corrections`` that answer sequence ``name``."""
        found, single = [], len(self.sequences) == 1
        own = self.folder.json(name).resolve()
        for path in self.config.corrections:
            if path.resolve() == own:
                raise VasrError(
                    f"--corrections {path}: this is the run's own result, which vasr compares the "
                    "corrections with; edit a copy of it and give the copy"
                )
            if path.is_dir():
                found += [path / f"{name}{s}" for s in SUFFIXES if (path / f"{name}{s}").is_file()]
            elif single or path.stem == name:
                found.append(path)
        return found

    def apply_corrections(self, sequence: Sequence, video: Video) -> dict[int, Correction]:
        """Every correction of every round for ``sequence``: the store ``OUT/corrections/<seq>.txt`` with each
        given file's boxes on top, frame by frame (so giving an earlier file again restores its boxes), stored
        before any work: nothing a human said is lost."""
        store, exports = self.folder.corrections(sequence.name), self.folder.exports_read(sequence.name)
        earlier = merge_corrections(read_corrections(store, video) if store.is_file() else [])
        merged, read = dict(earlier), read_exports(exports)
        for path in self.correction_files(sequence.name):
            before, merged = (
                merged,
                merge_corrections(list(merged.values()), given_corrections(path, video, read)),
            )
            if merged == before:
                self.log(f"{sequence.name}: {path}: every box of it is already in {store}")
        if merged != earlier:
            atomic_write_text(exports, json.dumps(read, indent=1) + "\n")
            atomic_write_text(store, corrections_text(merged))
        return merged

    def prepare(self, sequence: Sequence) -> Job:
        """Read the earlier result and apply every correction (a bad file stops the run here, before
        anything is tracked or written)."""
        keyframes = keyframes_of(sequence, self.config.interval, self.config.include_last)
        ann, record = (None, {}) if self.config.overwrite else self.folder.earlier(sequence.name)
        video = Video(sequence.name, len(sequence), sequence.image_size, ann, record.get("fingerprint"))
        merged = self.apply_corrections(sequence, video)
        new = 0
        if ann is not None:
            keys = set(ann.keyframes.tolist())
            new = sum(
                c.frame not in keys
                or not np.array_equal(ann.boxes[c.frame], np.nan if c.box is None else c.box, equal_nan=True)
                for c in merged.values()
            )
        if merged:
            outside = frozenset(f for f, c in merged.items() if c.outside)
            keyframes = keyframes.with_boxes({f: c.box for f, c in merged.items()}, outside)
        scheduled = sequence.keyframes is None and not merged
        return Job(sequence, keyframes, scheduled, ann, record, new)

    def track(self, job: Job, frames_digest: str) -> SequenceTracks:
        """A dataset sequence on its regular schedule comes from the shared track cache; a video's own or
        corrected keyframes reuse what an earlier round tracked (``OUT/tracks``)."""
        config, tracker, sequence = self.config, self.annotator.tracker, job.sequence
        if job.scheduled:
            return self.cache.get_or_track(
                sequence, tracker, config.interval, config.include_last, progress=True
            )[0]
        earlier = None if config.overwrite else self.folder.kept_tracks(sequence.name, frames_digest)
        if earlier is None and sequence.keyframes is None:  # a corrected dataset sequence: its schedule's
            bucket = self.cache.bucket_for(tracker, config.interval, config.include_last)
            earlier = bucket.load(
                sequence, keyframe_indices(len(sequence), config.interval, config.include_last)
            )
        tracks = self.annotator.track(sequence, job.keyframes, progress=True, previous=earlier)
        write_entry(self.folder.tracks(sequence.name), tracks, frames_digest)
        if earlier is not None:
            self.log(f"{sequence.name}: tracked {tracks.steps} steps, reused {tracks.reused_steps}")
        return tracks

    def annotate(self, job: Job) -> tuple[dict[str, Any], DenseAnnotation]:
        """Reuse a finished earlier result made the same way, or annotate the sequence (again); write the
        files asked for that are missing; drop the files of an earlier, different result."""
        sequence, ann = job.sequence, job.earlier
        record = provenance(sequence, job.keyframes, self.settings)
        identity = fingerprint(record)
        files: dict[str, list[str]] = dict(job.record.get("files") or {})
        # an earlier, different result's files: removed once the new one is written
        stale: dict[str, list[str]] = {}
        moves = None  # what this run changed in an earlier result (summary.json)
        if ann is not None and job.record.get("fingerprint") == identity:
            status = "reused"
        else:
            changed = changes(job.record.get("provenance"), record) if ann is not None else []
            status = f"redone ({', '.join(changed)} changed)" if changed else "annotated"
            tracks = self.track(job, record["frames"])
            before, ann = ann, self.annotator.annotate(sequence, tracks, keyframes=job.keyframes)
            if before is not None:
                moved, iou = moved_frames(before, ann)
                moves = {"frames": moved.tolist(), "iou": [round(float(v), 4) for v in iou]}
                if job.corrections:
                    status += f": {job.corrections} corrections, {summarise_moves(moved, iou)}"
            stale, files = files, {}
        wrote = self.write_files(ann, sequence, files)
        kept = {f for paths in files.values() for f in paths}
        self.folder.remove({kind: [f for f in paths if f not in kept] for kind, paths in stale.items()})
        if status != "reused" or wrote:  # last: it marks the sequence as done
            extra = {"fingerprint": identity, "provenance": record, "files": files}
            write_json(ann, self.folder.out / "json", extra)
        if status == "reused" and wrote:
            status = f"reused, wrote {', '.join(wrote)}"
        self.log(f"{sequence.name}: {status}")
        return {**summary_row(ann, status), "changes": moves}, ann

    def write_files(self, ann: DenseAnnotation, sequence: Sequence, files: dict[str, list[str]]) -> list[str]:
        """The formats, review images and overlay of ``ann`` that ``files`` lacks; updates ``files``."""
        from vasr.annotations import visualize

        out, folder = self.folder.out, self.folder
        formats = [f for f in dict.fromkeys(self.config.formats) if f != "json"]
        makers = {fmt: lambda fmt=fmt: export(ann, out, fmt)[fmt] for fmt in formats}

        def review() -> list[Path]:
            sheet = folder.review(ann.name, "review.png")
            visualize.contact_sheet(ann, sequence.frame, sheet)
            return [visualize.quality_plot(ann, folder.review(ann.name, "quality.png")), sheet]

        if self.config.review:
            makers["review"] = review
        if self.config.overlay:
            video = folder.review(ann.name, "overlay.mp4")
            fps = sequence.frames.fps if isinstance(sequence.frames, VideoFileFrames) else None
            makers["overlay"] = lambda: [
                visualize.overlay_video(ann, sequence.frame, len(sequence), video, fps or 30.0)
            ]
        wrote = []
        for kind, make in makers.items():
            if not folder.written(files, kind):
                files[kind] = [p.relative_to(out).as_posix() for p in make()]
                wrote.append(kind)
        files["json"] = [folder.json(ann.name).relative_to(out).as_posix()]
        ordered = sorted(files.items())
        files.clear()
        files.update(ordered)
        return wrote

    def check_corrections(self) -> None:
        """Every ``--corrections`` file answers a sequence of the run (a folder's files too: a name that
        matches none, ``Clip.txt`` for ``clip``, is an error rather than silently nothing)."""
        names = {s.name for s in self.sequences}
        for path in self.config.corrections:
            if not path.exists():
                raise VasrError(f"--corrections {path}: not found")
            given = [p for p in path.iterdir() if p.suffix.lower() in SUFFIXES] if path.is_dir() else [path]
            for file in given:
                if (path.is_dir() or len(self.sequences) > 1) and file.stem not in names:
                    raise VasrError(f"--corrections {file}: no sequence of this run is called {file.stem!r}")

    def run(self, done: Callable[[], None] = lambda: None) -> dict[str, Any]:
        """Every sequence, holding the folder's lock; returns the summary (also in ``OUT/summary.json``)."""
        with self.folder.writing("vasr annotate"):
            return self._run(done)

    def _run(self, done: Callable[[], None]) -> dict[str, Any]:
        for stale in remove_stale_temporaries(self.folder.out):
            self.log(f"removed {stale}, left by an interrupted run")
        self.check_corrections()
        jobs = [self.prepare(sequence) for sequence in self.sequences]
        for name, path in self.config.tassess.items():  # after the inputs' checks
            mismatch = tracker_mismatch(path, name)
            if mismatch:
                self.log(mismatch)
        self.folder.write_config(self.config)
        rows, annotations = [], []
        for job in tqdm(jobs, desc="annotating", unit="seq"):
            row, ann = self.annotate(job)
            rows.append(row)
            annotations.append(ann)
            done()
        if self.config.suggest:
            atomic_write_text(self.folder.out / "suggest.txt", suggestions_text(annotations))
        total = summary_total(rows)
        config, refined = self.config, self.annotator.refiner is not None
        settings = {
            "tracker": config.tracker,
            "tracker_options": config.tracker_options,
            "threshold": config.threshold,
            "keyframes": str(config.keyframes) if config.keyframes else f"every {config.interval} frames",
            "tassess": {n: str(p) for n, p in config.tassess.items()},
            "refiner": str(config.refiner) if config.refiner else None,
            "adapt_steps": self.annotator.adaptation.steps if refined else None,
            "refined_share": config.refined_share if refined else None,
        }
        summary = {"total": total, "settings": settings, "sequences": rows}
        atomic_write_text(self.folder.out / "summary.json", json.dumps(summary, indent=2))
        return summary


def summary_row(ann: DenseAnnotation, status: str) -> dict[str, Any]:
    quality = ann.quality[np.isfinite(ann.quality)]
    return {
        "sequence": ann.name,
        "frames": len(ann),
        "keyframes": len(ann.keyframes),
        "flagged": len(ann.review_frames),
        "flag_reasons": dict(Counter(r or "not recorded" for r in ann.review_reasons).most_common()),
        "suggested": len(ann.suggestions),
        "unchecked": int(ann.unchecked.sum()),
        "labour_saved": ann.labour_saved,
        "mean_quality": float(quality.mean()) if len(quality) else float("nan"),
        "status": status,
    }


def summary_total(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The whole run's line of the summary: frames, those a human boxes or checks, the labour saved, and
    how many frames are flagged for each reason (most first)."""
    frames = sum(int(r["frames"]) for r in rows)
    checked = sum(int(r["keyframes"]) + int(r["flagged"]) for r in rows)
    reasons = sum((Counter(r["flag_reasons"]) for r in rows), Counter())
    return {
        "sequences": len(rows),
        "frames": frames,
        "human_frames": checked,
        "labour_saved": 1.0 - checked / frames if frames else float("nan"),
        "flag_reasons": dict(reasons.most_common()),
    }


def summary_text(summary: dict[str, Any], out: Path) -> str:
    """The table and the closing line ``vasr annotate`` prints."""
    total = summary["total"]
    reasons = ", ".join(f"{count} {reason}" for reason, count in total.get("flag_reasons", {}).items())
    return (
        render_table(summary["sequences"], [*SUMMARY_COLUMNS, "status"])
        + (f"\nflagged: {reasons} (why: vasr annotate --help)" if reasons else "")
        + f"\n{total['frames']} frames, {total['human_frames']} for a human (keyframes + flagged): labour "
        f"saved {total['labour_saved']:.1%}; frames to box next in {out / 'suggest.txt'} "
        f"(or: vasr review {out})"
    )


def annotate_run(
    config: RunConfig, log: Log = _stderr, done: Callable[[], None] = lambda: None
) -> dict[str, Any]:
    """Annotate every sequence of ``config`` into its folder (see the module docstring); the summary."""
    return AnnotationRun(config, log).run(done)
