"""Several processes share a dataset: disjoint deterministic shards, one shared cache, the same result."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from fake_trackers import FakeBatchTracker, make_sequence, track_fake_dataset

from vasr.tracking.cache import TrackCache, read_entry
from vasr.tracking.distributed import distributed_context, launch, run_tracking, shard

DIST_ENV = ("MASTER_ADDR", "MASTER_PORT", "WORLD_SIZE", "RANK", "LOCAL_RANK", "NODE_RANK", "GLOBAL_RANK")
LENGTHS = {"b-2": 23, "a-1": 12, "c-3": 5, "e-5": 31, "d-4": 1}


@pytest.fixture(autouse=True)
def clean_distributed_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No torchrun variables leak in or out, and no process group outlives a test: a second DDP run in one
    process fails with EADDRINUSE otherwise."""
    for name in DIST_ENV:
        monkeypatch.delenv(name, raising=False)
    yield
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def _entries(root: Path) -> dict[str, tuple]:
    entries = {}
    for path in root.glob("*/*.npz"):
        tracks, fingerprint = read_entry(path)
        entries[tracks.name] = (tracks, fingerprint)
    return entries


@pytest.mark.parametrize("world", [1, 2, 3, 7])
def test_shards_partition_the_items_in_round_robin(world: int) -> None:
    items = list(range(10))
    shards = [shard(items, rank, world) for rank in range(world)]
    assert sorted(i for s in shards for i in s) == items
    assert shards[0][:2] == [0, world][: len(shards[0][:2])]
    with pytest.raises(ValueError):
        shard(items, world, world)


def test_ranks_run_one_after_the_other_fill_the_cache_between_them(tmp_path: Path) -> None:
    sequences = [make_sequence(name, n) for name, n in LENGTHS.items()]
    first = run_tracking(sequences, FakeBatchTracker, TrackCache(tmp_path), interval=10, rank=0, world=2)
    second = run_tracking(sequences, FakeBatchTracker, TrackCache(tmp_path), interval=10, rank=1, world=2)
    assert first.names == ("a-1", "c-3", "e-5") and second.names == ("b-2", "d-4")
    again = run_tracking(sequences, FakeBatchTracker, TrackCache(tmp_path), interval=10)
    assert (again.tracked, again.reused) == (0, 5)


def test_a_single_process_needs_no_process_group() -> None:
    with distributed_context() as (rank, world):
        assert (rank, world) == (0, 1)
    import torch.distributed as dist

    assert not dist.is_initialized()


def test_two_processes_with_gloo_split_the_work_and_match_one_process(tmp_path: Path) -> None:
    shared, single, views = tmp_path / "shared", tmp_path / "single", tmp_path / "views"
    views.mkdir()
    launch(2, track_fake_dataset, str(shared), LENGTHS, str(views))
    ranks = [json.loads((views / f"rank{r}.json").read_text()) for r in range(2)]
    assert [(v["rank"], v["world"], v["backend"], v["local_rank"]) for v in ranks] == [
        (0, 2, "gloo", "0"),
        (1, 2, "gloo", "1"),
    ]
    ordered = sorted(LENGTHS)
    for view in ranks:  # every process returns the totals; names come in rank order
        summary = view["summary"]
        assert summary["processes"] == 2 and summary["tracked"] == 5 and summary["reused"] == 0
        assert summary["names"] == shard(ordered, 0, 2) + shard(ordered, 1, 2)
    assert not any(name in os.environ for name in ("RANK", "WORLD_SIZE"))  # the parent is untouched

    reference = run_tracking(
        [make_sequence(n, k) for n, k in LENGTHS.items()], FakeBatchTracker, TrackCache(single), interval=10
    )
    assert reference.steps == ranks[0]["summary"]["steps"]
    together, alone = _entries(shared), _entries(single)
    assert sorted(together) == sorted(alone) == ordered
    for name in ordered:
        (a, fingerprint_a), (b, fingerprint_b) = together[name], alone[name]
        assert fingerprint_a == fingerprint_b and a.steps == b.steps
        for direction in ("forward", "backward"):
            np.testing.assert_array_equal(getattr(a, direction).boxes, getattr(b, direction).boxes)
            np.testing.assert_array_equal(getattr(a, direction).responses, getattr(b, direction).responses)
    assert [p.name for p in shared.glob("*/.*")] == []  # no temporary file left behind
