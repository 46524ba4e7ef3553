"""Trackers by name, so configs, the CLI and the cache can say ``--tracker dcf`` and mean one thing.

Entries are imported lazily: an optional tracker (DiMP needs the user's own pytracking checkout) costs
nothing until it is asked for."""

from __future__ import annotations

import importlib
from typing import Any

from vasr.errors import VasrError
from vasr.tracking.base import BatchTracker, SequentialBatch

TRACKERS: dict[str, str] = {
    "dcf": "vasr.tracking.dcf:DCFTracker",
    "dcf-accurate": "vasr.tracking.dcf:DCFAccurateTracker",
    "csrt": "vasr.tracking.opencv:CSRTTracker",
    "kcf": "vasr.tracking.opencv:KCFTracker",
    "dimp": "vasr.tracking.pytracking_adapter:DiMPTracker",
}


DEFAULT_TRACKER = "dcf-accurate"
"""What ``vasr annotate``/``track``, training and the ablations use unless told otherwise: the accurate
preset, still several times faster than OpenCV's CSRT on a CPU (docs/trackers.md)."""


class UnknownTrackerError(VasrError, KeyError):
    """No tracker of that name."""


def tracker_class(name: str) -> type:
    """The class registered under ``name``."""
    try:
        module, _, attribute = TRACKERS[name].partition(":")
    except KeyError:
        raise UnknownTrackerError(f"unknown tracker {name!r}; known: {', '.join(sorted(TRACKERS))}") from None
    return getattr(importlib.import_module(module), attribute)


class TrackerOptionError(VasrError, TypeError):
    """A tracker option the tracker does not take, or a value it refuses."""


def build_batch_tracker(name: str, **options: Any) -> BatchTracker:
    """A `BatchTracker` for ``name``: the tracker itself when it batches natively (its class defines
    ``batched = True``), else one per track. An option it does not take is a `TrackerOptionError`."""
    cls = tracker_class(name)
    try:
        if getattr(cls, "batched", False):
            return cls(**options)
        return SequentialBatch(lambda: cls(**options))
    except (TypeError, ValueError) as error:
        raise TrackerOptionError(f"tracker {name!r}: {error}") from None


def parse_tracker_options(pairs: list[str]) -> dict[str, Any]:
    """``["KEY=VALUE", ...]`` from a command line as tracker constructor options (each VALUE read as
    YAML: ``0.3``, ``true``, ``[5, 8]``), so a benchmark or an ablation can run a preset with one setting
    changed."""
    import yaml

    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise VasrError(f"tracker option {pair!r}: expected KEY=VALUE")
        options[key.strip()] = yaml.safe_load(value)
    return options


def tracker_config(tracker: Any) -> dict[str, Any]:
    """Every setting that changes a tracker's results (its ``config`` dict), plus its name: the cache key."""
    inner = getattr(tracker, "factory", None)
    source = inner() if inner is not None else tracker
    return {"name": source.name, **dict(getattr(source, "config", {}))}
