"""Preliminary annotations: one tracker run forward and backward over every snippet between keyframes.

For the snippet ``(a, b)`` between consecutive keyframes the forward track starts at ``a`` on the human's
box there (`vasr.data.keyframes.Keyframes`, never the ground truth) and gives frames ``a+1 .. b-1``; the
backward track starts at ``b`` and gives ``b-1 .. a+1``. Every frame then has up to two candidate results,
which T-Assess later chooses between.

Bookkeeping policies (each one tested):

* **Keyframes** hold the human box in *both* directions, ``valid=True``, confidence NaN and an all-zero
  response map: the box is the human's, not a tracker output, so it has no confidence of its own.
* **Unusable keyframes** (the human said "absent", or a non-finite / empty / off-frame box) cannot start a
  tracker: the direction that would start there stays invalid for the whole snippet, and the keyframe row
  itself is invalid (NaN box) in both directions, since the human said "no target here".
* **Tail** after the last keyframe (when the last frame is not a keyframe): forward only; backward invalid.
  **Head** before the first keyframe (only with hand-made keyframes; `keyframe_indices` always starts at 0):
  backward only, the mirror image.
* A one-frame sequence has nothing to track; a sequence shorter than the interval gets one snippet.

Reuse (a correction round): given the ``previous`` tracks of the same frames by the same tracker, a track
whose snippet is unchanged (same start and end frame, same human boxes on both ends) is copied instead of
tracked again, and a track that now ends on a new keyframe inside its old snippet keeps its path up to it.
So a new keyframe costs the two tracks that start from it, back to the previous keyframe and on to the
next: a round stays local however long the video, at the price of the arriving tracks not knowing the new
box (for a tracker with a keyframe memory, nor do its neighbours' tracks remember it until they are tracked
again); ``make labour-curve`` measures what that costs. A changed box re-tracks every track that starts or
ends on it. ``SequenceTracks.steps`` counts the steps actually run, ``reused_steps`` the copied ones.

Context: each ``initialize`` gets a `TrackContext` with what the tracker declared it reads (``needs``): each
track's snippet end (`SnippetEnds`) and the keyframes around it (`KeyframeMemory`).

Batching: every forward and backward track of a sequence runs through one `BatchTracker` in lock-step. Tracks
are grouped by length (adjacent keyframes give the same length except near the end), each group is one
``initialize`` plus one ``track`` call per frame. Each frame needed at a step is decoded once for all tracks
that need it, and decoded frames are kept (bounded by bytes) until their last use, because the forward and
backward tracks of a snippet read the same frames in opposite orders.
"""

from __future__ import annotations

import json
import time
from collections import Counter, OrderedDict
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from vasr.data.keyframes import Keyframes, snippets
from vasr.data.sequence import Sequence
from vasr.directions import BACKWARD, FORWARD, STEP
from vasr.tracking.base import (
    BatchTracker,
    KeyframeMemory,
    SnippetEnds,
    TrackBatch,
    TrackContext,
    TrackerInputError,
    TrackerSet,
    check_init_box,
)
from vasr.tracking.registry import tracker_config

DEFAULT_FRAME_CACHE_BYTES = 256 * 2**20  # decoded frames kept between steps (about 90 LaSOT 720p frames)


@dataclass(frozen=True)
class DirectionTracks:
    """Every frame's result in one direction (forward or backward) of a sequence."""

    boxes: np.ndarray  # (N, 4) float64 x, y, w, h (0-based), NaN where not valid
    confidences: np.ndarray  # (N,) float64, NaN where not valid or not provided by the tracker
    responses: np.ndarray | None  # (N, S, S) float16, zeros where not valid; None: the tracker gives no map
    valid: np.ndarray  # (N,) bool: a result exists for this frame in this direction

    def __len__(self) -> int:
        return len(self.valid)

    @staticmethod
    def empty(num_frames: int, response_size: int | None) -> DirectionTracks:
        """All-invalid results for ``num_frames`` frames (maps only when ``response_size`` is given)."""
        responses = None
        if response_size is not None:
            responses = np.zeros((num_frames, response_size, response_size), dtype=np.float16)
        return DirectionTracks(
            boxes=np.full((num_frames, 4), np.nan),
            confidences=np.full(num_frames, np.nan),
            responses=responses,
            valid=np.zeros(num_frames, dtype=bool),
        )


