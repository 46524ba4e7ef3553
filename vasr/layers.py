"""Network blocks that T-Assess Net and VG-Refine's G-Module share: both read a tracker's response maps and
boxes frame by frame, with or without temporal context.

The layout follows the authors' earlier LTMU tracker: conv 3x3 1->w, max-pool 3/2, conv 3x3 w->2w, conv 1x1
2w->c, global average pool; then LSTM (or, for the paper's FC-vs-LSTM ablation, fully connected) layers."""

from __future__ import annotations

from typing import Literal

from torch import Tensor, nn

Temporal = Literal["lstm", "fc"]


class ResponseEncoder(nn.Module):
    """Response map ``(..., S, S)`` -> ``(..., c)``: the map's shape (one peak, several, flat) in c."""

    def __init__(self, channels: int = 8, width: int = 16) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.MaxPool2d(3, stride=2, padding=1),
            nn.Conv2d(width, 2 * width, 3, padding=1),
            nn.ReLU(inplace=True),
            nn.Conv2d(2 * width, channels, 1),
            nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.channels = channels

    def forward(self, maps: Tensor) -> Tensor:
        lead = maps.shape[:-2]
        out = self.net(maps.reshape(-1, 1, *maps.shape[-2:]))
        return out.reshape(*lead, self.channels)


class SequencePredictor(nn.Module):
    """``(B, L, d)`` per-frame features -> ``(B, L)`` scores, with temporal context (LSTM) or without (FC)."""

    def __init__(
        self, in_features: int, hidden: int = 64, layers: int = 3, temporal: Temporal = "lstm"
    ) -> None:
        super().__init__()
        self.temporal = temporal
        if temporal == "lstm":
            self.body: nn.Module = nn.LSTM(in_features, hidden, num_layers=layers, batch_first=True)
        elif temporal == "fc":
            blocks: list[nn.Module] = []
            for i in range(layers):
                blocks += [nn.Linear(in_features if i == 0 else hidden, hidden), nn.ReLU(inplace=True)]
            self.body = nn.Sequential(*blocks)
        else:
            raise ValueError(f"temporal must be 'lstm' or 'fc', got {temporal!r}")
        self.head = nn.Linear(hidden, 1)

    def forward(self, features: Tensor) -> Tensor:
        hidden = self.body(features)[0] if self.temporal == "lstm" else self.body(features)
        return self.head(hidden).squeeze(-1)
