"""The tracker interface every part of vasr talks to, in the spirit of pytracking's ``initialize / track``.

A tracker is started on one frame with one box and then advanced frame by frame. Each step returns the box,
a confidence and the response map resampled to a fixed square size (19x19 by default, as DiMP-50's score map),
because T-Assess reads all three. Trackers that give no confidence or map (OpenCV's CSRT and KCF) say so
with ``provides_confidence`` / ``provides_response`` and return NaN / ``None``; nothing downstream has to
guess.

`BatchTracker` advances many independent tracks at once (one per snippet), which is what lets a tracker
vectorise on CPU and GPU. `SequentialBatch` turns any single `Tracker` into one, so every tracker can be
driven the same way.

vasr knows more than an online tracker is told: where each track must arrive and what the human's other
boxes look like. Every `BatchTracker` declares what of that it reads (``needs``, a `TrackerNeeds`) and gets
it with each batch of tracks as one `TrackContext`; a tracker that needs nothing gets an empty one.

Boxes are float ``x, y, w, h`` in 0-based pixels; frames are RGB ``uint8`` arrays of shape ``(H, W, 3)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

from vasr.errors import VasrError

RESPONSE_SIZE = 19  # DiMP-50's score map is 19x19; T-Assess's input size


class TrackerInputError(VasrError, ValueError):
    """A tracker was given an unusable frame or box (empty, non-finite, or entirely outside the frame)."""


@dataclass(frozen=True)
class TrackStep:
    """One tracker step: where the target is, how sure the tracker is, and the map it decided from.

    ``confidence`` is NaN and ``response`` is ``None`` when the tracker does not provide them."""

    box: np.ndarray  # (4,) float64 x, y, w, h
    confidence: float
    response: np.ndarray | None  # (S, S) float32, S = the tracker's response_size


@dataclass(frozen=True)
class TrackBatch:
    """One step of a batch of independent tracks: row ``i`` belongs to track ``i``.

    ``confidences`` holds NaN and ``responses`` is ``None`` when the tracker does not provide them."""

    boxes: np.ndarray  # (B, 4) float64
    confidences: np.ndarray  # (B,) float64
    responses: np.ndarray | None  # (B, S, S) float32

    def __len__(self) -> int:
        return len(self.boxes)

    def step(self, index: int) -> TrackStep:
        response = None if self.responses is None else self.responses[index]
        return TrackStep(self.boxes[index], float(self.confidences[index]), response)

    @staticmethod
    def stack(steps: Sequence[TrackStep]) -> TrackBatch:
        boxes = np.stack([np.asarray(s.box, dtype=np.float64) for s in steps]).reshape(-1, 4)
        confidences = np.array([s.confidence for s in steps], dtype=np.float64)
        if steps and all(s.response is not None for s in steps):
            responses = np.stack([np.asarray(s.response, dtype=np.float32) for s in steps])
        else:
            responses = None
        return TrackBatch(boxes, confidences, responses)


@dataclass(frozen=True)
class SnippetEnds:
    """What vasr knows and an online tracker does not: where each track must arrive.

    Row ``i`` belongs to track ``i`` of a batch: the frame of the snippet's other keyframe, the human box on
    it (NaN where there is none: the tail after the last keyframe, or a keyframe the human marked
    target-absent) and the number of ``track`` calls after which the track reaches that frame. A
    `BatchTracker` whose ``needs.ends`` is set receives it in its `TrackContext`."""

    frames: list[np.ndarray]
    boxes: np.ndarray  # (B, 4) float64, NaN rows where there is no end box
    steps: np.ndarray  # (B,) int: track calls from the start to the end keyframe

    @property
    def known(self) -> np.ndarray:
        """``(B,)`` bool: which tracks have an end box."""
        return np.isfinite(self.boxes).all(axis=1)


@dataclass(frozen=True)
class KeyframeMemory:
    """More of what the human drew: the sequence's keyframes near each track, beyond its own two.

    Column ``m`` is one keyframe (its frame and human box); row ``i`` of ``uses`` says which of them track
    ``i`` of a batch may learn the target's look from: the usable keyframes within the tracker's
    ``needs.memory_reach`` keyframes of its snippet, its own start excluded (`vasr.tracking.snippets`). A
    `BatchTracker` with ``needs.memory_reach > 0`` receives it in its `TrackContext`."""

    frames: list[np.ndarray]
    boxes: np.ndarray  # (M, 4) float64 human boxes
    uses: np.ndarray  # (B, M) bool

    def __post_init__(self) -> None:
        count = len(self.frames)
        if self.uses.ndim != 2 or self.uses.shape[1] != count or len(self.boxes) != count:
            raise TrackerInputError(
                f"keyframe memory of {count} frames and {len(self.boxes)} boxes, used as {self.uses.shape}"
            )


@dataclass(frozen=True)
class TrackerNeeds:
    """What of the `TrackContext` a `BatchTracker` reads: each track's snippet end (``ends``) and the human's
    keyframes within ``memory_reach`` keyframes of its snippet (0: none). What it does not read is not
    decoded for it, and changing it does not re-track its snippets."""

    ends: bool = False
    memory_reach: int = 0


NOTHING = TrackerNeeds()


@dataclass(frozen=True)
class TrackContext:
    """What vasr tells a batch of tracks beyond their start: ``None`` for what the tracker's ``needs`` did
    not ask for."""

    ends: SnippetEnds | None = None
    memory: KeyframeMemory | None = None


@runtime_checkable
class Tracker(Protocol):
    """A single-target tracker: ``initialize`` once, then ``track`` every following frame."""

    name: str
    provides_confidence: bool
    provides_response: bool
    response_size: int

    def initialize(self, frame: np.ndarray, box: np.ndarray) -> None:
        """Start on ``frame`` with the target at ``box``; raise `TrackerInputError` on an unusable box."""
        ...

    def track(self, frame: np.ndarray) -> TrackStep:
        """Advance to the next frame. Always returns a box of positive size, even when the target is lost."""
        ...


@runtime_checkable
class BatchTracker(Protocol):
    """Many independent tracks advanced in lock-step: track ``i`` sees ``frames[i]`` at every call."""

    name: str
    provides_confidence: bool
    provides_response: bool
    response_size: int
    needs: TrackerNeeds

    def initialize(
        self, frames: Sequence[np.ndarray], boxes: np.ndarray, context: TrackContext | None = None
    ) -> None:
        """Start ``len(frames)`` tracks, track ``i`` on ``frames[i]`` at ``boxes[i]`` (``(B, 4)``), with what
        ``needs`` asked for in ``context`` (row ``i`` of each part belongs to track ``i``)."""
        ...

    def track(self, frames: Sequence[np.ndarray]) -> TrackBatch:
        """Advance every track by one frame; ``len(frames)`` must equal the number of tracks."""
        ...


class TrackerSet:
    """Several trackers run over the same snippets, every track of each a candidate for every frame
    (`vasr.selection.candidates` chooses among them). Not a tracker itself: `track_sequence` runs each
    member and keeps their tracks side by side. All members give response maps of one size, which T-Assess
    reads."""

    def __init__(self, members: Sequence[BatchTracker], name: str = "ensemble") -> None:
        if len(members) < 2:
            raise TrackerInputError(f"a tracker set needs two trackers or more, got {len(members)}")
        sizes = {int(m.response_size) for m in members if m.provides_response}
        if len(sizes) > 1:
            raise TrackerInputError(f"members give response maps of different sizes {sorted(sizes)}")
        self.name = name
        self.members = tuple(members)
        self.provides_confidence = any(m.provides_confidence for m in members)
        self.provides_response = bool(sizes)
        self.response_size = sizes.pop() if sizes else RESPONSE_SIZE


def check_init_box(frame: np.ndarray, box: np.ndarray) -> np.ndarray:
    """Validate an initial box against its frame; return it as float64 ``(4,)``.

    A tracker cannot learn a target from an empty, non-finite or fully off-frame box, so those are errors
    rather than a silently wrong track."""
    if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
        raise TrackerInputError(f"frame must be RGB uint8 (H, W, 3), got {frame.dtype} {frame.shape}")
    box = np.asarray(box, dtype=np.float64).reshape(-1)
    if box.shape != (4,) or not np.isfinite(box).all():
        raise TrackerInputError(f"initial box must be 4 finite numbers x, y, w, h, got {box.tolist()}")
    x, y, w, h = box
    if w <= 0 or h <= 0:
        raise TrackerInputError(f"initial box has no area (w={w:g}, h={h:g})")
    height, width = frame.shape[:2]
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        raise TrackerInputError(f"initial box {box.tolist()} lies outside the {width}x{height} frame")
    return box


class SequentialBatch:
    """A `BatchTracker` made of one single `Tracker` per track (for trackers that do not batch natively;
    an online tracker reads no context)."""

    needs = NOTHING

    def __init__(self, factory: Callable[[], Tracker]) -> None:
        self.factory = factory
        probe = factory()
        self.name = probe.name
        self.provides_confidence = probe.provides_confidence
        self.provides_response = probe.provides_response
        self.response_size = probe.response_size
        self._trackers: list[Tracker] = []

    def initialize(
        self, frames: Sequence[np.ndarray], boxes: np.ndarray, context: TrackContext | None = None
    ) -> None:
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        if len(frames) != len(boxes):
            raise TrackerInputError(f"{len(frames)} frames but {len(boxes)} boxes")
        self._trackers = []
        for frame, box in zip(frames, boxes, strict=True):
            tracker = self.factory()
            tracker.initialize(frame, box)
            self._trackers.append(tracker)

    def track(self, frames: Sequence[np.ndarray]) -> TrackBatch:
        if len(frames) != len(self._trackers):
            raise TrackerInputError(f"{len(frames)} frames for {len(self._trackers)} tracks")
        return TrackBatch.stack([t.track(f) for t, f in zip(self._trackers, frames, strict=True)])
