"""The forward/backward blend: a tracker's two runs over a snippet mixed by the distance to its keyframes.

A baseline every table shows beside linear interpolation, and VI-Refine's hand-made geometric prior."""

from __future__ import annotations

import numpy as np

from vasr.data.keyframes import snippet_progress
from vasr.tracking.snippets import SequenceTracks


def blend_by_distance(tracks: SequenceTracks) -> np.ndarray:
    """(N, 4) boxes: forward and backward blended linearly by the distance to the snippet's two keyframes.

    TrackingNet's recipe for its forward/backward runs, and the natural hand-made geometric model for
    VI-Refine (after Kuznetsova et al.'s visual interpolation): in snippet ``(a, b)`` frame ``i`` gets
    ``(b - i) / (b - a)`` of the forward box (trusted near its start ``a``) and ``(i - a) / (b - a)`` of the
    backward box. Where only one direction
    is valid (tails, invisible keyframes) that one is used; where neither is, NaN."""
    progress = snippet_progress(tracks.keyframes, len(tracks))
    weight_forward = np.where(np.isfinite(progress), 1.0 - progress, 0.5)
    fwd, bwd = tracks.forward, tracks.backward
    blended = weight_forward[:, None] * fwd.boxes + (1.0 - weight_forward[:, None]) * bwd.boxes
    blended = np.where((fwd.valid & ~bwd.valid)[:, None], fwd.boxes, blended)
    blended = np.where((bwd.valid & ~fwd.valid)[:, None], bwd.boxes, blended)
    blended[~(fwd.valid | bwd.valid)] = np.nan
    return blended
