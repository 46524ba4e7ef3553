"""The track cache: tracking a dataset once and reusing it for every later experiment.

Tracking is the slowest stage (CSRT runs ~50 steps/s), and everything after it (T-Assess training, the
baselines, the ablations) reads the same tracks, so they are stored per sequence and reused.

Layout::

    <root>/<key>/key.json     what the entries were made with (human readable): tracker config,
                              keyframe interval, whether the last frame is a keyframe, response-map size,
                              format version
    <root>/<key>/<seq>.npz    one entry per sequence (numpy .npz, no pickled objects)

``<key>`` is the first 16 hex digits of the SHA-256 of ``key.json``'s content, so a different tracker
setting or keyframe schedule never reads another's results. Each entry also stores a fingerprint of its
sequence (frame count, keyframe indices and keyframe boxes): a sequence whose annotation changed is tracked
again.

Entry arrays: ``format_version``, ``name``, ``fingerprint``, ``keyframes``, ``tracker`` (JSON text),
``steps``, ``seconds``, and per direction ``d`` in {forward, backward}: ``d_boxes`` (N, 4),
``d_confidences`` (N,), ``d_valid`` (N,) and, when the tracker gives maps, ``d_responses`` (N, S, S) float16.

Robustness: an entry is written to a temporary file in the same directory, fsynced and renamed, so a killed
run leaves either the complete entry or none (a stray ``.<seq>.npz.*.tmp`` at worst, never read). A truncated
or corrupt entry (the zip CRC catches bit rot) is reported with a `TrackCacheWarning` naming the file and
tracked again. A killed run therefore resumes where it stopped: only sequences without a valid entry are
tracked. Several processes may fill one cache at once as long as each sequence has one writer (see
`vasr.tracking.distributed`).
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zipfile
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from vasr.atomic import atomic_write
from vasr.data.keyframes import Keyframes, keyframe_indices
from vasr.data.sequence import Sequence
from vasr.directions import DIRECTIONS
from vasr.errors import VasrError
from vasr.tracking.base import BatchTracker, TrackerSet
from vasr.tracking.registry import tracker_config
from vasr.tracking.snippets import DirectionTracks, SequenceTracks, combine_candidates, track_sequence

FORMAT_VERSION = 1


class TrackCacheError(VasrError):
    """The cache directory is inconsistent (a key.json that does not match its directory name)."""


class TrackCacheWarning(UserWarning):
    """A cache entry could not be used and is being recomputed."""


def cache_key(
    tracker: dict[str, Any], interval: int, include_last: bool, response_size: int | None
) -> dict[str, Any]:
    """Everything that changes the content of an entry (besides the sequence itself)."""
    return {
        "format_version": FORMAT_VERSION,
        "tracker": tracker,
        "interval": int(interval),
        "include_last": bool(include_last),
        "response_size": None if response_size is None else int(response_size),
    }


def _key_text(key: dict[str, Any]) -> str:
    return json.dumps(key, sort_keys=True, indent=2, default=str) + "\n"


def sequence_fingerprint(sequence: Sequence, keyframes: Keyframes | np.ndarray) -> str:
    """Hash of what the tracks of ``sequence`` depend on: frame count, keyframes and the human's boxes on
    them (NaN where the target is absent; frame indices: the ground truth plays the human)."""
    if not isinstance(keyframes, Keyframes):
        keyframes = Keyframes.of(sequence, keyframes)
    keys = keyframes.indices
    boxes = keyframes.boxes.astype("<f8")
    digest = hashlib.sha256()
    digest.update(np.int64(len(sequence)).astype("<i8").tobytes())
    digest.update(keys.astype("<i8").tobytes())
    digest.update(np.nan_to_num(boxes, nan=-1e300).tobytes())
    return digest.hexdigest()


def _file_name(name: str) -> str:
    """A sequence name as one safe file name (path separators and '%' percent-encoded)."""
    return name.replace("%", "%25").replace("/", "%2F").replace("\\", "%5C") + ".npz"


def _track_arrays(tracks: SequenceTracks, prefix: str = "") -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {
        "name": np.array(tracks.name),
        "keyframes": np.asarray(tracks.keyframes, dtype=np.int64),
        "tracker": np.array(json.dumps(tracks.tracker, sort_keys=True, default=str)),
        "steps": np.array(tracks.steps, dtype=np.int64),
        "seconds": np.array(tracks.seconds, dtype=np.float64),
    }
    for direction in DIRECTIONS:
        result: DirectionTracks = getattr(tracks, direction)
        arrays[f"{direction}_boxes"] = result.boxes.astype(np.float64)
        arrays[f"{direction}_confidences"] = result.confidences.astype(np.float64)
        arrays[f"{direction}_valid"] = result.valid.astype(bool)
        if result.responses is not None:
            arrays[f"{direction}_responses"] = result.responses.astype(np.float16)
    return {prefix + key: value for key, value in arrays.items()}


def write_entry(path: Path, tracks: SequenceTracks, fingerprint: str) -> None:
    """Write one entry atomically: temporary file beside ``path``, fsync, rename. A tracker set's entry
    holds each member's arrays too, prefixed ``candidate<k>_``."""
    arrays = {
        "format_version": np.array(FORMAT_VERSION, dtype=np.int64),
        "fingerprint": np.array(fingerprint),
        "candidates": np.array(len(tracks.candidates), dtype=np.int64),
        **_track_arrays(tracks),
    }
    for k, member in enumerate(tracks.candidates):
        arrays.update(_track_arrays(member, f"candidate{k}_"))
    atomic_write(path, lambda handle: np.savez_compressed(handle, **arrays))


