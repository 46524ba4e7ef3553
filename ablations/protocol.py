"""The protocol every ablation shares: which data trains and which is held out, and how T-Assess is trained.

Default (no ``--root``): the embedded synthetic data, trained on fold 0 and tested on fold 1. With ``--root``
(``--dataset`` names its layout): two-halves cross-validation by category (the paper's protocol): for fold f
the models train on that fold (plus the synthetic data unless ``--no-default-data``) and annotate the other
fold, so every held-out frame is scored by models that never saw its sequence. There is no model selection
on the held-out fold (no validation loop)."""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytorch_lightning as pl
import torch

from vasr.baselines.blend import blend_by_distance
from vasr.baselines.interpolation import interpolate_keyframes
from vasr.checkpoints import adaptation_settings
from vasr.cli.dataset_args import add_tracker_arguments, tracker_options
from vasr.data.sequence import Sequence
from vasr.data.sources import DataSource
from vasr.errors import VasrError
from vasr.refinement.adaptation import KeyframeAdaptation
from vasr.refinement.model import VGRefineNet
from vasr.selection.model import TAssessNet
from vasr.tracking.base import BatchTracker, TrackerSet
from vasr.tracking.registry import SETS, build_batch_tracker, options_for, resolve_tracker
from vasr.tracking.snippets import SequenceTracks

TRAIN_INTERVAL = 30  # keyframe interval the nets train at (the paper's)
EXPERIMENTS = Path(__file__).resolve().parents[1] / "experiments"


