"""``vasr track``: the preliminary annotations, a tracker run forward and backward between keyframes, into
the track cache that every later stage reads."""

from __future__ import annotations

import argparse
import functools
import inspect
import sys
from pathlib import Path
from typing import Any

from vasr.atomic import remove_stale_temporaries, writable_folder
from vasr.cli.commands import SUMMARIES
from vasr.cli.dataset_args import (
    add_dataset_arguments,
    add_keyframe_arguments,
    add_tracker_arguments,
    data_source,
    tracker_options,
)
from vasr.errors import VasrError
from vasr.tracking.base import BatchTracker
from vasr.tracking.cache import TrackCache
from vasr.tracking.distributed import (
    TrackingSummary,
    distributed_context,
    env_rank_world,
    launch,
    run_tracking,
)
from vasr.tracking.registry import SETS, build_batch_tracker, resolve_tracker, tracker_class

DEFAULT_CACHE = Path("cache/tracks")


class TrackCommandError(VasrError):
    """The tracker cannot be built, or a tracking process failed."""


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "track",
        help=SUMMARIES["track"],
        description="Run a tracker over every snippet between consecutive keyframes, forward from the first "
        "keyframe and backward from the second, and store boxes, confidences and response maps per "
        "sequence in the track cache (see vasr.tracking.cache). Sequences already in the cache for the "
        "same tracker settings and keyframes are reused, so an interrupted run resumes. Several processes "
        "share the work: 'torchrun --nproc-per-node N -m vasr.cli.main track ...' or --procs N.",
    )
    add_dataset_arguments(parser)
    add_keyframe_arguments(parser)
    add_tracker_arguments(parser, "tracker to run (default: %(default)s)")
    group = parser.add_argument_group("tracking")
    group.add_argument(
        "--cache",
        type=Path,
        default=DEFAULT_CACHE,
        help="track cache root (default: %(default)s); one sub-folder per tracker setting and keyframe "
        "schedule",
    )
    group.add_argument(
        "--device",
        default="auto",
        help="device for trackers that take one (default: auto = cuda:LOCAL_RANK when CUDA is available, "
        "else cpu); ignored by trackers without a device argument",
    )
    group.add_argument(
        "--procs",
        type=int,
        default=1,
        help="local processes sharing the sequences (default: %(default)s); torchrun works too",
    )
    group.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(run=run)


def resolve_device(spec: str, local_rank: int) -> str:
    """``auto``: this process's GPU when CUDA is available, else the CPU."""
    if spec != "auto":
        return spec
    import torch

    if torch.cuda.is_available():
        return f"cuda:{local_rank % torch.cuda.device_count()}"
    return "cpu"


def tracker_factory(name: str, options: dict[str, Any], device: str) -> functools.partial[BatchTracker]:
    """A picklable zero-argument builder of the batch tracker; ``device`` is passed only to trackers whose
    constructor takes one (an explicit ``device`` option wins)."""
    if name in SETS:  # the members take what they take (`build_batch_tracker` checks)
        return functools.partial(build_batch_tracker, name, **{"device": device, **options})
    try:
        cls = tracker_class(name)
    except ImportError as error:
        raise TrackCommandError(f"tracker {name!r} is not available: {error}") from error
    options = dict(options)
    signature = inspect.signature(cls)
    if "device" in signature.parameters:
        options.setdefault("device", device)
    try:
        signature.bind(**options)
    except TypeError as error:
        raise TrackCommandError(f"tracker {name!r} does not take these options: {error}") from None
    return functools.partial(build_batch_tracker, name, **options)


def format_summary(summary: TrackingSummary) -> str:
    rate = summary.steps_per_second
    speed = f"{rate:.1f} steps/s per process" if rate == rate else "no step"
    return (
        f"tracked {summary.tracked} sequences, reused {summary.reused} from the cache "
        f"({summary.directory}); {summary.steps:,} tracker steps in {summary.seconds:.1f} s of tracker time "
        f"({speed}); wall {summary.wall_seconds:.1f} s on {summary.processes} process(es)"
    )


def execute(args: argparse.Namespace) -> int:
    """One process's part of the command (all of it when there is one process)."""
    with distributed_context() as (rank, _world):
        _, _, local_rank = env_rank_world()
        options = tracker_options(args)
        factory = tracker_factory(
            resolve_tracker(args.tracker, options=options), options, resolve_device(args.device, local_rank)
        )
        sequences = data_source(args).load()
        summary = run_tracking(
            sequences,
            factory,
            TrackCache(args.cache),
            interval=args.interval,
            include_last=args.include_last,
            progress=args.progress,
        )
        if rank == 0:
            print(format_summary(summary))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.procs < 1:
        raise TrackCommandError(f"--procs must be at least 1, got {args.procs}")
    writable_folder(Path(args.cache), "--cache")
    for stale in remove_stale_temporaries(Path(args.cache)):  # only those of dead writers of this host
        print(f"removed {stale}, left by an interrupted run", file=sys.stderr)
    if args.procs == 1:
        return execute(args)
    if env_rank_world()[1] > 1:
        raise TrackCommandError("--procs cannot be combined with torchrun (WORLD_SIZE is already set)")
    from torch.multiprocessing import ProcessExitedException, ProcessRaisedException

    try:
        launch(args.procs, execute, args)
    except (ProcessRaisedException, ProcessExitedException) as error:
        raise TrackCommandError(f"a tracking process failed:\n{error}") from None
    return 0
