"""Trackers side by side on the same data in the same run: accuracy of forward, backward and blended tracks,
speed, and how well each tracker's confidence predicts a good box.

Protocol (the one of the peers' published figures): keyframes every ``--interval`` frames plus the last; every
snippet tracked forward from its first keyframe and backward from its last (``vasr.tracking.snippets``);
scored on the frames strictly between keyframes whose ground truth is visible, pooled over frames; Acc@t
counts IoU > t. The same figures per fold of the sequences (`vasr.data.folds`): the presets' settings were
chosen on fold 0 of the real clips, so fold 1 is their held-out score. Speed is tracker steps per second
inside the tracker calls (decoding excluded), as a total (all steps / all seconds) and as the median over
sequences (how the peers report it). The confidence's ROC-AUC asks whether a tracker knows when it is right
(IoU > 0.5), which is what T-Assess builds on; beside it, the share of frames (both directions) where the
box has lost the target (IoU < 0.1) and the median confidence on good boxes (IoU > 0.7) and on lost ones: a
tracker that is lost with a confidence near its good one is lost on something that looks like the target.
The ``best-of-two`` row is no method: it takes, per frame, the better of the forward and backward box by the
ground truth, so it is the ceiling of any choice between the two directions (T-Assess's selection, a
blend's weights) on these tracks. Two more diagnostic figures
say what the forward error is made of: the forward mIoU with the ground truth's size put at the track's
centre (what a perfect size estimate would give) and with the track's size put at the ground truth's
centre (what perfect localisation would give). A last table says where between the two human boxes the
error lies: each direction's mIoU over the frames in each fifth of their snippet's length (from the
snippet's first keyframe to its last, so the backward track starts in the last fifth), and one more the mIoU
of both directions' boxes 1, 2, 3, 5, 10 and 15 frames after the human box their track started on (how
close to the human's box a tracker stays once it runs on its own).

    python benchmarks/bench_tracker.py --root ../shared/data/real
    python benchmarks/bench_tracker.py --root ../shared/data/real --trackers kcf --limit 3
    python benchmarks/bench_tracker.py --root data/synth --dataset lasot --trackers dcf,dcf-accurate

A tracker that cannot be built (not importable yet, optional dependency missing) is reported as unavailable;
one that fails while tracking is reported as an error and makes the exit status 1.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import torch
from tqdm import tqdm

from vasr.atomic import atomic_write_text
from vasr.baselines.blend import blend_by_distance
from vasr.data.folds import category_fold
from vasr.data.keyframes import enclosing_keyframes, keyframe_indices, snippet_progress
from vasr.data.readers import DATASETS, load_dataset
from vasr.data.sequence import Sequence
from vasr.errors import VasrError
from vasr.geometry.boxes import box_iou, cxcywh_to_xywh, xywh_to_cxcywh
from vasr.metrics import summarize
from vasr.metrics.ranking import roc_auc
from vasr.tables import csv_text, render_table
from vasr.tracking.registry import (
    SETS,
    UnknownTrackerError,
    build_batch_tracker,
    check_tracker_options,
    options_for,
    parse_tracker_options,
    tracker_config,
)
from vasr.tracking.snippets import SequenceTracks, track_sequence

DIRECTIONS = ("forward", "backward", "blend", "best-of-two")
METRICS = ("miou", "acc50", "acc70")
RATIO_KEYS = ("forward_miou", "forward_acc70", "steps_per_s")
JSON_ONLY = ("config", "folds", "forward_miou_per_sequence", "miou_by_progress", "miou_by_distance")  # nested
ERROR_SPLIT = ("forward_true_size", "forward_true_centre")  # diagnostic: the forward track, one part exact
PROGRESS_BINS = 5  # diagnostic: mIoU by position within the snippet, in fifths of its length
DISTANCES = (1, 2, 3, 5, 10, 15)  # diagnostic: mIoU this many frames after the human box a track starts on
LOST_IOU = 0.1  # diagnostic: a box this far off has lost the target
FOLD_KEYS = ("forward_miou", "forward_acc70", "blend_miou", "blend_acc70", "conf_auc")


def _iou(boxes: np.ndarray, gt: np.ndarray) -> np.ndarray:
    return box_iou(torch.as_tensor(boxes), torch.as_tensor(gt)).numpy()


def error_split(boxes: np.ndarray, gt: np.ndarray) -> dict[str, np.ndarray]:
    """Per-frame IoU of ``boxes`` made exact in one part: ``true_size`` keeps each box's centre with the
    ground truth's size, ``true_centre`` keeps its size at the ground truth's centre. How far each lies
    above the boxes' own IoU is what the other part costs."""
    track, truth = xywh_to_cxcywh(boxes), xywh_to_cxcywh(gt)
    true_size = cxcywh_to_xywh(torch.cat((track[:, :2], truth[:, 2:]), dim=1)).numpy()
    true_centre = cxcywh_to_xywh(torch.cat((truth[:, :2], track[:, 2:]), dim=1)).numpy()
    return {"true_size": _iou(true_size, gt), "true_centre": _iou(true_centre, gt)}


