"""Preliminary annotations: trackers behind one ``initialize / track`` interface, run forward and backward
over the snippets between keyframes."""

from vasr.tracking.base import (
    RESPONSE_SIZE,
    BatchTracker,
    SequentialBatch,
    TrackBatch,
    Tracker,
    TrackerInputError,
    TrackStep,
    check_init_box,
)
from vasr.tracking.registry import TRACKERS, build_batch_tracker, tracker_class, tracker_config

__all__ = [
    "RESPONSE_SIZE",
    "TRACKERS",
    "BatchTracker",
    "SequentialBatch",
    "TrackBatch",
    "TrackStep",
    "Tracker",
    "TrackerInputError",
    "build_batch_tracker",
    "check_init_box",
    "tracker_class",
    "tracker_config",
]
