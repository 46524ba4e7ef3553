"""SnippetDataModule: dense L-frame windows over cached forward/backward tracking results, for T-Assess.

Any dataset the readers support can feed it, alone or combined (`vasr.data.sources.DataSource`: the
synthetic default, LaSOT, TrackingNet, GOT-10k, OTB-style folders, each with a split, names and a fold).
Training and validation are split by sequence, never by frame.

Tracking results come from the on-disk cache (`vasr.tracking.cache.TrackCache`); ``prepare_data`` (one
process per node under DDP) tracks whatever is missing, so the first run pays for tracking once and every
later run, sweep trial or DDP rank reads the cache. For LaSOT-sized data, fill the cache first with the
distributed ``vasr track`` (same tracker, interval and cache directory)."""

from __future__ import annotations

from typing import Any

import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader
from tqdm import tqdm

from vasr.data.sequence import Sequence
from vasr.data.sources import DataSource
from vasr.errors import VasrError
from vasr.selection.dataset import AssessmentSequence, AssessmentWindows
from vasr.tracking.base import BatchTracker, TrackerSet
from vasr.tracking.cache import TrackCache
from vasr.tracking.registry import DEFAULT_TRACKER, SETS, build_batch_tracker
from vasr.tracking.snippets import SequenceTracks


class SnippetDataModule(pl.LightningDataModule):
    """Windows of tracking results for T-Assess Net.

    Args:
        train: training data (default: fold 0 of the synthetic default dataset).
        val: validation data (default: fold 1 of the synthetic default dataset).
        tracker: tracker name (see ``vasr.tracking.registry.TRACKERS``).
        tracker_options: keyword arguments of the tracker.
        cache_dir: tracking-result cache shared with ``vasr track``.
        interval: a keyframe every ``interval`` frames.
        train_intervals: keyframe intervals whose tracks the training windows come from, a full set of
            windows each (default: ``[interval]``). With a sparse spacing beside the usual one, T-Assess also
            learns the longer tracks an active loop starts from. Validation stays at ``interval``.
        include_last: the last frame is a keyframe too.
        window: L, frames per window (20 in the paper).
        train_stride: frames between training windows (1: dense).
        val_stride: frames between validation windows.
        batch_size: windows per batch.
        num_workers: DataLoader workers.
        seed: seed of the training shuffle.
        response_size: side of the response maps the net reads (zeros for trackers without maps).
    """

    def __init__(
        self,
        train: list[DataSource] | None = None,
        val: list[DataSource] | None = None,
        tracker: str = DEFAULT_TRACKER,
        tracker_options: dict[str, Any] | None = None,
        cache_dir: str = "cache/tracks",
        interval: int = 30,
        train_intervals: list[int] | None = None,
        include_last: bool = True,
        window: int = 20,
        train_stride: int = 1,
        val_stride: int = 10,
        batch_size: int = 64,
        num_workers: int = 0,
        seed: int = 0,
        response_size: int = 19,
    ) -> None:
        super().__init__()
        self.train_sources = list(train) if train else [DataSource(fold=0)]
        self.val_sources = list(val) if val else [DataSource(fold=1)]
        self.tracker_name = tracker
        self.tracker_options = dict(tracker_options or {})
        self.cache = TrackCache(cache_dir)
        self.interval, self.include_last = interval, include_last
        self.train_intervals = list(train_intervals) if train_intervals else [interval]
        if any(i < 1 for i in self.train_intervals):
            raise VasrError(f"train_intervals must be positive, got {self.train_intervals}")
        self.window, self.train_stride, self.val_stride = window, train_stride, val_stride
        self.batch_size, self.num_workers, self.seed = batch_size, num_workers, seed
        self.response_size = response_size
        self.train_set: AssessmentWindows | None = None
        self.val_set: AssessmentWindows | None = None
        self._tracker: BatchTracker | None = None

    reads_sets = False  # T-Assess learns one tracker's tracks: a set's members train one net each

    @property
    def tracker(self) -> BatchTracker:
        if self._tracker is None:
            tracker = build_batch_tracker(self.tracker_name, **self.tracker_options)
            if isinstance(tracker, TrackerSet) and not self.reads_sets:
                members = ", ".join(SETS[self.tracker_name])
                raise VasrError(
                    f"tracker {self.tracker_name!r} is a set ({members}): T-Assess learns one tracker's "
                    "tracks, so train one net per member (experiments/tassess.yaml, tassess-nanotrack.yaml)"
                )
            self._tracker = tracker
        return self._tracker

    def tracked(
        self, sources: list[DataSource], progress: bool = False, interval: int | None = None
    ) -> list[tuple[Sequence, SequenceTracks]]:
        """Every selected sequence with its tracks at keyframes every ``interval`` frames (default: the
        module's ``interval``) from the cache, tracking once what is missing."""
        interval = self.interval if interval is None else interval
        loaded = [(source, s) for source in sources for s in source.load()]
        seen: dict[str, DataSource] = {}
        for source, sequence in loaded:
            if sequence.name in seen:
                raise VasrError(
                    f"sequence {sequence.name!r} is in {seen[sequence.name].describe()} and in "
                    f"{source.describe()}: one set of data sources must name each sequence once (use "
                    "folds, splits or names to keep them apart)"
                )
            seen[sequence.name] = source
        sequences = [s for _, s in loaded]
        bucket = self.cache.bucket_for(self.tracker, interval, self.include_last)
        pairs = []
        for sequence in tqdm(sequences, desc="tracking results", unit="seq", disable=not progress):
            tracks, _ = self.cache.get_or_track(
                sequence, self.tracker, interval, self.include_last, bucket=bucket
            )
            pairs.append((sequence, tracks))
        return pairs

    def _material(self, sources: list[DataSource], interval: int | None = None) -> list[AssessmentSequence]:
        return [
            AssessmentSequence.from_tracks(sequence, tracks, self.response_size)
            for sequence, tracks in self.tracked(sources, interval=interval)
        ]

    def prepare_data(self) -> None:
        """Track (once, into the cache) every sequence that has no cached result yet."""
        for interval in self.train_intervals:
            both = interval == self.interval  # one call: a sequence named in both is refused before tracking
            sources = self.train_sources + self.val_sources if both else self.train_sources
            self.tracked(sources, progress=True, interval=interval)
        if self.interval not in self.train_intervals:
            self.tracked(self.val_sources, progress=True)

    def setup(self, stage: str | None = None) -> None:
        train = [m for interval in self.train_intervals for m in self._material(self.train_sources, interval)]
        val = self._material(self.val_sources)
        overlap = {s.name for s in train} & {s.name for s in val}
        if overlap:
            raise ValueError(f"sequences in both training and validation data: {sorted(overlap)[:5]}")
        self.train_set = AssessmentWindows(train, self.window, self.train_stride)
        self.val_set = AssessmentWindows(val, self.window, self.val_stride)

    def train_dataloader(self) -> DataLoader:
        assert self.train_set is not None, "call setup() first"
        generator = torch.Generator().manual_seed(self.seed)
        return DataLoader(
            self.train_set,
            batch_size=self.batch_size,
            shuffle=True,
            generator=generator,
            num_workers=self.num_workers,
            drop_last=False,
            persistent_workers=self.num_workers > 0,
        )

    def val_dataloader(self) -> DataLoader:
        assert self.val_set is not None, "call setup() first"
        return DataLoader(self.val_set, batch_size=self.batch_size, num_workers=self.num_workers)