def miou_by_progress(iou: np.ndarray, progress: np.ndarray, bins: int = PROGRESS_BINS) -> list[float]:
    """Mean IoU of the frames in each of ``bins`` equal slices of the snippets' length (NaN progress and
    NaN IoU left out; an empty slice is NaN): where between the two human boxes a track goes wrong."""
    known = np.isfinite(progress) & np.isfinite(iou)
    slot = np.minimum((progress[known] * bins).astype(np.int64), bins - 1)
    values = iou[known]
    return [float(values[slot == k].mean()) if (slot == k).any() else math.nan for k in range(bins)]


def lost_diagnostics(confidence: np.ndarray, iou: np.ndarray) -> dict[str, float]:
    """The share of boxes that lost the target (IoU < :data:`LOST_IOU`; no box counts as lost) and the
    median confidence on the good boxes (IoU > 0.7) and on the lost ones (NaN confidences left out; NaN
    when there are none): whether the tracker still believes in what it follows once it is lost."""
    lost, good = np.nan_to_num(iou) < LOST_IOU, iou > 0.7
    known = np.isfinite(confidence)
    row = {"lost_share": float(lost.mean()) if len(iou) else math.nan}
    for name, frames in (("good", good), ("lost", lost)):
        chosen = confidence[known & frames]
        row[f"conf_median_{name}"] = float(np.median(chosen)) if chosen.size else math.nan
    return row


def start_distance(keyframes: np.ndarray, num_frames: int) -> dict[str, np.ndarray]:
    """Per frame, how many frames the forward and the backward track of its snippet have run since the
    human box each started on (NaN on keyframes and outside the first and last keyframe)."""
    before, after = enclosing_keyframes(keyframes, num_frames)
    frames = np.arange(num_frames)
    inside = (after > before) & (frames != before)
    return {
        "forward": np.where(inside, frames - before, np.nan),
        "backward": np.where(inside, after - frames, np.nan),
    }


def miou_by_distance(iou: np.ndarray, distance: np.ndarray, at: tuple[int, ...] = DISTANCES) -> list[float]:
    """Mean IoU of the boxes exactly ``d`` frames after their track's human box, for each ``d`` in ``at``
    (NaN IoU left out; NaN where there is none): how fast a track parts from the human's box."""
    known = np.isfinite(iou)
    masks = [known & (distance == d) for d in at]
    return [float(iou[m].mean()) if m.any() else math.nan for m in masks]


