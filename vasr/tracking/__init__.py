"""Preliminary annotations: trackers behind one ``initialize / track`` interface, run forward and backward
over the snippets between keyframes; a `TrackerSet` runs several and keeps every track as a candidate."""

from vasr.tracking.base import (
    RESPONSE_SIZE,
    BatchTracker,
    SequentialBatch,
    TrackBatch,
    Tracker,
    TrackerInputError,
    TrackerSet,
    TrackStep,
    check_init_box,
)
from vasr.tracking.registry import SETS, TRACKERS, build_batch_tracker, tracker_class, tracker_config

__all__ = [
    "RESPONSE_SIZE",
    "SETS",
    "TRACKERS",
    "BatchTracker",
    "SequentialBatch",
    "TrackBatch",
    "TrackStep",
    "Tracker",
    "TrackerInputError",
    "TrackerSet",
    "build_batch_tracker",
    "check_init_box",
    "tracker_class",
    "tracker_config",
]