@dataclass(frozen=True)
class SequenceTracks:
    """Forward and backward results of one sequence, with how they were made and what they cost."""

    name: str
    keyframes: np.ndarray  # int64 keyframe indices used
    forward: DirectionTracks
    backward: DirectionTracks
    tracker: dict  # tracker_config(tracker)
    steps: int  # tracker steps run: one per track per frame advanced
    seconds: float  # wall time inside tracker initialize/track only (frame decoding excluded)
    reused_steps: int = 0  # steps copied from earlier tracks of unchanged snippets (not run again)
    # A `TrackerSet`'s tracks: each member's, every track a candidate (`vasr.selection.candidates`);
    # forward/backward above are the first member's. Empty for one tracker.
    candidates: tuple[SequenceTracks, ...] = ()

    def __len__(self) -> int:
        return len(self.forward)

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.seconds if self.seconds > 0 else float("nan")


@dataclass(frozen=True)
class _Track:
    start: int  # keyframe the tracker is initialised on
    direction: int  # FORWARD or BACKWARD
    length: int  # frames it gives after the start

    def frame_at(self, step: int) -> int:
        """Frame index the track reads at ``step`` (0-based step after initialisation)."""
        return self.start + STEP[self.direction] * (step + 1)

    @property
    def end(self) -> int:
        """The frame one step past the last the track gives: the snippet's other keyframe (or one past the
        sequence's ends for the tail and head)."""
        return self.start + STEP[self.direction] * (self.length + 1)

    @property
    def frames(self) -> np.ndarray:
        """Indices of the frames the track gives."""
        return self.start + STEP[self.direction] * np.arange(1, self.length + 1, dtype=np.int64)


def usable_keyframes(keyframes: Keyframes, image_size: tuple[int, int]) -> dict[int, bool]:
    """``frame -> whether a tracker can start on that keyframe``: the human saw the target there and its box
    is finite, has an area and overlaps the ``(width, height)`` image."""
    (width, height), usable = image_size, {}
    for k, (x, y, w, h), visible in zip(keyframes.indices, keyframes.boxes, keyframes.visible, strict=True):
        inside = x < width and y < height and x + w > 0 and y + h > 0
        usable[int(k)] = bool(visible and np.isfinite([x, y, w, h]).all() and w > 0 and h > 0 and inside)
    return usable


def as_keyframes(sequence: Sequence, keyframes: Keyframes | np.ndarray) -> Keyframes:
    """``keyframes`` as the human's boxes: given as such, or frame indices on which the ground truth plays
    the human (`Keyframes.of`)."""
    return keyframes if isinstance(keyframes, Keyframes) else Keyframes.of(sequence, keyframes)


def _plan(
    n: int, keys: np.ndarray, usable: dict[int, bool], directions: tuple[int, ...] = (FORWARD, BACKWARD)
) -> list[_Track]:
    """The tracks needed: two per snippet (one each way), the tail and head, minus the ones that would start
    on an unusable keyframe or give no frame (and those of a direction not asked for)."""
    tracks = []
    for a, b in snippets(keys):  # also checks that they strictly increase
        tracks += [_Track(a, FORWARD, b - a - 1), _Track(b, BACKWARD, b - a - 1)]
    tracks += [
        _Track(int(keys[-1]), FORWARD, n - 1 - int(keys[-1])),
        _Track(int(keys[0]), BACKWARD, int(keys[0])),
    ]
    return [t for t in tracks if t.length > 0 and usable[t.start] and t.direction in directions]


def memory_keyframes(keys: np.ndarray, usable: dict[int, bool], track: _Track, reach: int) -> tuple[int, ...]:
    """The keyframes ``track`` may learn from besides its start (`KeyframeMemory`): the usable ones from
    ``reach`` keyframes before its snippet to ``reach`` after it, its end among them; none at reach 0."""
    if reach <= 0:
        return ()
    position = int(np.searchsorted(keys, track.start))
    other = position + STEP[track.direction]  # the end's position (one past either end for tail and head)
    low, high = max(min(position, other) - reach, 0), min(max(position, other) + reach, len(keys) - 1)
    return tuple(int(k) for k in keys[low : high + 1] if k != track.start and usable[int(k)])


