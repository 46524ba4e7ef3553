"""A tiny, fully predictable tracker and the sequences it understands, for the tracking-pipeline tests.

Frame ``i`` is a uniform image of value ``i`` (exact through JPEG too), so the tracker knows which frame it
was given. Its box is the ground truth `gt_box(i)` shifted by ``offset`` in x and y; its confidence is
``1 / (1 + |i - start|)``; its response map holds ``i`` at [0, 0] and the start frame at [0, 1]. Any test
can therefore tell from the output which frame each step saw and where the track began. It also asserts
that every track advances one frame at a time in one direction, starting on the ground-truth box."""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence as SequenceABC

import numpy as np

from vasr.data.frames import ArrayFrames
from vasr.data.sequence import Sequence
from vasr.tracking.base import NOTHING, TrackBatch, TrackContext, TrackStep, check_init_box

WIDTH, HEIGHT = 48, 32
MAP_SIZE = 5


def gt_box(i: int) -> np.ndarray:
    """Ground truth of frame ``i`` of every fake sequence (0-based x, y, w, h, inside a 48x32 frame)."""
    return np.array([2.0 + 0.5 * (i % 20), 3.0 + 0.25 * (i % 12), 10.0 + (i % 5), 8.0])


def frame_index(frame: np.ndarray) -> int:
    return int(frame[0, 0, 0])


def make_sequence(name: str, num_frames: int, invisible: Iterable[int] = ()) -> Sequence:
    """``num_frames`` (< 256) uniform frames, value i, with `gt_box` ground truth; ``invisible`` frames have
    their target absent (and a junk box)."""
    frames = [np.full((HEIGHT, WIDTH, 3), i, dtype=np.uint8) for i in range(num_frames)]
    boxes = np.stack([gt_box(i) for i in range(num_frames)])
    visible = np.ones(num_frames, dtype=bool)
    for i in invisible:
        visible[i] = False
        boxes[i] = 0.0
    return Sequence(name, ArrayFrames(frames), boxes, visible)


class CountingFrames:
    """Frame source wrapper counting the decodes of each frame."""

    def __init__(self, inner: ArrayFrames) -> None:
        self.inner = inner
        self.reads: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.inner)

    def __getitem__(self, index: int) -> np.ndarray:
        self.reads[index] = self.reads.get(index, 0) + 1
        return self.inner[index]

    @property
    def size(self) -> tuple[int, int]:
        return self.inner.size


class FakeTracker:
    """Single-track fake (see the module docstring)."""

    name = "fake"
    provides_confidence = True
    provides_response = True

    def __init__(self, offset: float = 1.5, response_size: int = MAP_SIZE) -> None:
        self.offset = offset
        self.response_size = response_size
        self.config = {"offset": offset, "response_size": response_size}
        self.start = self.last = -1
        self.direction = 0

    def initialize(self, frame: np.ndarray, box: np.ndarray) -> None:
        box = check_init_box(frame, box)
        self.start = self.last = frame_index(frame)
        assert np.allclose(box, gt_box(self.start)), "a track must start on the keyframe's ground truth"
        self.direction = 0

    def track(self, frame: np.ndarray) -> TrackStep:
        i = frame_index(frame)
        step = i - self.last
        assert abs(step) == 1 and step != -self.direction, f"frame {i} after {self.last}"
        self.direction, self.last = step, i
        response = np.zeros((self.response_size, self.response_size), dtype=np.float32)
        response[0, 0], response[0, 1] = i, self.start
        box = gt_box(i) + np.array([self.offset, self.offset, 0.0, 0.0])
        return TrackStep(box, 1.0 / (1.0 + abs(i - self.start)), response)


class FakeBatchTracker:
    """Native batch version of `FakeTracker` that logs every call as ``(method, batch size)``."""

    batched = True
    name = "fake"
    provides_confidence = True
    provides_response = True
    needs = NOTHING

    def __init__(self, offset: float = 1.5, response_size: int = MAP_SIZE) -> None:
        self.offset, self.response_size = offset, response_size
        self.config = {"offset": offset, "response_size": response_size}
        self.calls: list[tuple[str, int]] = []
        self._tracks: list[FakeTracker] = []

    def initialize(
        self, frames: SequenceABC[np.ndarray], boxes: np.ndarray, context: TrackContext | None = None
    ) -> None:
        self.context = context
        self.calls.append(("initialize", len(frames)))
        self._tracks = [FakeTracker(self.offset, self.response_size) for _ in frames]
        for tracker, frame, box in zip(self._tracks, frames, np.reshape(boxes, (-1, 4)), strict=True):
            tracker.initialize(frame, box)

    def track(self, frames: SequenceABC[np.ndarray]) -> TrackBatch:
        self.calls.append(("track", len(frames)))
        return TrackBatch.stack([t.track(f) for t, f in zip(self._tracks, frames, strict=True)])


class MapLessTracker(FakeTracker):
    """Like `FakeTracker` but, as OpenCV's trackers, without confidence or response map."""

    name = "mapless"
    provides_confidence = False
    provides_response = False

    def track(self, frame: np.ndarray) -> TrackStep:
        step = super().track(frame)
        return TrackStep(step.box, float("nan"), None)


def track_fake_dataset(cache_root: str, lengths: dict[str, int], out: str) -> None:
    """A distributed worker (module level, so `launch` can pickle it): track fake sequences into the cache
    and write this process's view of the run to ``<out>/rank<r>.json``."""
    import json
    import os
    from pathlib import Path

    import torch.distributed as dist

    from vasr.tracking.cache import TrackCache
    from vasr.tracking.distributed import run_tracking

    sequences = [make_sequence(name, n) for name, n in lengths.items()]
    summary = run_tracking(sequences, FakeBatchTracker, TrackCache(cache_root), interval=10)
    rank = dist.get_rank()
    view = {
        "rank": rank,
        "world": dist.get_world_size(),
        "backend": dist.get_backend(),
        "local_rank": os.environ["LOCAL_RANK"],
        "summary": summary.as_dict(),
    }
    Path(out, f"rank{rank}.json").write_text(json.dumps(view))
