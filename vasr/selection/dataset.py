"""Training material for T-Assess Net: dense windows of L frames over cached forward/backward results.

`AssessmentSequence` turns one sequence and its tracking results into network inputs, f(IoU) targets and
loss masks for both directions, once; `AssessmentWindows` serves every window of ``length`` frames
(``stride`` 1 by default: dense) that holds at least one frame with a target."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from vasr.data.sequence import Sequence
from vasr.directions import DIRECTIONS
from vasr.selection.inputs import DirectionInputs, direction_inputs, quality_targets
from vasr.selection.windows import window_index, window_starts
from vasr.tracking.snippets import SequenceTracks


@dataclass(frozen=True)
class DirectionMaterial:
    """Inputs, IoU, target and loss mask of one direction over a sequence."""

    inputs: DirectionInputs
    iou: Tensor  # (N,)
    target: Tensor  # (N,) f(IoU)
    mask: Tensor  # (N,) bool: counted by the loss and the metrics


@dataclass(frozen=True)
class AssessmentSequence:
    """One sequence ready for T-Assess: both directions' material, sharing the frame axis."""

    name: str
    forward: DirectionMaterial
    backward: DirectionMaterial

    def __len__(self) -> int:
        return len(self.forward.mask)

    @classmethod
    def from_tracks(
        cls,
        sequence: Sequence,
        tracks: SequenceTracks,
        response_size: int = 19,
        alpha: float = 50.0,
        beta: float = 2.0,
    ) -> AssessmentSequence:
        if len(tracks.forward.valid) != len(sequence):
            raise ValueError(
                f"{sequence.name}: {len(tracks.forward.valid)} tracked frames but {len(sequence)} frames"
            )
        is_key = np.zeros(len(sequence), bool)
        is_key[np.asarray(tracks.keyframes, dtype=np.int64)] = True
        material = {}
        for name in DIRECTIONS:
            direction = getattr(tracks, name)
            inputs = direction_inputs(direction, sequence.image_size, response_size)
            iou, target, mask = quality_targets(
                direction, sequence.boxes, sequence.visible, is_key, alpha, beta
            )
            material[name] = DirectionMaterial(inputs, iou, target, mask)
        return cls(sequence.name, material["forward"], material["backward"])


class AssessmentWindows(Dataset):
    """Every window of ``length`` frames (``stride`` apart) with at least one target, over many sequences.

    Items are dicts of tensors with a leading ``length`` axis: ``{direction}_{maps,boxes,conf,target,mask,
    iou}`` for both directions."""

    def __init__(self, sequences: list[AssessmentSequence], length: int = 20, stride: int = 1) -> None:
        self.sequences = sequences
        self.length = length
        entries: list[tuple[int, int]] = []
        for s, item in enumerate(sequences):
            starts = window_starts(len(item), length, stride)
            index, real = window_index(len(item), starts, length)
            has_target = (item.forward.mask | item.backward.mask).numpy()[index] & real
            entries += [
                (s, int(start)) for start, keep in zip(starts, has_target.any(1), strict=True) if keep
            ]
        self.entries = entries

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        s, start = self.entries[i]
        item = self.sequences[s]
        index, real = window_index(len(item), np.array([start]), self.length)
        index, real_t = index[0], torch.from_numpy(real[0])
        out: dict[str, Tensor] = {}
        for name in DIRECTIONS:
            material: DirectionMaterial = getattr(item, name)
            maps, boxes, conf = material.inputs.window(index)
            out[f"{name}_maps"], out[f"{name}_boxes"], out[f"{name}_conf"] = maps, boxes, conf
            out[f"{name}_target"] = material.target[index]
            out[f"{name}_iou"] = material.iou[index]
            out[f"{name}_mask"] = material.mask[index] & real_t
        return out