class TrackerScores:
    """Per-frame outcomes of one tracker, accumulated over sequences."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.iou: dict[str, list[np.ndarray]] = {d: [] for d in (*DIRECTIONS, *ERROR_SPLIT)}
        self.evaluated: list[np.ndarray] = []
        self.is_keyframe: list[np.ndarray] = []
        self.progress: list[np.ndarray] = []  # per sequence: every frame's `snippet_progress`
        self.confidence: list[np.ndarray] = []  # forward and backward, evaluated frames
        self.scored_iou: list[np.ndarray] = []  # the IoU of the same frames
        self.scored_distance: list[np.ndarray] = []  # their `start_distance`
        self.steps = 0
        self.seconds = 0.0
        self.rates: list[float] = []

    def add(self, sequence: Sequence, tracks: SequenceTracks) -> None:
        is_keyframe = np.zeros(len(sequence), dtype=bool)
        is_keyframe[tracks.keyframes] = True
        evaluated = sequence.visible & ~is_keyframe
        self.names.append(sequence.name)
        boxes = {"forward": tracks.forward.boxes, "backward": tracks.backward.boxes}
        boxes["blend"] = blend_by_distance(tracks)
        for direction in ("forward", "backward", "blend"):
            self.iou[direction].append(_iou(boxes[direction], sequence.boxes))
        self.iou["best-of-two"].append(np.fmax(self.iou["forward"][-1], self.iou["backward"][-1]))
        for part, iou in error_split(tracks.forward.boxes, sequence.boxes).items():
            self.iou[f"forward_{part}"].append(iou)
        distance = start_distance(tracks.keyframes, len(sequence))
        for direction in ("forward", "backward"):
            self.confidence.append(getattr(tracks, direction).confidences[evaluated])
            self.scored_iou.append(self.iou[direction][-1][evaluated])
            self.scored_distance.append(distance[direction][evaluated])
        self.evaluated.append(evaluated)
        self.is_keyframe.append(is_keyframe)
        self.progress.append(snippet_progress(tracks.keyframes, len(sequence)))
        self.steps += tracks.steps
        self.seconds += tracks.seconds
        if tracks.seconds > 0:
            self.rates.append(tracks.steps / tracks.seconds)

    def subset(self, names: list[str]) -> TrackerScores:
        """The outcomes of the sequences in ``names`` only (the scored frames' lists: two per sequence)."""
        keep = [i for i, name in enumerate(self.names) if name in set(names)]
        part = TrackerScores()
        part.names = [self.names[i] for i in keep]
        part.iou = {d: [v[i] for i in keep] for d, v in self.iou.items()}
        part.evaluated = [self.evaluated[i] for i in keep]
        part.is_keyframe = [self.is_keyframe[i] for i in keep]
        part.progress = [self.progress[i] for i in keep]
        part.confidence = [self.confidence[2 * i + j] for i in keep for j in (0, 1)]
        part.scored_iou = [self.scored_iou[2 * i + j] for i in keep for j in (0, 1)]
        part.scored_distance = [self.scored_distance[2 * i + j] for i in keep for j in (0, 1)]
        return part

    def summary(self) -> dict[str, Any]:
        evaluated, is_keyframe = np.concatenate(self.evaluated), np.concatenate(self.is_keyframe)
        row: dict[str, Any] = {"sequences": len(self.evaluated), "evaluated": int(evaluated.sum())}
        for direction in DIRECTIONS:
            pooled = summarize(
                np.concatenate(self.iou[direction]), evaluated, is_keyframe, np.zeros_like(evaluated)
            )
            row.update({f"{direction}_{m}": pooled[m] for m in METRICS})
        for part in ERROR_SPLIT:
            iou = np.concatenate(self.iou[part])
            row[f"{part}_miou"] = float(iou[evaluated].mean()) if evaluated.any() else math.nan
        progress = np.where(evaluated, np.concatenate(self.progress), np.nan)
        row["miou_by_progress"] = {
            d: miou_by_progress(np.concatenate(self.iou[d]), progress) for d in ("forward", "backward")
        }
        row["forward_miou_per_sequence"] = {
            name: float(np.nanmean(iou[ev])) if ev.any() else math.nan
            for name, iou, ev in zip(self.names, self.iou["forward"], self.evaluated, strict=True)
        }
        row["steps"] = self.steps
        row["seconds"] = self.seconds
        row["steps_per_s"] = self.steps / self.seconds if self.seconds > 0 else math.nan
        row["median_steps_per_s"] = statistics.median(self.rates) if self.rates else math.nan
        confidence, iou = np.concatenate(self.confidence), np.concatenate(self.scored_iou)
        known = np.isfinite(confidence)
        row["conf_auc"] = roc_auc(confidence[known], iou[known] > 0.5) if known.any() else math.nan
        row.update(lost_diagnostics(confidence, iou))
        row["miou_by_distance"] = miou_by_distance(iou, np.concatenate(self.scored_distance))
        return row


def bench_tracker(
    name: str,
    sequences: list[Sequence],
    interval: int,
    folds: int = 0,
    options: dict[str, Any] | None = None,
    kept: dict[str, TrackerScores] | None = None,
) -> dict[str, Any]:
    """One tracker over every sequence; its row of the table (``status`` says whether it ran), with the
    accuracy per fold under ``folds`` when ``folds > 1``. ``options`` go to the tracker's constructor;
    ``kept`` receives its per-frame outcomes under its name (for `ensemble_ceiling`)."""
    try:
        tracker = build_batch_tracker(name, **(options or {}))
    except (ImportError, VasrError, AttributeError, TypeError) as exc:
        return {"tracker": name, "status": f"unavailable: {exc}"}
    scores = TrackerScores()
    try:
        for sequence in tqdm(sequences, desc=name, unit="seq", file=sys.stderr):
            keys = keyframe_indices(len(sequence), interval, include_last=True)
            scores.add(sequence, track_sequence(sequence, tracker, keys))
    except Exception as exc:  # keep the other trackers' results; the exit status reports it
        return {"tracker": name, "status": f"error: {type(exc).__name__}: {exc}"}
    row = {"tracker": name, "status": "ok", **scores.summary(), "config": tracker_config(tracker)}
    if kept is not None:
        kept[name] = scores
    names = [s.name for s in sequences]
    if folds > 1 and len(names) >= folds:
        row["folds"] = [
            {k: scores.subset(category_fold(names, f, folds)).summary()[k] for k in ("sequences", *FOLD_KEYS)}
            for f in range(folds)
        ]
    return row


ENSEMBLE = SETS["ensemble"]  # the default set's members


def ensemble_ceiling(kept: dict[str, TrackerScores], members: tuple[str, ...] = ENSEMBLE) -> dict[str, Any]:
    """The ``ensemble`` row: per frame the best of every member's forward and backward box by the ground
    truth (no method: the ceiling of any selection among those candidates), and the set's speed (a step
    advances a track in every member, so its seconds are the members' summed)."""
    if not all(m in kept for m in members):
        return {"tracker": "ensemble", "status": f"unavailable: needs {', '.join(members)}"}
    parts = [kept[m] for m in members]
    best = [np.fmax.reduce([p.iou[d][i] for p in parts for d in ("forward", "backward")])
            for i in range(len(parts[0].names))]  # fmt: skip
    evaluated, is_keyframe = np.concatenate(parts[0].evaluated), np.concatenate(parts[0].is_keyframe)
    pooled = summarize(np.concatenate(best), evaluated, is_keyframe, np.zeros_like(evaluated))
    seconds = sum(p.seconds for p in parts)
    return {
        "tracker": "ensemble",
        "status": "ok",
        "members": list(members),
        "evaluated": int(evaluated.sum()),
        **{f"best_{m}": pooled[m] for m in METRICS},
        "steps": parts[0].steps,
        "seconds": seconds,
        "steps_per_s": parts[0].steps / seconds if seconds > 0 else math.nan,
    }


def ratios(rows: list[dict[str, Any]], top: str = "dcf", base: str = "csrt") -> dict[str, float]:
    """``top / base`` for forward mIoU, forward Acc@0.7 and steps/s (NaN unless both ran)."""
    by_name = {r["tracker"]: r for r in rows if r.get("status") == "ok"}
    if top not in by_name or base not in by_name:
        return {key: math.nan for key in RATIO_KEYS}
    a, b = by_name[top], by_name[base]
    return {key: a[key] / b[key] if b[key] else math.nan for key in RATIO_KEYS}


def _fmt(value: Any, kind: str = "f3") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "f1":
        return f"{value:.1f}"
    if kind == "f2":
        return f"{value:.2f}"
    return f"{value:.3f}"


def dcf_ratios(rows: list[dict[str, Any]], base: str = "csrt") -> dict[str, dict[str, float]]:
    """`ratios` of every built-in tracker (``dcf*``, ``nanotrack*``) that was asked for, against ``base``."""
    ours = ("dcf", "nanotrack")
    return {r["tracker"]: ratios(rows, r["tracker"], base) for r in rows if r["tracker"].startswith(ours)}


def _markdown(header: list[str], cells: list[list[str]]) -> list[str]:
    """A blank line, then a Markdown table (`render_table`) of ``header`` and one row per ``cells`` entry."""
    rows = [dict(zip(header, row, strict=True)) for row in cells]
    return ["", render_table(rows, header, markdown=True)]


def format_table(
    rows: list[dict[str, Any]], over: dict[str, dict[str, float]], ensemble: dict[str, Any] | None = None
) -> str:
    """Markdown: one line per tracker and direction, then speed and confidence, then the folds, then the
    ensemble's ceiling and speed, then each preset / csrt."""
    cells = []
    for row in rows:
        if row["status"] != "ok":
            cells.append([row["tracker"], row["status"], "", "", "", ""])
            continue
        cells += [
            [row["tracker"], d, _fmt(row["evaluated"], "int"), _fmt(row[f"{d}_miou"]),
             _fmt(row[f"{d}_acc50"], "pct"), _fmt(row[f"{d}_acc70"], "pct")]
            for d in DIRECTIONS
        ]  # fmt: skip
    lines = _markdown(["tracker", "direction", "frames", "mIoU", "Acc@0.5", "Acc@0.7"], cells)[1:]
    ok = [row for row in rows if row["status"] == "ok"]
    lines += _markdown(
        ["tracker", "sequences", "steps", "seconds", "steps/s (total)", "steps/s (median)",
         "confidence ROC-AUC", "lost (IoU < 0.1)", "median confidence: good / lost"],
        [
            [row["tracker"], str(row["sequences"]), _fmt(row["steps"], "int"), _fmt(row["seconds"], "f1"),
             _fmt(row["steps_per_s"], "f1"), _fmt(row["median_steps_per_s"], "f1"), _fmt(row["conf_auc"]),
             _fmt(row["lost_share"], "pct"),
             f"{_fmt(row['conf_median_good'], 'f2')} / {_fmt(row['conf_median_lost'], 'f2')}"]
            for row in ok
        ],
    )  # fmt: skip
    lines += _markdown(
        ["tracker", "forward mIoU", "with the true size", "with the true centre"],
        [
            [row["tracker"], _fmt(row["forward_miou"]), _fmt(row["forward_true_size_miou"]),
             _fmt(row["forward_true_centre_miou"])]
            for row in ok
        ],
    )  # fmt: skip
    slices = [f"{100 * k // PROGRESS_BINS}-{100 * (k + 1) // PROGRESS_BINS}%" for k in range(PROGRESS_BINS)]
    lines += _markdown(
        ["tracker", "direction", *slices],
        [
            [row["tracker"], d, *(_fmt(v) for v in row["miou_by_progress"][d])]
            for row in ok
            for d in ("forward", "backward")
        ],
    )
    lines += _markdown(
        ["tracker", *(f"{d} frame{'s' if d > 1 else ''}" for d in DISTANCES)],
        [[row["tracker"], *(_fmt(v) for v in row["miou_by_distance"])] for row in ok],
    )
    folds = [(row["tracker"], f, part) for row in ok for f, part in enumerate(row.get("folds", []))]
    if folds:
        lines += _markdown(
            ["tracker", "fold", "sequences", "forward mIoU", "forward Acc@0.7", "blend mIoU", "blend Acc@0.7",
             "ROC-AUC"],
            [
                [name, str(f), str(part["sequences"]), _fmt(part["forward_miou"]),
                 _fmt(part["forward_acc70"], "pct"), _fmt(part["blend_miou"]),
                 _fmt(part["blend_acc70"], "pct"), _fmt(part["conf_auc"])]
                for name, f, part in folds
            ],
        )  # fmt: skip
    if ensemble is not None and ensemble.get("status") == "ok":
        csrt = {r["tracker"]: r for r in ok}.get("csrt")
        speed = ensemble["steps_per_s"] / csrt["steps_per_s"] if csrt else math.nan
        lines += _markdown(
            ["candidates", "frames", "best-of-candidates mIoU", "Acc@0.5", "Acc@0.7", "steps/s",
             "steps/s / csrt"],
            [[" + ".join(ensemble["members"]) + " (both directions each)", _fmt(ensemble["evaluated"], "int"),
              _fmt(ensemble["best_miou"]), _fmt(ensemble["best_acc50"], "pct"),
              _fmt(ensemble["best_acc70"], "pct"),
              _fmt(ensemble["steps_per_s"], "f1"), _fmt(speed, "f2")]],
        )  # fmt: skip
    lines.append("")
    for name, ratio in over.items():
        lines.append(f"{name} / csrt: " + ", ".join(f"{k} {_fmt(v)}" for k, v in ratio.items()))
    return "\n".join(lines)


def write_outputs(
    rows: list[dict[str, Any]], report: dict[str, Any], csv_path: Path, json_path: Path
) -> None:
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.parent.mkdir(parents=True, exist_ok=True)
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in JSON_ONLY and k not in columns]
    atomic_write_text(
        csv_path, csv_text([{k: v for k, v in row.items() if k not in JSON_ONLY} for row in rows], columns)
    )
    atomic_write_text(json_path, json.dumps(_no_nan(report), indent=2, default=str, allow_nan=False) + "\n")


