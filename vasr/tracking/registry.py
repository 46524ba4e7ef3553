"""Trackers by name, so configs, the CLI and the cache can say ``--tracker dcf`` and mean one thing.

Entries are imported lazily: an optional tracker (DiMP needs the user's own pytracking checkout) costs
nothing until it is asked for."""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from vasr.errors import VasrError
from vasr.tracking.base import BatchTracker, SequentialBatch, TrackerSet

TRACKERS: dict[str, str] = {
    "dcf": "vasr.tracking.dcf:DCFTracker",
    "dcf-accurate": "vasr.tracking.dcf:DCFAccurateTracker",
    "csrt": "vasr.tracking.opencv:CSRTTracker",
    "kcf": "vasr.tracking.opencv:KCFTracker",
    "dimp": "vasr.tracking.pytracking_adapter:DiMPTracker",
    "nanotrack": "vasr.tracking.nanotrack:NanoTrack",
    "nanotrack-v3": "vasr.tracking.nanotrack:NanoTrackV3",
}
SETS: dict[str, tuple[str, ...]] = {"ensemble": ("dcf-accurate", "nanotrack")}
"""Tracker sets by name (`TrackerSet`): the first member is the one whose tracks a single-tracker view shows
(the baselines' blend); options given to a set go to the members that take them."""


DEFAULT_TRACKER = "dcf-accurate"
"""What ``vasr annotate``/``track``, training and the ablations use unless told otherwise: the accurate
preset, still several times faster than OpenCV's CSRT on a CPU (docs/trackers.md)."""


PAPER_TRACKERS = ("nanotrack", "dcf")
"""The paper's kind of tracker for its ablations (two independent one-ended tracks per snippet, as DiMP in
the paper): NanoTrack when its weights are there, else dcf."""


def default_tracker(paper: bool = False, weights: str | None = None) -> str:
    """``ensemble`` when NanoTrack's weights are found (``weights``, else ``$VASR_NANOTRACK``:
    `vasr.tracking.nanotrack.find_weights`), else `DEFAULT_TRACKER`; with ``paper``, the first of
    `PAPER_TRACKERS` that can run."""
    from vasr.tracking.nanotrack import weights_available

    found = weights_available(weights)
    if paper:
        return PAPER_TRACKERS[0] if found else PAPER_TRACKERS[1]
    return "ensemble" if found else DEFAULT_TRACKER


def resolve_tracker(name: str, paper: bool = False, options: dict[str, Any] | None = None) -> str:
    """``name``, with ``auto`` read as `default_tracker` (NanoTrack's ``weights`` among ``options``)."""
    return default_tracker(paper, (options or {}).get("weights")) if name == "auto" else name


class UnknownTrackerError(VasrError, KeyError):
    """No tracker of that name."""


def tracker_class(name: str) -> type:
    """The class registered under ``name``."""
    try:
        module, _, attribute = TRACKERS[name].partition(":")
    except KeyError:
        raise UnknownTrackerError(
            f"unknown tracker {name!r}; known: {', '.join(sorted([*TRACKERS, *SETS]))}"
        ) from None
    return getattr(importlib.import_module(module), attribute)


class TrackerOptionError(VasrError, TypeError):
    """A tracker option the tracker does not take, or a value it refuses."""


def build_batch_tracker(name: str, **options: Any) -> BatchTracker | TrackerSet:
    """A `BatchTracker` for ``name``: the tracker itself when it batches natively (its class defines
    ``batched = True``), else one per track; a `TrackerSet` for a set's name. An option it does not take is
    a `TrackerOptionError`."""
    if name in SETS:
        return _build_set(name, options)
    cls = tracker_class(name)
    try:
        if getattr(cls, "batched", False):
            return cls(**options)
        return SequentialBatch(lambda: cls(**options))
    except (TypeError, ValueError) as error:
        raise TrackerOptionError(f"tracker {name!r}: {error}") from None


def _takes(name: str) -> set[str]:
    """The option names tracker ``name`` takes: its constructor's, and its ``option_names`` when it
    takes any keyword."""
    cls = tracker_class(name)
    parameters = inspect.signature(cls).parameters
    named = {k for k, p in parameters.items() if p.kind is not inspect.Parameter.VAR_KEYWORD}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        named |= set(getattr(cls, "option_names", ()))
    return named


def check_tracker_options(options: dict[str, Any]) -> None:
    """A `TrackerOptionError` for the keys of ``options`` no registered tracker takes."""
    known = set().union(*(_takes(n) for n in TRACKERS if n != "dimp"))
    unknown = sorted(set(options) - known)
    if unknown:
        raise TrackerOptionError(f"no tracker takes the options {unknown}")


def options_for(name: str, options: dict[str, Any]) -> dict[str, Any]:
    """The ``options`` that tracker (or set) ``name`` takes, so one list of options can serve every tracker
    of a run (an ablation's paper tracker and its product set). A key no registered tracker takes is a
    `TrackerOptionError`."""
    check_tracker_options(options)
    taken = set().union(*(_takes(n) for n in SETS.get(name, (name,))))
    return {k: v for k, v in options.items() if k in taken}


def _build_set(name: str, options: dict[str, Any]) -> TrackerSet:
    names = SETS[name]
    taken = {n: _takes(n) for n in names}
    unknown = sorted(set(options) - set().union(*taken.values()))
    if unknown:
        raise TrackerOptionError(f"no member of the set {names} takes {unknown}")
    members = [build_batch_tracker(n, **{k: v for k, v in options.items() if k in taken[n]}) for n in names]
    return TrackerSet(members, name)  # type: ignore[arg-type]


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
    if isinstance(tracker, TrackerSet):
        return {"name": tracker.name, "members": [tracker_config(m) for m in tracker.members]}
    inner = getattr(tracker, "factory", None)
    source = inner() if inner is not None else tracker
    return {"name": source.name, **dict(getattr(source, "config", {}))}
