"""Trained nets from checkpoint files, as plain torch modules: the inference side never imports Lightning.

A checkpoint that ``vasr-train`` (Lightning) wrote holds the module's ``hyper_parameters`` and its
``state_dict``; the net is the module's ``net`` attribute. This loader builds the net from the
hyper-parameters its constructor takes and loads the ``net.*`` weights, so ``vasr annotate``, the benchmarks
and the ablations load nets the same way (pytracking's split: ``ltr/`` trains, ``pytracking/`` runs).
Settings of the steps around a net that training recorded (keyframe adaptation of the refiner) come back
beside it. Files are read with ``weights_only=True``: a checkpoint is data, never code to unpickle.
"""

from __future__ import annotations

import inspect
import json
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import nn

from vasr.errors import VasrError
from vasr.refinement.adaptation import KeyframeAdaptation
from vasr.refinement.model import VGRefineNet
from vasr.selection.model import TAssessNet

WEIGHTS = Path(__file__).resolve().parent / "weights"
SHIPPED_TASSESS = WEIGHTS / "tassess.ckpt"  # `make shipped-weights`, for dcf-accurate's tracks
SHIPPED = {"dcf-accurate": SHIPPED_TASSESS, "nanotrack": WEIGHTS / "tassess-nanotrack.ckpt"}
"""The T-Assess nets shipped in the package, by the tracker whose tracks each learned from (one per member
of the default tracker set; ``dcf-accurate``'s also serves users without NanoTrack's weights)."""
ADAPTATION_KEYS = {"adapt_steps": "steps", "adapt_lr": "lr", "adapt_batch_size": "batch_size"}


def shipped_assessor(tracker: str) -> Path:
    """The shipped T-Assess net for ``tracker``'s tracks (dcf-accurate's for a tracker none was made for)."""
    return SHIPPED.get(tracker, SHIPPED_TASSESS)


def shipped_tracker(path: Path = SHIPPED_TASSESS) -> str | None:
    """The tracker whose tracks the shipped T-Assess net at ``path`` was trained on (its ``.json`` record)."""
    record = Path(path).with_suffix(".json")
    try:
        config = json.loads(record.read_text(encoding="utf-8"))["config"]
        return str(config["data"]["init_args"]["tracker"])
    except (OSError, KeyError, TypeError, ValueError):
        return None


def tracker_mismatch(tassess: Path, tracker: str) -> str | None:
    """A note when ``tassess`` is a shipped net and ``tracker`` is not the one it learned from: T-Assess
    reads a tracker's confidence and response map, and another tracker's differ."""
    shipped = Path(tassess).resolve() in {p.resolve() for p in SHIPPED.values()}
    trained_on = shipped_tracker(tassess) if shipped else None
    if trained_on is None or trained_on == tracker:
        return None
    return (
        f"note: the shipped T-Assess Net learned from {trained_on!r} tracks; with --tracker {tracker} its "
        f"scores (flags, suggestions, quality) are less reliable. Train one on {tracker!r} tracks: make "
        f"train-tassess with data.init_args.tracker: {tracker} in experiments/tassess.yaml"
    )


class CheckpointError(VasrError):
    """A checkpoint is missing, unreadable, or not the model it should be."""


@dataclass(frozen=True)
class Refiner:
    """A refiner as a checkpoint gives it: the net and how it adapts to each sequence's keyframes."""

    net: VGRefineNet
    adaptation: KeyframeAdaptation


def adaptation_settings(hparams: dict[str, Any]) -> KeyframeAdaptation:
    """The keyframe adaptation that a refiner's hyper-parameters record (``adaptation``, or the flat
    ``adapt_*`` keys of earlier checkpoints)."""
    if isinstance(hparams.get("adaptation"), dict):
        return KeyframeAdaptation(**hparams["adaptation"])
    return KeyframeAdaptation(
        **{field: hparams[key] for key, field in ADAPTATION_KEYS.items() if key in hparams}
    )


def read_checkpoint(path: str | Path, what: str) -> dict[str, Any]:
    """The checkpoint's ``hyper_parameters`` and ``state_dict`` (an error naming the file otherwise)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"{what} checkpoint {path} not found (train one with 'make train')")
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, zipfile.BadZipFile, RuntimeError, EOFError, ValueError) as error:
        reason = "truncated" if isinstance(error, EOFError) else "not a PyTorch checkpoint file"
        raise CheckpointError(f"{path} is not a {what} checkpoint ({reason})") from None
    if not isinstance(data, dict) or not isinstance(data.get("state_dict"), dict):
        raise CheckpointError(f"{path} is not a {what} checkpoint (no state_dict)")
    data.setdefault("hyper_parameters", {})
    return data


def build_net(
    cls: type[nn.Module], data: dict[str, Any], path: Path, what: str, **overrides: Any
) -> nn.Module:
    """``cls`` built from the net's recorded settings (``net``, or the module's flat hyper-parameters in
    earlier checkpoints), with the checkpoint's ``net.*`` weights (every one of them, and nothing else)."""
    hparams = dict(data["hyper_parameters"])
    accepted = inspect.signature(cls).parameters
    given = hparams["net"] if isinstance(hparams.get("net"), dict) else hparams
    options = {k: v for k, v in given.items() if k in accepted}
    state = {k.removeprefix("net."): v for k, v in data["state_dict"].items() if k.startswith("net.")}
    broken = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if broken:
        raise CheckpointError(f"{path} is not a usable {what} checkpoint: {broken[0]} holds NaN or inf")
    try:
        net = cls(**{**options, **overrides})
        net.load_state_dict(state)
    except (RuntimeError, ValueError, TypeError) as error:
        first = str(error).strip().splitlines()[0]
        raise CheckpointError(f"{path} is not a {what} checkpoint: {first}") from None
    return net


def load_assessor(path: str | Path, device: str | torch.device = "cpu") -> TAssessNet:
    """The T-Assess Net of a checkpoint, in eval mode on ``device``."""
    data = read_checkpoint(path, "T-Assess")
    return build_net(TAssessNet, data, Path(path), "T-Assess").to(device).eval()


def load_refiner(path: str | Path, device: str | torch.device = "cpu") -> Refiner:
    """The VG-Refine Net of a checkpoint (its backbone weights are in the checkpoint, so the ImageNet file
    is not read) and the keyframe adaptation the checkpoint records."""
    data = read_checkpoint(path, "VG-Refine")
    net = build_net(VGRefineNet, data, Path(path), "VG-Refine", pretrained=False).to(device).eval()
    return Refiner(net, adaptation_settings(data["hyper_parameters"]))