class _FrameCache:
    """Decoded frames, each kept until its last planned use or until the byte budget evicts it (LRU)."""

    def __init__(self, sequence: Sequence, uses: Counter[int], budget_bytes: int) -> None:
        self.sequence = sequence
        self.uses = uses  # remaining planned reads per frame index
        self.budget = budget_bytes
        self.frames: OrderedDict[int, np.ndarray] = OrderedDict()
        self.bytes = 0
        self.decoded = 0  # frames decoded so far (tests check the once-per-step promise)

    def get_many(self, indices: list[int]) -> list[np.ndarray]:
        """The frames at ``indices`` (repeats allowed), each decoded at most once for this call."""
        wanted = Counter(indices)
        found: dict[int, np.ndarray] = {}
        for index, count in wanted.items():
            frame = self.frames.get(index)
            if frame is None:
                frame = self.sequence.frame(index)
                self.decoded += 1
            else:
                self.frames.move_to_end(index)
            found[index] = frame
            self.uses[index] -= count
            if self.uses[index] <= 0:
                if index in self.frames:
                    self.bytes -= self.frames.pop(index).nbytes
            elif index not in self.frames:
                self.frames[index] = frame
                self.bytes += frame.nbytes
        while self.bytes > self.budget and self.frames:
            self.bytes -= self.frames.popitem(last=False)[1].nbytes
        return [found[i] for i in indices]


def _reusable(
    previous: SequenceTracks | None,
    n: int,
    keyframes: Keyframes,
    usable: dict[int, bool],
    planned: list[_Track],
) -> set[_Track]:
    """The ``planned`` tracks a round takes from ``previous`` (module docstring, "Reuse"): a track of the same
    snippet with the same human boxes at both ends, and a track that now ends on a new keyframe inside its old
    snippet, from the same start box, cut there."""
    if previous is None or len(previous) != n:
        return set()
    old_keys = np.asarray(previous.keyframes, dtype=np.int64)
    old_boxes = {int(k): previous.forward.boxes[k] for k in old_keys}
    new_boxes = {
        k: (box if usable[k] else np.full(4, np.nan)) for k, box in keyframes.boxes_by_frame().items()
    }
    old_usable = {k: bool(np.isfinite(b).all()) for k, b in old_boxes.items()}
    old_tracks = {(t.start, t.direction): t for t in _plan(n, old_keys, old_usable)}
    nan = np.full(4, np.nan)
    same = lambda f: np.array_equal(old_boxes.get(f, nan), new_boxes.get(f, nan), equal_nan=True)  # noqa: E731
    reusable = set()
    for track in planned:
        old = old_tracks.get((track.start, track.direction))
        if old is None or not same(track.start):
            continue
        exact = old == track and same(track.end)
        cut = old.length > track.length and track.end not in old_boxes  # a new keyframe split its snippet
        if exact or cut:
            reusable.add(track)
    return reusable


def _has_end(n: int, usable: dict[int, bool], track: _Track) -> bool:
    """Whether the track ends on a keyframe a tracker can learn from (not the tail or head, not a keyframe
    the human marked as target-absent)."""
    return 0 <= track.end < n and usable.get(track.end, False)


def _snippet_ends(
    plan: _Plan, group: list[_Track], frames: _FrameCache, starts: list[np.ndarray]
) -> SnippetEnds:
    """The other keyframe of each track of ``group``; a track without one gets its start frame and a NaN
    box (the tracker then tracks it one-ended)."""
    has_end = [_has_end(plan.n, plan.usable, t) for t in group]
    decoded = iter(frames.get_many([t.end for t, ok in zip(group, has_end, strict=True) if ok]))
    end_frames = [next(decoded) if ok else start for ok, start in zip(has_end, starts, strict=True)]
    boxes = np.stack(
        [plan.boxes[t.end] if ok else np.full(4, np.nan) for t, ok in zip(group, has_end, strict=True)]
    )
    return SnippetEnds(end_frames, boxes.astype(np.float64), np.array([t.length + 1 for t in group]))


def _group_memory(group: list[_Track], memory: dict[_Track, tuple[int, ...]]) -> list[int]:
    """The keyframes any track of ``group`` remembers, sorted: what the group reads for its memory (and so
    what the frame cache counts as its uses)."""
    return sorted({k for t in group for k in memory.get(t, ())})


def _keyframe_memory(plan: _Plan, group: list[_Track], frames: _FrameCache) -> KeyframeMemory | None:
    """The keyframes the tracks of ``group`` learn from besides their two ends, each frame read once; None
    when no track has any."""
    keys = _group_memory(group, plan.memory)
    if not keys:
        return None
    column = {k: m for m, k in enumerate(keys)}
    uses = np.zeros((len(group), len(keys)), dtype=bool)
    for row, track in enumerate(group):
        uses[row, [column[k] for k in plan.memory.get(track, ())]] = True
    boxes = np.stack([plan.boxes[k] for k in keys]).astype(np.float64)
    return KeyframeMemory(frames.get_many(keys), boxes, uses)


