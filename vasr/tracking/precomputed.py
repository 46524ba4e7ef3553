"""Tracking results made elsewhere (any tracker, any machine), read into `SequenceTracks`.

Trackers that vasr cannot run (a GPU-only tracker, a proprietary one) can still feed T-Assess: run them
forward and backward over the snippets yourself and write this directory format::

    <dir>/<seq>.forward.txt         one line per frame (exactly N lines): x,y,w,h[,confidence]
    <dir>/<seq>.backward.txt        same, for the backward direction
    <dir>/<seq>.forward_maps.npy    optional: (N, S, S) response maps, any float dtype (numpy .npy, no pickle)
    <dir>/<seq>.backward_maps.npy   optional; give both map files or neither
    <dir>/<seq>.keyframes.txt       optional: the keyframes used, 0-based frame indices, one per line
    <dir>/tracker.json              optional: the tracker's name and settings ({"name": "mytracker", ...})

**Coordinates are 1-based pixels**, as in LaSOT/OTB ground truth, the result files of the usual tracking
toolkits and vasr's own annotation sets (`vasr.annotations.result_dir`); they are converted to vasr's
0-based convention on reading and back on writing. Values are separated by commas (tabs or spaces work too).

Per line: ``nan`` (or ``nan,nan,nan,nan``, or an empty line, or a zero width/height) means "no result for
this frame in this direction"; the confidence is optional (NaN when absent). Keyframe lines should hold the
keyframe box, as `vasr.tracking.snippets.track_sequence` does (the writer writes them). Trailing blank lines
are ignored, so frames at the end without a result must be written ``nan``. Rows of a map file for frames
without a result are ignored (read as zeros). Keyframes come from ``<seq>.keyframes.txt`` or, when that is
absent, from the caller. Precomputed results carry no tracker timing: ``seconds`` is NaN and ``steps`` counts
the non-keyframe results.

Malformed input is an `AnnotationFormatError` naming the file and the 1-based line.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from vasr.atomic import atomic_write
from vasr.data.readers.box_text import parse_numbers, read_index_list, read_text_lines, split_fields
from vasr.directions import DIRECTIONS
from vasr.errors import AnnotationFormatError, DatasetLayoutError
from vasr.tracking.snippets import DirectionTracks, SequenceTracks

_NO_RESULT = {"", "nan", "NaN", "NAN"}


def _parse_line(path: Path, number: int, line: str) -> tuple[np.ndarray, float] | None:
    """(box 1-based, confidence) or None for "no result"."""
    fields = split_fields(line)
    if len(fields) == 1 and fields[0] in _NO_RESULT:
        return None
    if len(fields) not in (4, 5):
        raise AnnotationFormatError(
            path, f"{len(fields)} values; expected x,y,w,h or x,y,w,h,confidence (or nan)", line=number
        )
    values = parse_numbers(fields, path, number)
    box = np.asarray(values[:4])
    if not np.isfinite(box).all():
        return None
    if box[2] < 0 or box[3] < 0:
        raise AnnotationFormatError(path, f"negative box size (w={box[2]:g}, h={box[3]:g})", line=number)
    if box[2] == 0 or box[3] == 0:
        return None
    return box, values[4] if len(values) == 5 else math.nan


def read_direction_file(path: str | Path, num_frames: int | None = None) -> DirectionTracks:
    """One ``<seq>.<direction>.txt`` as 0-based `DirectionTracks` (without maps)."""
    path = Path(path)
    lines = read_text_lines(path)
    if num_frames is not None and len(lines) != num_frames:
        raise AnnotationFormatError(
            path,
            f"holds {len(lines)} lines but the sequence has {num_frames} frames (one line per frame; "
            "write nan for frames without a result, trailing blank lines are ignored)",
        )
    result = DirectionTracks.empty(len(lines), None)
    for number, line in enumerate(lines, start=1):
        parsed = _parse_line(path, number, line)
        if parsed is None:
            continue
        box, confidence = parsed
        result.boxes[number - 1] = box - np.array([1.0, 1.0, 0.0, 0.0])
        result.confidences[number - 1] = confidence
        result.valid[number - 1] = True
    return result


def _read_maps(path: Path, num_frames: int, valid: np.ndarray) -> np.ndarray:
    try:
        maps = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise AnnotationFormatError(path, f"is not a readable .npy array ({error})") from None
    if maps.ndim != 3 or maps.shape[0] != num_frames or maps.shape[1] != maps.shape[2]:
        raise AnnotationFormatError(path, f"has shape {maps.shape}; expected ({num_frames}, S, S)")
    if not np.issubdtype(maps.dtype, np.number):
        raise AnnotationFormatError(path, f"has dtype {maps.dtype}; expected numbers")
    maps = maps.astype(np.float16)
    maps[~valid] = 0
    return maps


def _with_maps(result: DirectionTracks, maps: np.ndarray | None) -> DirectionTracks:
    return DirectionTracks(result.boxes, result.confidences, maps, result.valid)


def read_precomputed_tracks(
    directory: str | Path,
    name: str,
    num_frames: int | None = None,
    keyframes: np.ndarray | list[int] | None = None,
) -> SequenceTracks:
    """The precomputed results of sequence ``name`` in ``directory`` (format in the module docstring).

    ``num_frames``, when given, must equal the line count; ``keyframes`` is used when the directory holds no
    ``<name>.keyframes.txt`` (one of the two is required)."""
    directory = Path(directory)
    paths = {d: directory / f"{name}.{d}.txt" for d in DIRECTIONS}
    for path in paths.values():
        if not path.is_file():
            raise DatasetLayoutError(path, "precomputed tracking result is missing for this sequence")
    forward = read_direction_file(paths["forward"], num_frames)
    backward = read_direction_file(paths["backward"], len(forward))
    n = len(forward)
    map_paths = {d: directory / f"{name}.{d}_maps.npy" for d in DIRECTIONS}
    present = [d for d, p in map_paths.items() if p.is_file()]
    if len(present) == 1:
        missing = map_paths[DIRECTIONS[1 - DIRECTIONS.index(present[0])]]
        raise DatasetLayoutError(missing, f"missing while {map_paths[present[0]].name} exists (give both)")
    if present:
        forward = _with_maps(forward, _read_maps(map_paths["forward"], n, forward.valid))
        backward = _with_maps(backward, _read_maps(map_paths["backward"], n, backward.valid))
        if forward.responses.shape != backward.responses.shape:
            raise AnnotationFormatError(map_paths["backward"], "maps differ in size from the forward ones")
    keys = _keyframes(directory / f"{name}.keyframes.txt", n, keyframes)
    is_key = np.zeros(n, dtype=bool)
    is_key[keys] = True
    return SequenceTracks(
        name=name,
        keyframes=keys,
        forward=forward,
        backward=backward,
        tracker=_tracker(directory / "tracker.json"),
        steps=int((forward.valid & ~is_key).sum() + (backward.valid & ~is_key).sum()),
        seconds=math.nan,
    )


def _keyframes(path: Path, num_frames: int, given: np.ndarray | list[int] | None) -> np.ndarray:
    if path.is_file():
        keys = read_index_list(path, upper=num_frames)
        if keys.size == 0:
            raise AnnotationFormatError(path, "lists no keyframe")
        return keys
    if given is None:
        raise DatasetLayoutError(path, "keyframes are needed: write this file or pass keyframes")
    keys = np.asarray(given, dtype=np.int64).reshape(-1)
    if keys.size == 0 or np.any(np.diff(keys) <= 0) or keys[0] < 0 or keys[-1] >= num_frames:
        raise ValueError(f"keyframes must increase strictly within 0..{num_frames - 1}, got {keys.tolist()}")
    return keys


def _tracker(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {"name": "precomputed"}
    try:
        config = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as error:
        raise AnnotationFormatError(path, f"is not valid JSON ({error})") from None
    if not isinstance(config, dict) or not isinstance(config.get("name"), str):
        raise AnnotationFormatError(path, 'must be a JSON object with a "name" string')
    return config


def _format_direction(result: DirectionTracks) -> str:
    lines = []
    for box, confidence, valid in zip(result.boxes, result.confidences, result.valid, strict=True):
        if not valid or not np.isfinite(box).all():
            lines.append("nan")
            continue
        x, y, w, h = box
        text = f"{x + 1:.3f},{y + 1:.3f},{w:.3f},{h:.3f}"
        lines.append(text + (f",{confidence:.6g}" if np.isfinite(confidence) else ""))
    return "\n".join(lines) + "\n"


def write_precomputed_tracks(directory: str | Path, tracks: SequenceTracks) -> Path:
    """Write ``tracks`` in the precomputed format (boxes to 3 decimals, confidences to 6 significant digits);
    every file atomically. Returns the forward file's path. ``tracker.json`` is shared by the directory:
    writing another tracker's results into it is an error."""
    directory = Path(directory)
    tracker_path = directory / "tracker.json"
    if tracker_path.is_file() and _tracker(tracker_path) != json.loads(
        json.dumps(tracks.tracker, default=str)
    ):
        raise AnnotationFormatError(tracker_path, f"holds another tracker's settings than {tracks.tracker}")
    tracker_text = json.dumps(tracks.tracker, sort_keys=True, indent=2, default=str) + "\n"
    atomic_write(tracker_path, lambda handle: handle.write(tracker_text.encode()))
    keys_text = "".join(f"{int(k)}\n" for k in tracks.keyframes)
    atomic_write(directory / f"{tracks.name}.keyframes.txt", lambda handle: handle.write(keys_text.encode()))
    for direction in DIRECTIONS:
        result: DirectionTracks = getattr(tracks, direction)
        maps_path = directory / f"{tracks.name}.{direction}_maps.npy"
        if result.responses is not None:
            buffer = io.BytesIO()
            np.save(buffer, np.asarray(result.responses, dtype=np.float16), allow_pickle=False)
            payload = buffer.getvalue()
            atomic_write(maps_path, lambda handle, data=payload: handle.write(data))
        else:
            maps_path.unlink(missing_ok=True)
        text = _format_direction(result)
        atomic_write(
            directory / f"{tracks.name}.{direction}.txt", lambda handle, t=text: handle.write(t.encode())
        )
    return directory / f"{tracks.name}.forward.txt"
