"""From scored forward/backward results to an annotation: the chosen boxes, the keyframes, the failures.

This is what the selection ablation (paper Table 2: Fwd, Bwd, Sel, Sel-fail) compares, and what the
pipeline refines afterwards."""

from __future__ import annotations

import numpy as np

from vasr.annotations.result_dir import AnnotationSet
from vasr.selection.select import Selection, Variant, select_directions
from vasr.tracking.snippets import SequenceTracks


def select_tracks(
    tracks: SequenceTracks,
    forward_scores: np.ndarray,
    backward_scores: np.ndarray,
    variant: Variant = "sel-fail",
    threshold: float = 0.0,
) -> Selection:
    """`select_directions` over a tracked sequence; keyframes are never failures."""
    is_keyframe = np.zeros(len(tracks), bool)
    is_keyframe[np.asarray(tracks.keyframes, dtype=np.int64)] = True
    return select_directions(
        tracks.forward.boxes,
        tracks.backward.boxes,
        forward_scores,
        backward_scores,
        tracks.forward.valid,
        tracks.backward.valid,
        variant=variant,
        threshold=threshold,
        is_keyframe=is_keyframe,
    )


def selection_annotation(
    tracks: SequenceTracks, selection: Selection, human_boxes: np.ndarray | None = None
) -> AnnotationSet:
    """The annotation set of a selection: its boxes, the keyframes, and the failure frames.

    ``human_boxes`` (``(N, 4)``, NaN where the human saw no target) overwrite the keyframe rows, so the
    annotation keeps exactly what the human drew even when the tracking results came from elsewhere
    (precomputed files need not repeat the keyframe boxes)."""
    keys = np.asarray(tracks.keyframes, dtype=np.int64)
    boxes = selection.boxes.copy()
    if human_boxes is not None:
        boxes[keys] = np.asarray(human_boxes, dtype=np.float64)[keys]
    return AnnotationSet(
        boxes=boxes,
        keyframes=keys.copy(),
        failures=np.flatnonzero(selection.failure).astype(np.int64),
    )
