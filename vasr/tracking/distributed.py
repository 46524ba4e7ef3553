"""Tracking a dataset with several processes (``torchrun`` or `launch`), all filling one shared cache.

Sequences are independent, so the work splits without communication: every process sorts the sequences by
name and takes every ``world``-th one starting at its rank (`shard`), tracks the ones missing from the cache
and writes them itself. Each entry has exactly one writer and entries are written atomically, so no locking
is needed; a barrier at the end makes "the command returned" mean "the whole cache is filled", and the
per-process summaries are gathered so rank 0 can report totals. torch.distributed is used only for that
barrier and gather: gloo on CPU, nccl when every local rank has its own GPU.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from collections.abc import Sequence as SequenceABC
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, TypeVar

from tqdm import tqdm

from vasr.data.sequence import Sequence
from vasr.tracking.base import BatchTracker
from vasr.tracking.cache import TrackCache

T = TypeVar("T")


@dataclass(frozen=True)
class TrackingSummary:
    """What a tracking run did; ``steps`` and ``seconds`` count the newly tracked sequences only."""

    tracked: int = 0  # sequences tracked now
    reused: int = 0  # sequences whose cache entry was valid
    steps: int = 0  # tracker steps of the newly tracked sequences
    seconds: float = 0.0  # time inside the tracker, summed over processes
    wall_seconds: float = 0.0  # longest wall time of one process
    processes: int = 1
    directory: str = ""  # the cache bucket the tracks are in
    names: tuple[str, ...] = ()  # the sequences tracked now, in order

    def __add__(self, other: TrackingSummary) -> TrackingSummary:
        return TrackingSummary(
            tracked=self.tracked + other.tracked,
            reused=self.reused + other.reused,
            steps=self.steps + other.steps,
            seconds=self.seconds + other.seconds,
            wall_seconds=max(self.wall_seconds, other.wall_seconds),
            processes=self.processes + other.processes,
            directory=self.directory or other.directory,
            names=self.names + other.names,
        )

    @property
    def steps_per_second(self) -> float:
        """Tracker steps per second of tracker time, per process."""
        return self.steps / self.seconds if self.seconds > 0 else float("nan")

    def as_dict(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def shard(items: SequenceABC[T], rank: int, world: int) -> list[T]:
    """The items process ``rank`` of ``world`` handles: every ``world``-th one from ``rank`` (round robin, so
    long and short sequences of a sorted list spread evenly). The shards partition ``items``."""
    if world < 1 or not 0 <= rank < world:
        raise ValueError(f"rank {rank} is not in a world of {world} processes")
    return list(items[rank::world])


def env_rank_world() -> tuple[int, int, int]:
    """(rank, world size, local rank) as torchrun sets them; (0, 1, 0) in a plain process."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local = int(os.environ.get("LOCAL_RANK", str(rank)))
    return rank, world, local


def _backend(local_rank: int) -> str:
    import torch

    return "nccl" if torch.cuda.is_available() and local_rank < torch.cuda.device_count() else "gloo"


@contextmanager
def distributed_context(init_method: str = "env://") -> Iterator[tuple[int, int]]:
    """Yield ``(rank, world)``, initialising torch.distributed when the environment asks for several
    processes and nobody has yet; a process group it created is destroyed on exit (so a second run in the
    same process, e.g. a test, starts clean)."""
    rank, world, local = env_rank_world()
    if world <= 1:
        yield 0, 1
        return
    import torch.distributed as dist

    if dist.is_initialized():
        yield dist.get_rank(), dist.get_world_size()
        return
    backend = _backend(local)
    if backend == "nccl":
        import torch

        torch.cuda.set_device(local)
    dist.init_process_group(backend, init_method=init_method, rank=rank, world_size=world)
    try:
        yield rank, world
    finally:
        dist.destroy_process_group()


def _current_rank_world() -> tuple[int, int]:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    rank, world, _ = env_rank_world()
    return rank, world


def run_tracking(
    sequences: SequenceABC[Sequence],
    tracker_factory: Callable[[], BatchTracker],
    cache: TrackCache,
    *,
    interval: int = 30,
    include_last: bool = True,
    progress: bool = False,
    rank: int | None = None,
    world: int | None = None,
) -> TrackingSummary:
    """Track this process's share of ``sequences`` into ``cache``; return the summary of all processes.

    ``rank`` / ``world`` default to the initialised process group (or torchrun's environment, or a single
    process). With a process group, all processes meet at a barrier at the end and every one of them returns
    the totals. Progress is shown by rank 0 only (its own share)."""
    begin = time.perf_counter()
    if rank is None or world is None:
        rank, world = _current_rank_world()
    ordered = sorted(sequences, key=lambda s: s.name)
    names = [s.name for s in ordered]
    duplicates = sorted(n for n, count in Counter(names).items() if count > 1)
    if duplicates:
        raise ValueError(f"sequence names must be unique; repeated: {', '.join(duplicates)}")
    mine = shard(ordered, rank, world)
    tracker = tracker_factory()
    bucket = cache.bucket_for(tracker, interval, include_last)
    reused = steps = 0
    seconds = 0.0
    done: list[str] = []
    bar = tqdm(mine, desc=f"tracking ({tracker.name})", unit="seq", disable=not progress or rank != 0)
    for sequence in bar:
        tracks, from_cache = cache.get_or_track(
            sequence, tracker, interval=interval, include_last=include_last, bucket=bucket
        )
        if from_cache:
            reused += 1
        else:
            done.append(sequence.name)
            steps += tracks.steps
            seconds += tracks.seconds
    wall = time.perf_counter() - begin
    summary = TrackingSummary(len(done), reused, steps, seconds, wall, 1, str(bucket.directory), tuple(done))
    return _gather(summary)


def _gather(summary: TrackingSummary) -> TrackingSummary:
    import torch.distributed as dist

    if not (dist.is_available() and dist.is_initialized()) or dist.get_world_size() == 1:
        return summary
    dist.barrier()
    everyone: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(everyone, summary)
    total = everyone[0]
    for other in everyone[1:]:
        total = total + other
    return total


def _launched(rank: int, world: int, store: str, fn: Callable[..., Any], args: tuple[Any, ...]) -> None:
    os.environ.update(
        RANK=str(rank), WORLD_SIZE=str(world), LOCAL_RANK=str(rank), LOCAL_WORLD_SIZE=str(world)
    )
    with distributed_context(init_method=f"file://{store}"):
        fn(*args)


def launch(world: int, fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn(*args)`` in ``world`` fresh local processes forming one process group (torchrun without
    torchrun). Rendezvous goes through a temporary file rather than a TCP port, so concurrent launches (or
    tests) never collide. ``fn`` and ``args`` must be picklable; an exception in any process is raised here
    as ``torch.multiprocessing.ProcessRaisedException``."""
    import torch.multiprocessing as mp

    if world < 1:
        raise ValueError(f"need at least one process, got {world}")
    handle, store = tempfile.mkstemp(prefix="vasr-rendezvous-")
    os.close(handle)
    os.unlink(store)  # the file store wants a path that does not exist yet (or an empty file)
    try:
        mp.spawn(_launched, args=(world, store, fn, args), nprocs=world, join=True)
    finally:
        Path(store).unlink(missing_ok=True)