def _read_tracks(arrays: dict[str, np.ndarray], prefix: str = "") -> SequenceTracks:
    directions = {}
    n = len(arrays[f"{prefix}forward_valid"])
    for direction in DIRECTIONS:
        result = DirectionTracks(
            boxes=arrays[f"{prefix}{direction}_boxes"],
            confidences=arrays[f"{prefix}{direction}_confidences"],
            responses=arrays.get(f"{prefix}{direction}_responses"),
            valid=arrays[f"{prefix}{direction}_valid"].astype(bool),
        )
        shapes = [result.boxes.shape, result.confidences.shape, result.valid.shape]
        if shapes != [(n, 4), (n,), (n,)] or (result.responses is not None and len(result.responses) != n):
            raise ValueError(f"inconsistent array shapes in the {prefix}{direction} results")
        directions[direction] = result
    return SequenceTracks(
        name=str(arrays[f"{prefix}name"]),
        keyframes=arrays[f"{prefix}keyframes"].astype(np.int64),
        forward=directions["forward"],
        backward=directions["backward"],
        tracker=json.loads(str(arrays[f"{prefix}tracker"])),
        steps=int(arrays[f"{prefix}steps"]),
        seconds=float(arrays[f"{prefix}seconds"]),
    )


def read_entry(path: Path) -> tuple[SequenceTracks, str]:
    """One entry and its stored fingerprint. Raises OSError, ValueError, KeyError, EOFError,
    zipfile.BadZipFile or zlib.error on a truncated or corrupt file (every array is read in full, so the zip
    CRC of each one is checked)."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    version = int(arrays["format_version"])
    if version != FORMAT_VERSION:
        raise ValueError(f"format version {version}, expected {FORMAT_VERSION}")
    tracks = _read_tracks(arrays)
    count = int(arrays.get("candidates", 0))
    if count:
        members = tuple(_read_tracks(arrays, f"candidate{k}_") for k in range(count))
        tracks = replace(tracks, candidates=members)
    return tracks, str(arrays["fingerprint"])


class CacheBucket:
    """The entries made with one cache key: ``<root>/<key>/``."""

    def __init__(self, root: Path, key: dict[str, Any]) -> None:
        self.key = key
        text = _key_text(key)
        self.digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        self.directory = Path(root) / self.digest
        self._key_text = text

    def path(self, name: str) -> Path:
        return self.directory / _file_name(name)

    def _ensure_key_file(self) -> None:
        key_file = self.directory / "key.json"
        if key_file.is_file():
            existing = key_file.read_text(encoding="utf-8")
            if existing == self._key_text:
                return
            try:
                matches = json.loads(existing) == json.loads(self._key_text)
            except ValueError:
                matches = False
            if not matches:
                raise TrackCacheError(f"{key_file}: describes other settings than its directory name says")
            return
        atomic_write(key_file, lambda handle: handle.write(self._key_text.encode()))

    def names(self) -> list[str]:
        """File stems of the entries present (not checked for validity)."""
        return sorted(p.stem for p in self.directory.glob("*.npz"))

    def load(self, sequence: Sequence, keyframes: np.ndarray) -> SequenceTracks | None:
        """The cached tracks of ``sequence``, or None when absent, stale (fingerprint differs) or corrupt
        (with a `TrackCacheWarning` naming the file)."""
        path = self.path(sequence.name)
        if not path.is_file():
            return None
        try:
            tracks, fingerprint = read_entry(path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile, zlib.error) as error:
            warnings.warn(
                f"{path}: unreadable track cache entry ({type(error).__name__}: {error}); tracking again",
                TrackCacheWarning,
                stacklevel=2,
            )
            return None
        if fingerprint != sequence_fingerprint(sequence, keyframes) or tracks.name != sequence.name:
            return None  # the sequence changed since: not an error, just out of date
        return tracks

    def save(self, sequence: Sequence, tracks: SequenceTracks) -> Path:
        self._ensure_key_file()
        path = self.path(sequence.name)
        write_entry(path, tracks, sequence_fingerprint(sequence, tracks.keyframes))
        return path


class TrackCache:
    """Per-sequence tracks under ``root``, one sub-directory per cache key (see the module docstring)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def bucket(
        self, tracker: dict[str, Any], interval: int, include_last: bool, response_size: int | None
    ) -> CacheBucket:
        return CacheBucket(self.root, cache_key(tracker, interval, include_last, response_size))

    def bucket_for(self, tracker: BatchTracker, interval: int, include_last: bool) -> CacheBucket:
        """The bucket of a live tracker (its config and response-map size)."""
        size = int(tracker.response_size) if tracker.provides_response else None
        return self.bucket(tracker_config(tracker), interval, include_last, size)

    def get_or_track(
        self,
        sequence: Sequence,
        tracker: BatchTracker,
        interval: int = 30,
        include_last: bool = True,
        progress: bool = False,
        bucket: CacheBucket | None = None,
    ) -> tuple[SequenceTracks, bool]:
        """The tracks of ``sequence`` and whether they came from the cache (False: tracked and stored now).
        A tracker set's members are cached each under its own key (shared with runs of that tracker alone)."""
        if isinstance(tracker, TrackerSet):
            parts = [
                self.get_or_track(sequence, m, interval, include_last, progress) for m in tracker.members
            ]
            members = tuple(t for t, _ in parts)
            return combine_candidates(members, tracker_config(tracker)), all(cached for _, cached in parts)
        bucket = bucket or self.bucket_for(tracker, interval, include_last)
        keyframes = keyframe_indices(len(sequence), interval=interval, include_last=include_last)
        cached = bucket.load(sequence, keyframes)
        if cached is not None:
            return cached, True
        tracks = track_sequence(sequence, tracker, keyframes, progress=progress)
        bucket.save(sequence, tracks)
        return tracks, False
