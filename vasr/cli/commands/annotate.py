"""``vasr annotate``: a video (or frame folder, or a whole dataset) + sparse keyframe boxes -> dense boxes, a
quality score per frame, the frames a human must still check, and files annotation tools import."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from vasr import __version__
from vasr.annotations.corrections import (
    SUFFIXES,
    Video,
    applied_digest,
    corrected,
    corrections_text,
    merge_corrections,
    moved_frames,
    read_applied,
    read_corrections,
    summarise_moves,
)
from vasr.annotations.dense import DenseAnnotation
from vasr.annotations.exports import EXPORTERS, export, read_json, write_json
from vasr.annotations.provenance import changes, file_digest, fingerprint, provenance
from vasr.annotations.suggestions import suggestions_text
from vasr.atomic import atomic_write_text, remove_stale_temporaries, writable_folder
from vasr.checkpoints import SHIPPED_TASSESS, load_assessor, load_refiner, tracker_mismatch
from vasr.cli.dataset_args import add_dataset_arguments, add_keyframe_arguments, load_sequences
from vasr.data.default import default_root
from vasr.data.keyframes import keyframe_indices
from vasr.data.readers.video import load_image_folder, load_video
from vasr.data.sequence import Sequence
from vasr.errors import AnnotationFormatError, VasrError
from vasr.pipeline import Annotator, keyframes_of
from vasr.refinement.adaptation import KeyframeAdaptation
from vasr.selection.select import Fusion
from vasr.tables import render_table
from vasr.tracking.cache import TrackCache, read_entry, write_entry
from vasr.tracking.registry import DEFAULT_TRACKER, TRACKERS, build_batch_tracker, tracker_config
from vasr.tracking.snippets import SequenceTracks

DEFAULT_TASSESS = Path("checkpoints/tassess.ckpt")
DEFAULT_REFINER = Path("checkpoints/vgrefine.ckpt")
DEFAULT_FORMATS = ("json", "vasr", "lasot", "cvat")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "annotate",
        help="dense boxes from sparse keyframe boxes: track, assess, select, flag failures (and refine)",
        description="Annotate every frame of a video, a frame folder or a dataset from a few human keyframe "
        "boxes: a tracker runs forward and backward between keyframes, T-Assess Net scores every box, the "
        "better direction is kept, and frames where both directions score below --threshold are flagged "
        "for a human. Writes the boxes in the formats of --formats under OUT/<format>/, a quality plot and "
        "a contact sheet of the flagged and weakest frames under OUT/review/, and OUT/summary.json. "
        "Each sequence's JSON records what made it (frames, keyframes, checkpoints, tracker, settings): a "
        "rerun into the same --out reuses a sequence made the same way (writing formats asked for anew "
        "from it), annotates again one whose record changed and says which part did, and removes the "
        "files of the earlier result; an interrupted run resumes. --overwrite redoes every sequence.",
        epilog="Keyframe file (--keyframes): one line per keyframe, 'frame, x, y, w, h' with a 0-based "
        "frame index and a 0-based pixel box (top-left corner, width, height), or 'frame, absent'; "
        "'#' starts a comment; the file's frames are the keyframes (--interval applies to datasets only). "
        "Corrections (--corrections): a keyframe file, vasr's JSON after editing, or CVAT for video 1.1 XML "
        "exported after review; every corrected frame becomes a keyframe, only the snippets it ends are "
        "tracked again, and OUT/corrections/<sequence>.txt keeps every correction of every round. "
        "Without 'make train', the T-Assess Net shipped in the package is used.",
    )
    source = parser.add_argument_group("input (one of --video, --frames, or the dataset flags)")
    source.add_argument("--video", type=Path, help="a video file (anything OpenCV decodes)")
    source.add_argument("--frames", type=Path, help="a folder of numbered frame images")
    source.add_argument("--keyframes", type=Path, help="the keyframe file of --video / --frames")
    source.add_argument("--name", help="sequence name of --video / --frames (default: the file name)")
    source.add_argument(
        "--corrections",
        type=Path,
        nargs="+",
        default=[],
        help="the human's answers to an earlier run into the same --out: files (.txt keyframe file, edited "
        ".json, CVAT .xml) or folders of <sequence>.txt/.json/.xml; a file applies to the run's only "
        "sequence or to the sequence of its name",
    )
    add_dataset_arguments(parser)
    add_keyframe_arguments(parser)
    models = parser.add_argument_group("models")
    models.add_argument(
        "--tassess",
        type=Path,
        default=None,
        help=f"T-Assess checkpoint (default: {DEFAULT_TASSESS} when 'make train' wrote it, else the one "
        "shipped in the package)",
    )
    models.add_argument(
        "--refiner",
        type=Path,
        default=DEFAULT_REFINER,
        help="VG-Refine checkpoint (default: %(default)s when it exists, written by 'make train'; "
        "without it the kept boxes are not refined)",
    )
    models.add_argument(
        "--no-refiner", dest="refiner", action="store_const", const=None, help="do not refine the kept boxes"
    )
    models.add_argument(
        "--adapt-steps",
        type=int,
        default=None,
        help="keyframe adaptation of the refiner per sequence: optimiser steps on the sequence's own "
        "keyframes (default: the checkpoint's, 150; 0: refine with the trained net as it is)",
    )
    models.add_argument(
        "--adapt-batch-size",
        type=int,
        default=None,
        help="jittered keyframe crops per adaptation step (default: the checkpoint's, 32); fewer steps and "
        "crops are faster and less accurate (README, 'VG-Refine')",
    )
    models.add_argument(
        "--refined-share",
        type=float,
        default=Annotator.refined_share,
        help="how far each kept box moves towards its refined box, from 0 (not at all) to 1 (replaced, as in "
        "the paper); default %(default)s: halfway, which beats both (README, 'VG-Refine')",
    )
    models.add_argument(
        "--tracker",
        choices=sorted(TRACKERS),
        default=DEFAULT_TRACKER,
        help="default: %(default)s; dcf is the fast one-ended preset (README, 'Trackers')",
    )
    models.add_argument(
        "--threshold",
        type=float,
        default=0.0,
        help="flag a frame when both directions score below this (default: %(default)s, IoU about 0.5)",
    )
    models.add_argument(
        "--no-fusion",
        dest="fusion",
        action="store_false",
        help="keep the better-scored direction everywhere (the paper's selection); by default, where the "
        "forward and backward boxes agree (IoU >= 0.5) their score- and distance-weighted mean is kept",
    )
    models.add_argument("--device", default="cpu", help="torch device of the nets (default: %(default)s)")
    parser.add_argument(
        "--suggest",
        type=int,
        default=10,
        metavar="N",
        help="rank the N frames per sequence where a human box is worth most (low score, forward/backward "
        "disagreement, long doubtful runs; one per run first); written to OUT/suggest.txt, the JSON, the "
        "CVAT file and the review sheet (default: %(default)s; 0: none)",
    )
    parser.add_argument("--out", type=Path, default=Path("results/annotate"), help="default: %(default)s")
    parser.add_argument(
        "--formats",
        nargs="+",
        choices=sorted(EXPORTERS),
        default=list(DEFAULT_FORMATS),
        help="annotation formats to write (default: %(default)s)",
    )
    parser.add_argument(
        "--cache", type=Path, default=Path("cache/tracks"), help="track cache of dataset runs"
    )
    parser.add_argument("--no-review", dest="review", action="store_false", help="skip plots and sheets")
    parser.add_argument("--overlay", action="store_true", help="also write an overlay video per sequence")
    parser.add_argument("--overwrite", action="store_true", help="redo sequences already annotated")
    parser.set_defaults(run=run)


def input_sequences(args: argparse.Namespace) -> list[Sequence]:
    if (args.video or args.frames) and args.keyframes is None:
        raise VasrError("--video / --frames need --keyframes (one 'frame, x, y, w, h' line per keyframe)")
    if args.video and args.frames:
        raise VasrError("give either --video or --frames, not both")
    if args.video:
        return [load_video(args.video, args.keyframes, args.name)]
    if args.frames:
        return [load_image_folder(args.frames, args.keyframes, args.name)]
    return load_sequences(args)


def review(ann: DenseAnnotation, sequence: Sequence, out: Path) -> list[Path]:
    """The quality plot and the contact sheet of the frames to check, under ``out/review``."""
    from vasr.annotations.visualize import contact_sheet, quality_plot

    paths = [out / "review" / f"{ann.name}.quality.png", out / "review" / f"{ann.name}.review.png"]
    quality_plot(ann, paths[0])
    contact_sheet(ann, sequence.frame, paths[1])
    return paths


def overlay(ann: DenseAnnotation, sequence: Sequence, out: Path) -> list[Path]:
    """An MP4 of the sequence with its boxes drawn, under ``out/review``."""
    from vasr.annotations.visualize import overlay_video

    path = out / "review" / f"{ann.name}.overlay.mp4"
    overlay_video(ann, sequence.frame, len(sequence), path)
    return [path]


def summary_row(ann: DenseAnnotation, status: str) -> dict[str, object]:
    quality = ann.quality[np.isfinite(ann.quality)]
    return {
        "sequence": ann.name,
        "frames": len(ann),
        "keyframes": len(ann.keyframes),
        "flagged": len(ann.review_frames),
        "suggested": len(ann.suggestions),
        "labour_saved": ann.labour_saved,
        "mean_quality": float(quality.mean()) if len(quality) else float("nan"),
        "status": status,
    }


def run_settings(args: argparse.Namespace, tracker: object, annotator: Annotator) -> dict[str, object]:
    """Everything of this run that can change a box, a score or a flag (the provenance's settings)."""
    return {
        "vasr": __version__,
        "tracker": tracker_config(tracker),
        "tassess": file_digest(args.tassess),
        "refiner": file_digest(args.refiner) if annotator.refiner is not None else None,
        "adaptation": dataclasses.asdict(annotator.adaptation) if annotator.refiner is not None else None,
        "threshold": annotator.threshold,
        "variant": annotator.variant,
        "response_size": annotator.response_size,
        "suggest": annotator.suggest,
        "fusion": dataclasses.asdict(annotator.fusion) if annotator.fusion is not None else None,
        "refined_share": annotator.refined_share if annotator.refiner is not None else None,
    }


def previous_run(path: Path) -> tuple[DenseAnnotation | None, dict[str, object]]:
    """The annotation a finished earlier run left in ``path`` and its record; (None, {}) when there is none
    or it cannot be read (then the sequence is simply annotated again)."""
    if not path.is_file():
        return None, {}
    try:
        return read_json(path)
    except AnnotationFormatError:
        return None, {}


def written(files: dict[str, list[str]], out: Path, kind: str) -> bool:
    """Whether every file an earlier run recorded for ``kind`` (a format, the review) is still there."""
    return bool(files.get(kind)) and all((out / f).is_file() for f in files[kind])


def remove_files(out: Path, files: dict[str, list[str]]) -> None:
    """Delete the files an earlier result recorded, never anything outside ``out``."""
    root = out.resolve()
    for name in {f for paths in files.values() for f in paths}:
        path = (out / name).resolve()
        if path.is_relative_to(root) and path != root:
            path.unlink(missing_ok=True)


def correction_files(args: argparse.Namespace, name: str, single: bool) -> list[Path]:
    """The files of ``--corrections`` that answer sequence ``name`` (``single``: the run's only one)."""
    found = []
    own = (args.out / "json" / f"{name}.json").resolve()
    for path in args.corrections:
        if path.resolve() == own:
            raise VasrError(
                f"--corrections {path}: this is the run's own result, which vasr compares the corrections "
                "with; edit a copy of it and give the copy"
            )
        if path.is_dir():
            found += [path / f"{name}{suffix}" for suffix in SUFFIXES if (path / f"{name}{suffix}").is_file()]
        elif single or path.stem == name:
            found.append(path)
    return found


def apply_corrections(
    args: argparse.Namespace,
    sequence: Sequence,
    keys: np.ndarray,
    ann: DenseAnnotation | None,
    previous: dict[str, object],
    single: bool,
) -> tuple[Sequence, np.ndarray, int]:
    """The sequence with every correction of every round as keyframes, its keyframes, and how many of the
    corrections change the earlier result ``ann`` (the review page's saved ones too; 0 without one). New
    corrections are saved to ``OUT/corrections/<seq>.txt`` before any work (so nothing a human said is
    lost), and a file already applied is not applied again."""
    video = Video(sequence.name, len(sequence), sequence.image_size, ann, previous.get("fingerprint"))
    store = args.out / "corrections" / f"{sequence.name}.txt"
    applied_path = store.with_suffix(".applied.json")
    applied = read_applied(applied_path)
    earlier = read_corrections(store, video) if store.is_file() else []
    rounds = []
    for path in correction_files(args, sequence.name, single):
        digest = applied_digest(path) if path.is_file() else None
        if digest in applied:
            tqdm.write(f"{sequence.name}: {path} already applied, skipped", file=sys.stderr)
            continue
        rounds.append(read_corrections(path, video))
        applied[str(digest)] = str(path)
    merged = merge_corrections(earlier, *rounds)
    new = 0
    if ann is not None:
        keyframes = set(ann.keyframes.tolist())
        new = sum(
            c.frame not in keyframes
            or not np.array_equal(ann.boxes[c.frame], np.nan if c.box is None else c.box, equal_nan=True)
            for c in merged.values()
        )
    if rounds:
        atomic_write_text(store, corrections_text(merged))
        atomic_write_text(applied_path, json.dumps(applied, indent=2) + "\n")
    if not merged:
        return sequence, keys, new
    sequence = corrected(sequence, keys, merged)
    return sequence, np.asarray(sequence.metadata["keyframes"], dtype=np.int64), new


def previous_tracks(args: argparse.Namespace, name: str, frames_digest: str) -> SequenceTracks | None:
    """The tracks an earlier run of the same frames left in ``OUT/tracks`` (for reuse of the snippets a
    correction did not touch; `track_sequence` itself ignores tracks of another tracker), or None."""
    path = args.out / "tracks" / f"{name}.npz"
    if args.overwrite or not path.is_file():  # --overwrite redoes everything
        return None
    try:
        tracks, frames = read_entry(path)
    except Exception:  # noqa: BLE001 - a damaged file is only a lost shortcut: track again
        return None
    return tracks if frames == frames_digest else None


def track(
    args: argparse.Namespace,
    sequence: Sequence,
    keys: np.ndarray,
    annotator: Annotator,
    cache: TrackCache,
    record: dict,
) -> SequenceTracks:
    """Tracks of ``sequence`` between ``keys``: a dataset sequence on its regular schedule comes from the
    shared track cache; a video's own or corrected keyframes reuse what an earlier round tracked."""
    own = "keyframes" in (sequence.metadata or {})
    if not own:
        return cache.get_or_track(
            sequence, annotator.tracker, args.interval, args.include_last, progress=True
        )[0]
    earlier = previous_tracks(args, sequence.name, record["frames"])
    if earlier is None and (sequence.metadata or {}).get("dataset") != "video":
        # a corrected dataset sequence: start from its regular schedule's tracks in the shared cache
        regular = keyframe_indices(len(sequence), args.interval, args.include_last)
        earlier = cache.bucket_for(annotator.tracker, args.interval, args.include_last).load(
            sequence, regular
        )
    tracks = annotator.track(sequence, keys, progress=True, previous=earlier)
    write_entry(args.out / "tracks" / f"{sequence.name}.npz", tracks, record["frames"])
    if earlier is not None:
        tqdm.write(
            f"{sequence.name}: tracked {tracks.steps} steps, reused {tracks.reused_steps}", file=sys.stderr
        )
    return tracks


@dataclass
class Job:
    """One sequence of the run with the human's corrections applied and what an earlier run left."""

    sequence: Sequence
    keyframes: np.ndarray
    earlier: DenseAnnotation | None
    previous: dict[str, object]
    corrections: int  # corrections that change the earlier result (apply_corrections)


def prepare(args: argparse.Namespace, sequence: Sequence, single: bool) -> Job:
    """Read the earlier result and apply every correction (before any work, so a bad file stops the run
    before anything is tracked or written)."""
    keys = keyframes_of(sequence, args.interval, args.include_last)
    ann, previous = (
        (None, {}) if args.overwrite else previous_run(args.out / "json" / f"{sequence.name}.json")
    )
    sequence, keys, new = apply_corrections(args, sequence, keys, ann, previous, single)
    return Job(sequence, keys, ann, previous, new)


def annotate_sequence(
    args: argparse.Namespace,
    job: Job,
    annotator: Annotator,
    cache: TrackCache,
    settings: dict[str, object],
    formats: list[str],
) -> tuple[dict[str, object], DenseAnnotation]:
    """One sequence of the run: reuse a finished earlier result made the same way, or annotate it (again,
    tracking only what changed); write the formats asked for that are missing; drop files of an earlier,
    different result."""
    sequence, keys, ann, previous, new = (
        job.sequence,
        job.keyframes,
        job.earlier,
        job.previous,
        job.corrections,
    )
    done = args.out / "json" / f"{sequence.name}.json"
    record = provenance(sequence, keys, settings)
    identity = fingerprint(record)
    old_files: dict[str, list[str]] = dict(previous.get("files") or {})
    moves: dict[str, list] | None = None  # what this run changed in an earlier result (summary.json)
    if ann is not None and previous.get("fingerprint") == identity:
        status, files = "reused", old_files
    else:
        changed = changes(previous.get("provenance"), record) if ann is not None else []
        status = f"redone ({', '.join(changed)} changed)" if changed else "annotated"
        tracks = track(args, sequence, keys, annotator, cache, record)
        before, ann = ann, annotator.annotate(sequence, tracks)
        if before is not None:
            moved, iou = moved_frames(before, ann)
            moves = {"frames": moved.tolist(), "iou": [round(float(v), 4) for v in iou]}
            status += f": {new} corrections, {summarise_moves(moved, iou)}" if new else ""
        remove_files(args.out, old_files)  # an earlier, different result's
        files = {}
    makers = {fmt: lambda fmt=fmt: export(ann, args.out, fmt)[fmt] for fmt in formats if fmt != "json"}
    if args.review:
        makers["review"] = lambda: review(ann, sequence, args.out)
    if args.overlay:
        makers["overlay"] = lambda: overlay(ann, sequence, args.out)
    wrote = []
    for kind, make in makers.items():
        if not written(files, args.out, kind):
            files[kind] = [p.relative_to(args.out).as_posix() for p in make()]
            wrote.append(kind)
    files["json"] = [done.relative_to(args.out).as_posix()]
    files = dict(sorted(files.items()))
    if status != "reused" or wrote:  # last: it marks the sequence as done
        write_json(ann, args.out / "json", {"fingerprint": identity, "provenance": record, "files": files})
    if status == "reused" and wrote:
        status = f"reused, wrote {', '.join(wrote)}"
    tqdm.write(f"{sequence.name}: {status}", file=sys.stderr)
    return {**summary_row(ann, status), "changes": moves}, ann


def rerun_command(args: argparse.Namespace) -> list[str]:
    """The ``vasr annotate`` arguments that redo this run from anywhere (absolute paths, every setting
    explicit, no corrections: they are in ``OUT/corrections``), recorded in ``OUT/run.json`` for
    ``vasr review``'s re-run button."""

    def path(value: Path) -> str:
        return str(Path(value).resolve())

    command: list[str] = []
    if args.video or args.frames:
        command += ["--video", path(args.video)] if args.video else ["--frames", path(args.frames)]
        command += ["--keyframes", path(args.keyframes)] + (["--name", args.name] if args.name else [])
    else:
        root = args.root if args.root is not None else default_root()
        command += ["--dataset", args.dataset, "--root", path(root), "--folds", str(args.folds)]
        command += ["--split", args.split] if args.split else []
        command += ["--names", *args.names] if args.names else []
        command += ["--fold", str(args.fold)] if args.fold is not None else []
    command += ["--interval", str(args.interval)] + ([] if args.include_last else ["--no-last"])
    command += ["--tassess", path(args.tassess)]
    command += ["--refiner", path(args.refiner)] if args.refiner else ["--no-refiner"]
    for flag, value in (("--adapt-steps", args.adapt_steps), ("--adapt-batch-size", args.adapt_batch_size)):
        command += [flag, str(value)] if value is not None else []
    command += ["--refined-share", repr(args.refined_share)] if args.refiner else []
    command += ["--tracker", args.tracker, "--threshold", repr(args.threshold), "--device", args.device]
    command += ([] if args.fusion else ["--no-fusion"]) + ["--suggest", str(args.suggest)]
    command += ["--out", path(args.out), "--cache", path(args.cache), "--formats", *args.formats]
    command += ([] if args.review else ["--no-review"]) + (["--overlay"] if args.overlay else [])
    return command


def run(args: argparse.Namespace) -> int:
    if args.adapt_steps is not None and args.adapt_steps < 0:
        raise VasrError(f"--adapt-steps must be 0 or more, got {args.adapt_steps}")
    if args.adapt_batch_size is not None and args.adapt_batch_size < 1:
        raise VasrError(f"--adapt-batch-size must be 1 or more, got {args.adapt_batch_size}")
    if not 0.0 <= args.refined_share <= 1.0:
        raise VasrError(f"--refined-share must be between 0 and 1, got {args.refined_share}")
    writable_folder(args.out, "--out")
    sequences = input_sequences(args)
    formats = list(dict.fromkeys(["json", *args.formats]))
    if args.suggest < 0:
        raise VasrError(f"--suggest must be 0 or more, got {args.suggest}")
    if args.tassess is None:
        args.tassess = DEFAULT_TASSESS if DEFAULT_TASSESS.is_file() else SHIPPED_TASSESS
    assessor = load_assessor(args.tassess, args.device)
    if args.refiner == DEFAULT_REFINER and not DEFAULT_REFINER.is_file():
        print(f"no refiner: {DEFAULT_REFINER} not found ('make train-vgrefine' writes it)", file=sys.stderr)
        args.refiner = None
    refiner = load_refiner(args.refiner, args.device) if args.refiner else None
    adaptation = refiner.adaptation if refiner is not None else KeyframeAdaptation(steps=0)
    if args.adapt_steps is not None:
        adaptation = dataclasses.replace(adaptation, steps=args.adapt_steps)
    if args.adapt_batch_size is not None:
        adaptation = dataclasses.replace(adaptation, batch_size=args.adapt_batch_size)
    tracker = build_batch_tracker(args.tracker)
    annotator = Annotator(
        tracker,
        assessor,
        refiner.net if refiner else None,
        adaptation,
        threshold=args.threshold,
        suggest=args.suggest,
        fusion=Fusion() if args.fusion else None,
        refined_share=args.refined_share,
    )
    for stale in remove_stale_temporaries(args.out):
        print(f"removed {stale}, left by an interrupted run", file=sys.stderr)
    cache = TrackCache(args.cache)
    settings = run_settings(args, tracker, annotator)
    for path in args.corrections:
        if not path.exists():
            raise VasrError(f"--corrections {path}: not found")
        if path.is_file() and len(sequences) > 1 and path.stem not in {s.name for s in sequences}:
            raise VasrError(f"--corrections {path}: no sequence of this run is called {path.stem!r}")
    jobs = [prepare(args, sequence, len(sequences) == 1) for sequence in sequences]
    mismatch = tracker_mismatch(args.tassess, args.tracker)  # after the inputs passed their checks
    if mismatch:
        print(mismatch, file=sys.stderr)
    atomic_write_text(
        args.out / "run.json",
        json.dumps({"vasr": __version__, "annotate": rerun_command(args)}, indent=2) + "\n",
    )
    rows, annotations = [], []
    for job in tqdm(jobs, desc="annotating", unit="seq"):
        row, ann = annotate_sequence(args, job, annotator, cache, settings, formats)
        rows.append(row)
        annotations.append(ann)
        args.done += 1
    if args.suggest:
        atomic_write_text(args.out / "suggest.txt", suggestions_text(annotations))
    frames = sum(int(r["frames"]) for r in rows)
    checked = sum(int(r["keyframes"]) + int(r["flagged"]) for r in rows)
    total = {"sequences": len(rows), "frames": frames, "human_frames": checked}
    total["labour_saved"] = 1.0 - checked / frames if frames else float("nan")
    summary = {
        "total": total,
        "settings": {
            "tracker": args.tracker,
            "threshold": args.threshold,
            "interval": args.interval,
            "tassess": str(args.tassess),
            "refiner": str(args.refiner) if args.refiner else None,
            "adapt_steps": adaptation.steps if refiner is not None else None,
            "refined_share": args.refined_share if refiner is not None else None,
        },
        "sequences": rows,
    }
    atomic_write_text(args.out / "summary.json", json.dumps(summary, indent=2))
    columns = [
        "sequence",
        "frames",
        "keyframes",
        "flagged",
        "suggested",
        "labour_saved",
        "mean_quality",
        "status",
    ]
    print(render_table(rows, columns))
    print(
        f"{frames} frames, {checked} for a human (keyframes + flagged): labour saved "
        f"{total['labour_saved']:.1%}; frames to box next in {args.out / 'suggest.txt'} (or: vasr review "
        f"{args.out})"
    )
    return 0