def _no_nan(value: Any) -> Any:
    """NaN (n/a) as JSON ``null``: strict JSON has no NaN."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _no_nan(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_no_nan(v) for v in value]
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--root", type=Path, default=Path("../shared/data/real"), help="dataset root")
    parser.add_argument("--dataset", default="otb", choices=sorted(DATASETS), help="layout of --root")
    parser.add_argument("--interval", type=int, default=30, help="keyframe interval (plus the last frame)")
    parser.add_argument(
        "--trackers",
        default="dcf,dcf-accurate,nanotrack,nanotrack-v3,csrt,kcf",
        help="comma-separated registry names",
    )
    parser.add_argument(
        "--nanotrack",
        default=Path("../shared/models/nanotrack"),
        type=Path,
        help="folder of NanoTrack's weights (v2/, v3/); the nanotrack rows are unavailable without it",
    )
    parser.add_argument("--folds", type=int, default=2, help="also score each of N folds (0: no folds)")
    parser.add_argument(
        "--tracker-option",
        dest="options",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a setting of the trackers that take it (repeatable; VALUE in YAML: 0.3, true, [5, 8]), e.g. "
        "--tracker-option end_weight=0 to measure dcf-accurate without its end filter, or learning_rate=0.1 "
        "for NanoTrack's size update; a KEY no tracker takes is an error",
    )
    parser.add_argument("--limit", type=int, default=None, help="only the first N sequences (quick run)")
    parser.add_argument("--threads", type=int, default=None, help="torch and OpenCV threads (default: as is)")
    parser.add_argument("--csv", type=Path, default=Path("results/bench/tracker.csv"))
    parser.add_argument("--json", type=Path, default=Path("results/bench/tracker.json"))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any] | None:
    """Run the benchmark; returns the report (None when the data is absent and the run was skipped)."""
    args = parse_args(argv)
    if not args.root.is_dir():
        print(f"skipping the tracker benchmark: {args.root} not found", file=sys.stderr)
        return None
    if args.threads is not None:
        torch.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)
    sequences = load_dataset(args.dataset, args.root)
    sequences = sequences[: args.limit] if args.limit is not None else sequences
    names = [n.strip() for n in args.trackers.split(",") if n.strip()]
    started = time.time()
    try:
        options = parse_tracker_options(args.options)
        check_tracker_options(options)
    except VasrError as error:
        raise SystemExit(f"--tracker-option: {error}") from None
    kept: dict[str, TrackerScores] = {}

    def options_of(name: str) -> dict[str, Any]:
        weights = {"weights": str(args.nanotrack)} if name.startswith("nanotrack") else {}
        try:
            return {**weights, **options_for(name, options)}  # each tracker the options it takes
        except UnknownTrackerError:
            return weights  # bench_tracker reports the name as unavailable

    rows = [bench_tracker(n, sequences, args.interval, args.folds, options_of(n), kept) for n in names]
    ensemble = ensemble_ceiling(kept)
    over = dcf_ratios(rows)
    report = {
        "root": str(args.root),
        "dataset": args.dataset,
        "interval": args.interval,
        "tracker_options": options,
        "sequences": [s.name for s in sequences],
        "threads": {"torch": torch.get_num_threads(), "opencv": cv2.getNumThreads()},
        "opencv": cv2.__version__,
        "torch": torch.__version__,
        "wall_seconds": time.time() - started,
        "trackers": rows,
        "ensemble": ensemble,
        "over_csrt": over,
    }
    write_outputs(rows, report, args.csv, args.json)
    table = format_table(rows, over, ensemble)
    atomic_write_text(args.json.with_suffix(".md"), table + "\n")  # docs/trackers.md's table
    print(table)
    print(f"\nwritten: {args.csv}, {args.json}")
    return report


if __name__ == "__main__":
    result = main()
    failed = result is not None and any(r["status"].startswith("error") for r in result["trackers"])
    sys.exit(1 if failed else 0)