@dataclass(frozen=True)
class _Plan:
    """What every group of one sequence's tracks reads: its length, the human's boxes, which keyframes can
    start a track, and each track's memory keyframes."""

    n: int
    boxes: dict[int, np.ndarray]
    usable: dict[int, bool]
    memory: dict[_Track, tuple[int, ...]]


def _copy_track(track: _Track, previous: SequenceTracks, results: dict[int, DirectionTracks]) -> None:
    old = previous.forward if track.direction == FORWARD else previous.backward
    new = results[track.direction]
    rows = track.frames
    new.boxes[rows] = old.boxes[rows]
    new.confidences[rows] = old.confidences[rows]
    new.valid[rows] = old.valid[rows]
    if new.responses is not None and old.responses is not None:
        new.responses[rows] = old.responses[rows]


def _keyframe_rows(keyframes: Keyframes, usable: dict[int, bool], result: DirectionTracks) -> None:
    for k, box in keyframes.boxes_by_frame().items():
        if usable[k]:
            result.boxes[k] = box
            result.valid[k] = True


def track_sequence(
    sequence: Sequence,
    tracker: BatchTracker,
    keyframes: Keyframes | np.ndarray,
    progress: bool = False,
    *,
    frame_cache_bytes: int = DEFAULT_FRAME_CACHE_BYTES,
    directions: tuple[int, ...] = (FORWARD, BACKWARD),
    previous: SequenceTracks | None = None,
) -> SequenceTracks:
    """Track every snippet of ``sequence`` forward and backward with ``tracker`` (see the module policies).

    ``keyframes``: the human's boxes, or frame indices on which the ground truth plays the human.
    ``frame_cache_bytes`` bounds the decoded frames kept between steps; 0 decodes every frame at each step
    that needs it (still once per step). ``directions=(FORWARD,)`` runs the forward tracks only (what an
    online annotation tool does; the backward results stay invalid). ``previous``: earlier tracks of the
    same frames; the tracks of unchanged snippets are copied from them (ignored when another tracker or
    response size made them). A `TrackerSet` runs each member and keeps all their tracks (`candidates`)."""
    if isinstance(tracker, TrackerSet):
        return _track_set(sequence, tracker, keyframes, progress, frame_cache_bytes, directions, previous)
    n = len(sequence)
    keyframes = as_keyframes(sequence, keyframes)
    keys = keyframes.indices
    if keys.size == 0 or keys[0] < 0 or keys[-1] >= n:
        raise ValueError(f"{sequence.name}: keyframes {keys.tolist()} are not frames 0..{n - 1}")
    usable = usable_keyframes(keyframes, sequence.image_size)
    spans = {int(k) for k, out in zip(keys, keyframes.outside, strict=True) if out}
    # no backward track into a span the human said is out of view: its frames are absent by their word
    tracks = [
        t for t in _plan(n, keys, usable, directions) if not (t.direction == BACKWARD and t.end in spans)
    ]
    size = int(tracker.response_size) if tracker.provides_response else None
    results = {FORWARD: DirectionTracks.empty(n, size), BACKWARD: DirectionTracks.empty(n, size)}
    for result in results.values():
        _keyframe_rows(keyframes, usable, result)
    if previous is not None and (
        previous.tracker != tracker_config(tracker)
        or (previous.forward.responses is None) != (size is None)
        or (size is not None and previous.forward.responses.shape[1:] != (size, size))
    ):
        previous = None
    needs = tracker.needs
    reuse = _reusable(previous, n, keyframes, usable, tracks)
    for track in reuse:
        _copy_track(track, previous, results)
    reused_steps = sum(t.length for t in reuse)
    tracks = [t for t in tracks if t not in reuse]

    memory = {t: memory_keyframes(keys, usable, t, needs.memory_reach) for t in tracks}
    plan = _Plan(n, keyframes.boxes_by_frame(), usable, memory)
    groups: dict[int, list[_Track]] = {}
    for track in tracks:
        groups.setdefault(track.length, []).append(track)
    uses: Counter[int] = Counter()
    for track in tracks:
        uses.update([track.start, *(track.frame_at(s) for s in range(track.length))])
        if needs.ends and _has_end(n, usable, track):
            uses[track.end] += 1
    for group in groups.values():  # each group reads its memory's frames once
        uses.update(_group_memory(group, memory))
    frames = _FrameCache(sequence, uses, frame_cache_bytes)

    total = sum(t.length for t in tracks)
    seconds = 0.0
    with tqdm(total=total, desc=sequence.name, unit="step", disable=not progress, leave=False) as bar:
        for length in sorted(groups, reverse=True):
            seconds += _run_group(sequence.name, tracker, plan, groups[length], frames, results, bar)
    return SequenceTracks(
        name=sequence.name,
        keyframes=keys.copy(),
        forward=results[FORWARD],
        backward=results[BACKWARD],
        tracker=tracker_config(tracker),
        steps=total,
        seconds=seconds,
        reused_steps=reused_steps,
    )


