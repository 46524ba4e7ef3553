"""The G-Module (paper section 3.2): a learned geometric weight map W per frame from the tracking geometry.

Per frame of one direction's L-frame window it reads what T-Assess reads (the response map through a small
conv encoder, the box as corners normalised by the image size, the tracker confidence) plus
:data:`NUM_EXTRAS` geometric cues that a hand-made interpolation would use (:func:`extra_features`): where the
other direction's box and the distance-blended forward/backward box (``blend_by_distance``, the hand-made
model of VI-Refine) lie *in this frame's search crop*, how far the frame is from its tracker's start keyframe,
and which direction it is. An LSTM over the window (in tracking order: backward windows are read time
reversed, as T-Assess's B-Net does; one set of weights serves both directions, told apart by the direction
flag) and a linear head give raw numbers per frame, activated into valid eq. 1 parameters in crop pixels:

* ``mu1 = Q/2 (1 + tanh(r1))``, ``mu2 = P/2 (1 + tanh(r2))``: anywhere in the crop, the centre at r = 0;
* ``sigma = 1 + (S/4) softplus(r + log(e^2 - 1))`` per axis (S = Q or P): positive, S/2 + 1 at r = 0;
* ``alpha = 1e-4 + softplus(r + log(e^0.5 - 1))``: positive, 0.5 at r = 0.

The head starts at zero, so an untrained G-Module gives the same broad, centred W for every frame (0.88 on
the edges of the tracked box, 0.6 at the crop border): training starts close to the visual mask alone.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from vasr.geometry.masks import gaussian_weight_map
from vasr.layers import ResponseEncoder, SequencePredictor, Temporal

NUM_EXTRAS = 12  # see extra_features
_SIGMA_BIAS = math.log(math.e**2 - 1)
_ALPHA_BIAS = math.log(math.e**0.5 - 1)


def _crop_corners(boxes: Tensor, size: tuple[int, int]) -> tuple[Tensor, Tensor]:
    """xywh crop-pixel boxes -> corners normalised by the crop size (clamped), and a validity flag."""
    rows, cols = size
    valid = torch.isfinite(boxes).all(-1) & (boxes[..., 2] > 0) & (boxes[..., 3] > 0)
    x, y, w, h = torch.nan_to_num(boxes, nan=0.0).unbind(-1)
    corners = torch.stack((x / cols, y / rows, (x + w) / cols, (y + h) / rows), dim=-1).clamp(-2.0, 3.0)
    return torch.where(valid[..., None], corners, torch.zeros_like(corners)), valid.to(boxes.dtype)


def extra_features(
    other_crop: Tensor, prior_crop: Tensor, phase: Tensor, backward: Tensor, size: tuple[int, int]
) -> Tensor:
    """The ``NUM_EXTRAS`` extra geometric inputs per frame ``(..., 12)``.

    Args:
        other_crop: the other direction's boxes in this frame's crop pixels ``(..., 4)``, NaN where none.
        prior_crop: the distance-blended forward/backward boxes in crop pixels ``(..., 4)``, NaN where none.
        phase: frames since the tracker's start keyframe over the snippet length, in [0, 1] ``(...)``.
        backward: 1 for backward results, 0 for forward ``(...)``.
        size: the crop size (P, Q).
    """
    other, other_ok = _crop_corners(other_crop, size)
    prior, prior_ok = _crop_corners(prior_crop, size)
    phase = torch.nan_to_num(phase, nan=0.0).to(other.dtype)
    return torch.cat(
        [
            other,
            other_ok[..., None],
            prior,
            prior_ok[..., None],
            phase[..., None],
            backward[..., None].to(other),
        ],
        dim=-1,
    )


def activate_theta(raw: Tensor, size: tuple[int, int]) -> Tensor:
    """Raw head outputs ``(..., 5)`` -> valid ``theta = (mu1, mu2, sigma1, sigma2, alpha)`` in crop pixels."""
    rows, cols = size
    r1, r2, s1, s2, a = raw.unbind(-1)
    mu1 = cols / 2 * (1 + torch.tanh(r1))
    mu2 = rows / 2 * (1 + torch.tanh(r2))
    sigma1 = 1.0 + cols / 4 * F.softplus(s1 + _SIGMA_BIAS)
    sigma2 = 1.0 + rows / 4 * F.softplus(s2 + _SIGMA_BIAS)
    alpha = 1e-4 + F.softplus(a + _ALPHA_BIAS)
    return torch.stack((mu1, mu2, sigma1, sigma2, alpha), dim=-1)


class GModule(nn.Module):
    """Tracking geometry of an L-frame window -> theta ``(B, L, 5)`` (see the module docstring).

    Args:
        channels, width: response-map encoder (as T-Assess's ``ResponseEncoder``).
        hidden, layers, temporal: the sequential predictor (LSTM as in the paper, or "fc" for its ablation).
        extras: read the :data:`NUM_EXTRAS` extra cues (False: T-Assess's c + 5 inputs only).
    """

    def __init__(
        self,
        channels: int = 8,
        width: int = 16,
        hidden: int = 64,
        layers: int = 2,
        temporal: Temporal = "lstm",
        extras: bool = True,
    ) -> None:
        super().__init__()
        self.encoder = ResponseEncoder(channels, width)
        self.extras = extras
        features = channels + 5 + (NUM_EXTRAS if extras else 0)
        self.predictor = SequencePredictor(features, hidden, layers, temporal)
        self.predictor.head = nn.Linear(hidden, 5)
        nn.init.zeros_(self.predictor.head.weight)
        nn.init.zeros_(self.predictor.head.bias)

    def raw(self, maps: Tensor, boxes: Tensor, conf: Tensor, extras: Tensor | None) -> Tensor:
        parts = [self.encoder(maps), boxes, conf.unsqueeze(-1)]
        if self.extras:
            if extras is None:
                raise ValueError("this G-Module reads extra geometric features; none were given")
            parts.append(extras)
        features = torch.cat(parts, dim=-1)
        body = self.predictor.body
        hidden = body(features)[0] if self.predictor.temporal == "lstm" else body(features)
        return self.predictor.head(hidden)

    def forward(
        self,
        maps: Tensor,
        boxes: Tensor,
        conf: Tensor,
        extras: Tensor | None,
        backward: Tensor,
        size: tuple[int, int],
    ) -> Tensor:
        """Windows in time order (``backward (B,)`` bool marks backward ones) -> theta ``(B, L, 5)``."""
        flip = backward.bool().view(-1, 1, 1)

        def order(t: Tensor) -> Tensor:  # time-reverse the backward windows (an involution)
            shape = (-1,) + (1,) * (t.ndim - 1)
            return torch.where(flip.view(shape), t.flip(1), t)

        raw = self.raw(order(maps), order(boxes), order(conf), None if extras is None else order(extras))
        return activate_theta(order(raw), size)


def weight_maps(theta: Tensor, size: tuple[int, int]) -> Tensor:
    """Eq. 1 for ``theta (..., 5)`` on the crop grid -> ``(..., P, Q)``."""
    return gaussian_weight_map(theta, *size)
