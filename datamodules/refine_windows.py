"""RefineDataModule: SnippetDataModule's sources, tracker and track cache, serving VG-Refine windows.

Same data sources, tracker, cache and ``prepare_data`` as T-Assess's module (subclassed, so one cache entry
serves both); ``setup`` turns each sequence's tracks into `vasr.refinement.dataset.RefineSequence` and the
windows load frames lazily in ``__getitem__`` (DataLoader workers). The crop settings must match the model's
(``VGRefineNet.check_batch`` says so when they do not)."""

from __future__ import annotations

from typing import Any

import torch
from torch.utils.data import DataLoader

from datamodules.snippet_windows import SnippetDataModule
from vasr.data.sources import DataSource
from vasr.refinement.dataset import RefineSequence, RefineWindows
from vasr.tracking.registry import DEFAULT_TRACKER


class RefineDataModule(SnippetDataModule):
    """Windows of one tracking direction with search and template crops, for VG-Refine.

    Args (besides SnippetDataModule's):
        crop_size: P = Q of the search crops (64: fast on a CPU; the paper-like setting is 128 or more).
        context: search region = tracked box times this (2 in the paper).
        template_context: template region = keyframe box times this.
        train_frames: crops per training window (the G-Module still reads all L frames); None: all.
        val_frames: crops per validation window (evenly spaced target frames); None: all.
        jitter_shift, jitter_scale, jitter_prob: box jitter of the tracked boxes in training. Off by default:
            the tracker's own errors are the realistic inputs (``ablations/refine_diagnostics.py
            --jitter-prob 0.5`` compares).
        augment: photometric augmentation in training.
        torch_threads: intra-op threads of this process, set in ``setup`` (None: leave torch's default). On
            a busy shared CPU one thread is several times faster than two fighting other jobs; DataLoader
            workers always use one.

    A tracker set's refiner learns from its first member's tracks (the set's own forward and backward).
    """

    reads_sets = True

    def __init__(
        self,
        train: list[DataSource] | None = None,
        val: list[DataSource] | None = None,
        tracker: str = DEFAULT_TRACKER,
        tracker_options: dict[str, Any] | None = None,
        cache_dir: str = "cache/tracks",
        interval: int = 30,
        include_last: bool = True,
        window: int = 20,
        train_stride: int = 5,
        val_stride: int = 20,
        batch_size: int = 8,
        num_workers: int = 0,
        seed: int = 0,
        response_size: int = 19,
        crop_size: int = 64,
        context: float = 2.0,
        template_context: float = 1.0,
        train_frames: int | None = 4,
        val_frames: int | None = 5,
        jitter_shift: float = 0.1,
        jitter_scale: float = 0.1,
        jitter_prob: float = 0.0,
        augment: bool = True,
        torch_threads: int | None = None,
    ) -> None:
        super().__init__(
            train=train,
            val=val,
            tracker=tracker,
            tracker_options=tracker_options,
            cache_dir=cache_dir,
            interval=interval,
            include_last=include_last,
            window=window,
            train_stride=train_stride,
            val_stride=val_stride,
            batch_size=batch_size,
            num_workers=num_workers,
            seed=seed,
            response_size=response_size,
        )
        self.crops = {"crop_size": crop_size, "context": context, "template_context": template_context}
        self.train_frames, self.val_frames = train_frames, val_frames
        self.jitter = {"jitter_shift": jitter_shift, "jitter_scale": jitter_scale, "jitter_prob": jitter_prob}
        self.augment = augment
        self.torch_threads = torch_threads
        self.refine_train: RefineWindows | None = None
        self.refine_val: RefineWindows | None = None

    def refine_material(self, sources: list[DataSource]) -> list[RefineSequence]:
        """Tracks (from the cache, tracking what is missing) of every selected sequence, as material."""
        return [
            RefineSequence.from_tracks(sequence, tracks, self.response_size)
            for sequence, tracks in self.tracked(sources)
        ]

    def setup(self, stage: str | None = None) -> None:
        if self.torch_threads:
            torch.set_num_threads(self.torch_threads)
        train = self.refine_material(self.train_sources)
        val = self.refine_material(self.val_sources)
        overlap = {s.sequence.name for s in train} & {s.sequence.name for s in val}
        if overlap:
            raise ValueError(f"sequences in both training and validation data: {sorted(overlap)[:5]}")
        self.refine_train = RefineWindows(
            train, self.window, self.train_stride, self.train_frames, train=True, augment=self.augment,
            **self.crops, **self.jitter,
        )  # fmt: skip
        self.refine_val = RefineWindows(
            val, self.window, self.val_stride, self.val_frames, train=False, **self.crops
        )

    def train_dataloader(self) -> DataLoader:
        assert self.refine_train is not None, "call setup() first"
        return DataLoader(
            self.refine_train,
            batch_size=self.batch_size,
            shuffle=True,
            generator=torch.Generator().manual_seed(self.seed),
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )

    def val_dataloader(self) -> DataLoader:
        assert self.refine_val is not None, "call setup() first"
        return DataLoader(
            self.refine_val,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            persistent_workers=self.num_workers > 0,
        )