def _track_set(
    sequence: Sequence,
    trackers: TrackerSet,
    keyframes: Keyframes | np.ndarray,
    progress: bool,
    frame_cache_bytes: int,
    directions: tuple[int, ...],
    previous: SequenceTracks | None,
) -> SequenceTracks:
    earlier = (
        {}
        if previous is None
        else {json.dumps(c.tracker, sort_keys=True, default=str): c for c in previous.candidates}
    )
    members = tuple(
        track_sequence(
            sequence, member, keyframes, progress, frame_cache_bytes=frame_cache_bytes, directions=directions,
            previous=earlier.get(json.dumps(tracker_config(member), sort_keys=True, default=str)),
        )
        for member in trackers.members
    )  # fmt: skip
    return combine_candidates(members, tracker_config(trackers))


def combine_candidates(members: tuple[SequenceTracks, ...], tracker: dict) -> SequenceTracks:
    """One `SequenceTracks` of the set whose `tracker_config` is ``tracker``, holding every member's tracks
    as ``candidates`` (the first member's as its own forward and backward), with their summed cost."""
    first = members[0]
    return SequenceTracks(
        name=first.name,
        keyframes=first.keyframes,
        forward=first.forward,
        backward=first.backward,
        tracker=tracker,
        steps=sum(m.steps for m in members),
        seconds=sum(m.seconds for m in members),
        reused_steps=sum(m.reused_steps for m in members),
        candidates=members,
    )


def _run_group(
    name: str,
    tracker: BatchTracker,
    plan: _Plan,
    group: list[_Track],
    frames: _FrameCache,
    results: dict[int, DirectionTracks],
    bar: tqdm,
) -> float:
    """One ``initialize`` (with the group's `TrackContext`) and ``length`` lock-step ``track`` calls for
    tracks of equal length; returns the seconds spent inside the tracker."""
    starts = frames.get_many([t.start for t in group])
    boxes = np.stack([check_init_box(f, plan.boxes[t.start]) for f, t in zip(starts, group, strict=True)])
    context = TrackContext(  # what the tracker declared it reads
        ends=_snippet_ends(plan, group, frames, starts) if tracker.needs.ends else None,
        memory=_keyframe_memory(plan, group, frames) if tracker.needs.memory_reach > 0 else None,
    )
    begin = time.perf_counter()
    try:
        tracker.initialize(starts, boxes, context)
    except TrackerInputError as error:
        raise TrackerInputError(f"{name}: {error}") from error
    seconds = time.perf_counter() - begin
    for step in range(group[0].length):
        indices = [t.frame_at(step) for t in group]
        batch_frames = frames.get_many(indices)
        begin = time.perf_counter()
        batch = tracker.track(batch_frames)
        seconds += time.perf_counter() - begin
        _store_step(tracker.name, batch, group, indices, results)
        bar.update(len(group))
    return seconds


def _store_step(
    name: str, batch: TrackBatch, group: list[_Track], indices: list[int], results: dict[int, DirectionTracks]
) -> None:
    """One step's results of ``group`` into each track's direction, checked against what was asked."""
    boxes = np.asarray(batch.boxes, dtype=np.float64).reshape(-1, 4)
    if len(boxes) != len(group):
        raise TrackerInputError(f"{name} returned {len(boxes)} boxes for {len(group)} tracks")
    confidences = np.asarray(batch.confidences, dtype=np.float64).reshape(-1)
    maps = None if results[FORWARD].responses is None else batch.responses
    if maps is not None and np.shape(maps)[1:] != results[FORWARD].responses.shape[1:]:
        raise TrackerInputError(
            f"{name} returned response maps of shape {np.shape(maps)[1:]}, "
            f"expected {results[FORWARD].responses.shape[1:]} (its response_size)"
        )
    for row, (track, index) in enumerate(zip(group, indices, strict=True)):
        result = results[track.direction]
        ok = bool(np.isfinite(boxes[row]).all())
        result.valid[index] = ok
        if not ok:
            continue
        result.boxes[index] = boxes[row]
        result.confidences[index] = confidences[row]
        if maps is not None:
            result.responses[index] = maps[row]
