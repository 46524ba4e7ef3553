"""Scoring whole sequences with a trained T-Assess Net: every frame, any length, both directions."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from vasr.selection.inputs import DirectionInputs, direction_inputs
from vasr.selection.model import TAssessNet
from vasr.selection.windows import merge_window_scores, window_index, window_starts
from vasr.tracking.snippets import SequenceTracks


@torch.no_grad()
def score_direction(
    net: TAssessNet,
    direction: str,
    inputs: DirectionInputs,
    window: int = 20,
    stride: int = 10,
    batch_size: int = 256,
) -> Tensor:
    """``(N,)`` scores of one direction: overlapping windows, each frame's scores averaged."""
    n = len(inputs.confidences)
    starts = window_starts(n, window, stride)
    index, real = window_index(n, starts, window)
    device = next(net.parameters()).device
    chunks = []
    for begin in range(0, len(index), batch_size):
        maps, boxes, conf = inputs.window(index[begin : begin + batch_size])
        chunks.append(net.score(direction, maps.to(device), boxes.to(device), conf.to(device)).cpu())  # type: ignore[arg-type]
    return merge_window_scores(torch.cat(chunks), index, real, n)


def assess_sequence(
    net: TAssessNet,
    tracks: SequenceTracks,
    image_size: tuple[int, int],
    window: int = 20,
    stride: int = 10,
    response_size: int = 19,
) -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward quality scores ``(N,)`` of a tracked sequence (NaN where there is no result)."""
    was_training = net.training
    net.eval()
    try:
        scores = []
        for name in ("forward", "backward"):
            result = getattr(tracks, name)
            inputs = direction_inputs(result, image_size, response_size)
            score = score_direction(net, name, inputs, window, stride).double().numpy()
            scores.append(np.where(result.valid, score, np.nan))
    finally:
        net.train(was_training)
    return scores[0], scores[1]
