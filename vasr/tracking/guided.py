"""`GuidedDCFTracker`: ``dcf-accurate`` that also re-detects around a Siamese tracker's box where the two part.

The cheaper way to let a second tracker help: no second candidate track for T-Assess to choose from, only a
second opinion on where to look. NanoTrack runs beside the correlation filter on the same tracks; at every
step where the filter's box overlaps NanoTrack's less than ``guide_parted``, the filter also searches a wide
window around NanoTrack's box (as it does around itself when its peak says it lost the target) and moves
there when its own filter answers at least ``guide_margin`` times as high as at its best position. The box
kept is always the filter's (its size, its response map): the precise tracker decides, the robust one
only says where else to look."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from vasr.tracking.base import TrackBatch, TrackContext
from vasr.tracking.dcf.tracker import DCFAccurateTracker, DCFTracker
from vasr.tracking.nanotrack import NanoTrack

GUIDED: dict[str, Any] = {"guide_parted": 0.1, "guide_margin": 0.8}
"""Where the filter and NanoTrack part (IoU < 0.1), the filter moves to NanoTrack's target when it answers
there at 0.8 of its own best peak."""


class GuidedDCFTracker(DCFAccurateTracker):
    """``--tracker dcf-guided``: `DCFAccurateTracker` guided by `NanoTrack` (module docstring). ``weights``:
    NanoTrack's folder (default ``$VASR_NANOTRACK``); the other options are `DCFConfig`'s."""

    name = "dcf-guided"
    preset = {**DCFAccurateTracker.preset, **GUIDED}
    option_names = (*DCFTracker.option_names, "weights")

    def __init__(
        self,
        device: str | torch.device = "cpu",
        threads: int | None = 1,
        weights: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(device, threads, **options)
        self.guide = NanoTrack(weights=weights, device=str(self.device))

    @property
    def config(self) -> dict[str, Any]:
        return {**super().config, "guide": {"name": self.guide.name, **self.guide.config}}

    def initialize(
        self, frames: Sequence[np.ndarray], boxes: np.ndarray, context: TrackContext | None = None
    ) -> None:
        """Start the filter's tracks (reading ``context`` as `DCFAccurateTracker` does) and NanoTrack's."""
        super().initialize(frames, boxes, context)
        self.guide.initialize(frames, boxes)

    def track(self, frames: Sequence[np.ndarray]) -> TrackBatch:
        """Advance NanoTrack, then the filter with NanoTrack's boxes as where else to look."""
        guide = self.guide.track(frames).boxes
        with self._thread_limit(), torch.no_grad():
            return self._track(frames, guide)
