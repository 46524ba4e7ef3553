"""T-Assess Net (paper section 3.2): a learned quality score for every tracked box.

Per frame, a small conv net encodes the tracker's response map into ``c`` numbers; they are concatenated with
the box (4 numbers, normalised by the image size) and the tracker confidence (1) into ``c + 5`` numbers; a
sequential predictor over L consecutive frames (three LSTM layers, or fully connected layers for the paper's
FC-vs-LSTM ablation) and a final linear layer give one score per frame, trained towards f(IoU) (eq. 2).

Forward and backward results get separate nets (F-Net and B-Net). The B-Net reads its window in backward
tracking order (time reversed), so both LSTMs see the frames in the order their tracker produced them, and
each frame's score depends on the frames its tracker had already gone through. The layout follows the
authors' earlier LTMU tracker (``vasr.layers``); its encoder width w = 32 is ``width=32``, our default 16 is
cheaper on a CPU since the encoder runs on every frame of every window."""

from __future__ import annotations

from typing import Literal

import torch
from torch import Tensor, nn

from vasr.layers import ResponseEncoder, SequencePredictor, Temporal


class DirectionAssessor(nn.Module):
    """Scores the results of one tracking direction: encoder + sequential predictor."""

    def __init__(
        self,
        channels: int = 8,
        width: int = 16,
        hidden: int = 64,
        layers: int = 3,
        temporal: Temporal = "lstm",
    ) -> None:
        super().__init__()
        self.encoder = ResponseEncoder(channels, width)
        self.predictor = SequencePredictor(channels + 5, hidden, layers, temporal)

    def forward(self, maps: Tensor, boxes: Tensor, confidences: Tensor) -> Tensor:
        """``maps (B, L, S, S)``, ``boxes (B, L, 4)`` normalised, ``confidences (B, L)`` -> ``(B, L)``."""
        features = torch.cat([self.encoder(maps), boxes, confidences.unsqueeze(-1)], dim=-1)
        return self.predictor(features)


class TAssessNet(nn.Module):
    """F-Net and B-Net. Inputs are in time order for both; the B-Net flips its window internally."""

    def __init__(
        self,
        channels: int = 8,
        width: int = 16,
        hidden: int = 64,
        layers: int = 3,
        temporal: Temporal = "lstm",
    ) -> None:
        super().__init__()
        # what a checkpoint records to build the net again (vasr.checkpoints)
        self.config = {"channels": channels, "width": width, "hidden": hidden, "layers": layers}
        self.config["temporal"] = temporal
        self.forward_net = DirectionAssessor(channels, width, hidden, layers, temporal)
        self.backward_net = DirectionAssessor(channels, width, hidden, layers, temporal)

    def score(
        self, direction: Literal["forward", "backward"], maps: Tensor, boxes: Tensor, conf: Tensor
    ) -> Tensor:
        """Scores ``(B, L)`` of one direction's window, in time order."""
        if direction == "forward":
            return self.forward_net(maps, boxes, conf)
        if direction == "backward":
            flipped = self.backward_net(maps.flip(1), boxes.flip(1), conf.flip(1))
            return flipped.flip(1)
        raise ValueError(f"direction must be 'forward' or 'backward', got {direction!r}")

    def forward(
        self,
        forward_inputs: tuple[Tensor, Tensor, Tensor],
        backward_inputs: tuple[Tensor, Tensor, Tensor],
    ) -> tuple[Tensor, Tensor]:
        """``((maps, boxes, conf) forward, (maps, boxes, conf) backward)`` -> scores ``(B, L)`` for each."""
        return self.score("forward", *forward_inputs), self.score("backward", *backward_inputs)