def parse_with_config(
    parser: argparse.ArgumentParser, argv: list[str] | None = None, paper: bool = False
) -> argparse.Namespace:
    """Parse ``argv`` after taking defaults from ``--config FILE.yaml`` (keys are the long option names with
    ``_`` for ``-``; flags given on the command line win). Unknown keys are an error naming the file.
    ``--tracker auto`` becomes the tracker it stands for: the paper's kind (``paper``, one-ended tracks)
    or vasr's default (`vasr.tracking.registry.default_tracker`)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config", type=Path, default=None)
    known, _ = pre.parse_known_args(argv)
    if known.config is not None:
        import yaml

        values = yaml.safe_load(known.config.read_text(encoding="utf-8")) or {}
        dests = {action.dest for action in parser._actions}
        unknown = sorted(set(values) - dests)
        if unknown:
            parser.error(f"{known.config}: unknown settings {unknown}; valid: {sorted(dests - {'help'})}")
        parser.set_defaults(**values)
    parser.add_argument("--config", type=Path, default=None, help="YAML file of defaults (ablations/*.yaml)")
    args = parser.parse_args(argv)
    for key in ("root", "out", "tassess_config", "refiner_config"):  # YAML gives strings
        if isinstance(getattr(args, key, None), str):
            setattr(args, key, Path(getattr(args, key)))
    if hasattr(args, "tracker"):
        try:
            args.tracker = resolve_tracker(args.tracker, paper, tracker_options(args))
        except VasrError as error:
            parser.error(str(error))
    return args


def add_protocol_arguments(parser: argparse.ArgumentParser) -> None:
    """The data, tracker and training-budget flags of `fold_sources` and `train_assessor`."""
    parser.add_argument("--root", type=Path, default=None, help="data to cross-validate on (default: none)")
    parser.add_argument("--dataset", default="otb", help="layout of --root (otb, lasot, got10k, trackingnet)")
    parser.add_argument("--split", default=None, help="split of --root (LaSOT: train)")
    parser.add_argument(
        "--no-default-data",
        dest="default_data",
        action="store_false",
        help="with --root: train on its folds only, without the embedded synthetic data",
    )
    parser.add_argument("--folds", type=int, default=2, help="cross-validation folds of --root")
    add_tracker_arguments(parser, "tracker of the preliminary annotations (default: %(default)s)")
    parser.add_argument(
        "--cache", default="cache/tracks", help="tracking-result cache (shared with vasr track)"
    )
    parser.add_argument(
        "--limit-batches",
        type=float,
        default=1.0,
        help="share (<= 1) or number of training batches per epoch",
    )
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1 on a shared CPU)")
    parser.add_argument(
        "--tassess-config",
        type=Path,
        default=EXPERIMENTS / "tassess.yaml",
        help="training config of T-Assess (the flags here override it; default: %(default)s)",
    )
    parser.add_argument(
        "--refiner-config",
        type=Path,
        default=EXPERIMENTS / "vgrefine.yaml",
        help="training config of VG-Refine (the flags here override it; default: %(default)s)",
    )
    parser.add_argument("--seed", type=int, default=0)


def add_adaptation_argument(parser: argparse.ArgumentParser) -> None:
    """``--adapt-steps``: keyframe adaptation of the refiners per held-out sequence."""
    parser.add_argument(
        "--adapt-steps",
        type=int,
        default=KeyframeAdaptation.steps,
        help="keyframe adaptation steps of the MaskNet per held-out sequence (0: the offline nets only)",
    )


def run_settings(args: argparse.Namespace) -> dict[str, object]:
    """What a results file records about the run that made it: every setting and the torch version."""
    return {"settings": {k: str(v) for k, v in vars(args).items()}, "torch": torch.__version__}


def num_folds(args: argparse.Namespace) -> int:
    return 1 if args.root is None else args.folds


def fold_sources(args: argparse.Namespace, fold: int) -> tuple[list[DataSource], list[DataSource]]:
    """Training and held-out data of ``fold`` (see the module docstring)."""
    if args.root is None:
        return [DataSource(fold=0)], [DataSource(fold=1)]

    def part(f: int) -> DataSource:
        return DataSource(args.dataset, str(args.root), split=args.split, fold=f, folds=args.folds)

    extra = [DataSource()] if args.default_data else []
    return [*extra, part(fold)], [part((fold + 1) % args.folds)]


def data_label(args: argparse.Namespace) -> str:
    """How a table names its data."""
    if args.root is None:
        return "default data (fold 0 -> fold 1)"
    return f"{args.root} ({args.folds}-fold CV)"


def held_out_trainer(args: argparse.Namespace, epochs: int, name: str) -> pl.Trainer:
    """A Trainer without validation or checkpoints, logging to CSV under ``args.out / name``."""
    limit = int(args.limit_batches) if args.limit_batches > 1 else args.limit_batches
    return pl.Trainer(
        max_epochs=epochs,
        limit_train_batches=limit,
        accelerator="auto",
        devices=1,
        limit_val_batches=0,  # the held-out fold is the test set: no model selection on it
        default_root_dir=str(args.out / name),
        logger=pl.loggers.CSVLogger(str(args.out), name=name),
        enable_checkpointing=False,
        deterministic=True,
    )


def _set_model_options(section: dict[str, Any], options: dict[str, Any]) -> None:
    """``options`` into a config's model: those its injected net takes go to the net's ``init_args``."""
    init = section.setdefault("init_args", {})
    net = init.get("net")
    taken: set[str] = set()
    if isinstance(net, dict) and "class_path" in net:
        module, _, name = net["class_path"].rpartition(".")
        taken = set(inspect.signature(getattr(importlib.import_module(module), name)).parameters)
    for key, value in options.items():
        (net.setdefault("init_args", {}) if key in taken else init)[key] = value


def configured(config: Path, seed: int, model: dict[str, Any], data: dict[str, Any]) -> tuple[Any, Any]:
    """The LightningModule and DataModule of a training config (``experiments/*.yaml``, the one source of
    training settings), built by ``vasr-train``'s own parser with ``model`` / ``data`` init arguments on
    top, after seeding with ``seed`` (as ``vasr-train fit --seed_everything`` would). The config's trainer
    is not used: the held-out protocol has its own (:func:`held_out_trainer`)."""
    import yaml

    from vasr.cli.train import cli

    values = yaml.safe_load(Path(config).read_text(encoding="utf-8"))
    values["seed_everything"] = seed
    values["trainer"] = {"logger": False, "enable_checkpointing": False, "enable_progress_bar": False}
    values["data"].setdefault("init_args", {}).update(data)
    _set_model_options(values["model"], model)
    argv, sys.argv = sys.argv, sys.argv[:1]  # the driver's own flags are not the training CLI's
    try:
        built = cli(values, run=False)
    finally:
        sys.argv = argv
    return built.model, built.datamodule


def build_tracker(args: argparse.Namespace, name: str | None = None) -> BatchTracker | TrackerSet:
    """``--tracker`` (or ``name``) with the ``--tracker-option`` settings it takes: the tracker of every
    held-out annotation, and the one the nets train on (:func:`data_options` passes the same options)."""
    name = args.tracker if name is None else name
    return build_batch_tracker(name, **options_for(name, tracker_options(args)))


def data_options(
    args: argparse.Namespace, fold: int, interval: int = TRAIN_INTERVAL, tracker: str | None = None
) -> dict[str, Any]:
    """The data module's settings for ``fold``: its data, the tracker (default ``--tracker``) and the
    keyframe interval tracked."""
    train, held_out = fold_sources(args, fold)
    tracker = args.tracker if tracker is None else tracker
    return {
        "train": [dataclasses.asdict(s) for s in train],
        "val": [dataclasses.asdict(s) for s in held_out],
        "tracker": tracker,
        "tracker_options": options_for(tracker, tracker_options(args)),
        "cache_dir": str(args.cache),
        "interval": interval,
        "seed": args.seed,
    }


def train_assessor(
    args: argparse.Namespace,
    fold: int,
    epochs: int,
    name: str | None = None,
    train_stride: int = 2,
    batch_size: int = 64,
    interval: int | list[int] = TRAIN_INTERVAL,
    tracker: str | None = None,
    **model_options: object,
) -> TAssessNet | dict[str, TAssessNet]:
    """T-Assess Net of ``args.tassess_config`` trained on ``fold``'s data, tracked by ``tracker`` (default
    ``--tracker``) with a keyframe every ``interval`` frames (default: :data:`TRAIN_INTERVAL`, what every
    shipped and trained net uses); given several intervals, on the tracks of each (``SnippetDataModule``'s
    ``train_intervals``). For a tracker set, one net per member, by the member's name (what `Annotator`
    takes)."""
    tracker = args.tracker if tracker is None else tracker
    if tracker in SETS:
        return {
            member: train_assessor(args, fold, epochs, f"{name or f'fold{fold}-tassess'}-{member}",
                                   train_stride, batch_size, interval, member, **model_options)
            for member in SETS[tracker]
        }  # fmt: skip
    intervals = [interval] if isinstance(interval, int) else [int(i) for i in interval]
    options = {
        **data_options(args, fold, intervals[0], tracker),
        "train_intervals": intervals,
        "train_stride": train_stride,
        "batch_size": batch_size,
    }
    model, data = configured(args.tassess_config, args.seed + fold, dict(model_options), options)
    held_out_trainer(args, epochs, name or f"fold{fold}-tassess").fit(model, datamodule=data)
    return model.net


def train_refiner(
    args: argparse.Namespace, fold: int, variant: str, epochs: int, crop_size: int = 64, train_stride: int = 5
) -> VGRefineNet:
    """A VG-Refine net of ``args.refiner_config`` (``variant`` "v" or "vg") trained on ``fold``'s training
    data."""
    options = {
        **data_options(args, fold),
        "train_stride": train_stride,
        "crop_size": crop_size,
        "torch_threads": args.threads,
    }
    model, data = configured(args.refiner_config, args.seed + fold, {"variant": variant}, options)
    held_out_trainer(args, epochs, f"fold{fold}-{variant}").fit(model, datamodule=data)
    return model.net


def adaptation(args: argparse.Namespace) -> KeyframeAdaptation:
    """The keyframe adaptation of ``--adapt-steps`` (the rest as the refiner config records it)."""
    import yaml

    config = yaml.safe_load(Path(args.refiner_config).read_text(encoding="utf-8"))["model"]["init_args"]
    return dataclasses.replace(adaptation_settings(config), steps=args.adapt_steps)


def start_run(args: argparse.Namespace) -> bool:
    """Common start of a driver: False (and a message) when ``--root`` does not exist; else set the torch
    threads, keep W&B offline unless the user chose otherwise, and create ``--out``."""
    if args.root is not None and not args.root.is_dir():
        print(f"{args.root} not found; nothing to do", file=sys.stderr)
        return False
    os.environ.setdefault("WANDB_MODE", "offline")
    torch.set_num_threads(args.threads)
    args.out.mkdir(parents=True, exist_ok=True)
    return True


def baseline_boxes(sequence: Sequence, tracks: SequenceTracks) -> dict[str, np.ndarray]:
    """The baselines every table shows, from the same keyframes and tracks: linear interpolation between
    the keyframes, and the tracker's forward/backward blend weighted by distance to them."""
    keys = np.asarray(tracks.keyframes, dtype=np.int64)
    return {
        "linear": interpolate_keyframes(len(sequence), keys, sequence.boxes[keys], sequence.visible[keys]),
        "blend": blend_by_distance(tracks),
    }
