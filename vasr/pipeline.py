"""The whole VASR annotation of one sequence: track -> assess -> select -> (refine) -> a DenseAnnotation.

This is the product path (``vasr annotate``) and the end-to-end benchmark: every stage is one call into its
own package (``vasr.tracking``, ``vasr.selection``, ``vasr.refinement``); nothing here knows about files.

* Tracking: forward from each keyframe and backward from the next (``track_sequence``), or tracks given by
  the caller (the track cache, precomputed results).
* Selection (paper section 3.3, "Sel-fail"): per frame the direction with the higher T-Assess score; where
  both scores are below ``threshold`` the frame is flagged for a human. A flagged frame keeps its best guess
  (the higher-scored box) so an annotation tool can show something to correct.
* Refinement (optional): the kept box is replaced by the refiner's box of the same direction (VG-Refine, or a
  variant), after the refiner's MaskNet adapted to the sequence's keyframes (``refiner.adaptation``).
* Keyframes keep exactly the human boxes; their quality is NaN (nothing to assess).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from vasr.annotations.dense import NO_DIRECTION, DenseAnnotation
from vasr.data.keyframes import keyframe_indices
from vasr.data.sequence import Sequence
from vasr.refinement.annotate import kept_refined_boxes, refine_sequence
from vasr.refinement.dataset import RefineSequence
from vasr.refinement.model import VGRefineNet
from vasr.selection.annotate import select_tracks
from vasr.selection.assess import assess_sequence
from vasr.selection.model import TAssessNet
from vasr.tracking.base import BatchTracker
from vasr.tracking.snippets import SequenceTracks, track_sequence


def keyframes_of(sequence: Sequence, interval: int = 30, include_last: bool = True) -> np.ndarray:
    """The keyframes a sequence brings (a video's keyframe file) or, for a dataset sequence, one every
    ``interval`` frames (the paper's protocol)."""
    given = sequence.metadata.get("keyframes") if sequence.metadata else None
    if given is not None:
        return np.asarray(given, dtype=np.int64)
    return keyframe_indices(len(sequence), interval=interval, include_last=include_last)


def frame_names(sequence: Sequence) -> list[str]:
    """File names of the frames of an image-folder sequence; ``''`` for decoded video frames."""
    paths = getattr(sequence.frames, "paths", None)
    if paths is None:
        return [""] * len(sequence)
    return [str(p).replace("\\", "/").rsplit("/", 1)[-1] for p in paths]


@dataclass
class Annotator:
    """Tracker + trained T-Assess Net (+ optional refiner) -> dense annotations.

    Args:
        tracker: the batch tracker of the preliminary annotations.
        assessor: a trained T-Assess Net.
        refiner: a trained VGRefineNet (its ``variant`` decides V/VI/VG); None: no refinement.
        threshold: failure threshold on the scores (0: f(IoU) = 0 at IoU 0.5, the paper's choice).
        response_size: side of the response maps T-Assess and the G-Module read.
    """

    tracker: BatchTracker
    assessor: TAssessNet
    refiner: VGRefineNet | None = None
    threshold: float = 0.0
    response_size: int = 19

    def track(self, sequence: Sequence, keyframes: np.ndarray, progress: bool = False) -> SequenceTracks:
        return track_sequence(sequence, self.tracker, keyframes, progress=progress)

    def annotate(self, sequence: Sequence, tracks: SequenceTracks) -> DenseAnnotation:
        """The dense annotation of ``sequence`` from its tracks (see the module docstring)."""
        if len(tracks) != len(sequence):
            raise ValueError(f"{sequence.name}: {len(tracks)} tracked frames for {len(sequence)} frames")
        forward, backward = assess_sequence(
            self.assessor, tracks, sequence.image_size, response_size=self.response_size
        )
        selection = select_tracks(tracks, forward, backward, "sel-fail", self.threshold)
        direction = selection.direction.astype(np.int8)
        boxes = selection.boxes.copy()
        if self.refiner is not None and self.refiner.variant != "none":
            material = RefineSequence.from_tracks(sequence, tracks, self.response_size)
            boxes = kept_refined_boxes(refine_sequence(self.refiner, material), direction, boxes)
        keys = np.asarray(tracks.keyframes, dtype=np.int64)
        human = np.where(sequence.visible[keys, None], sequence.boxes[keys], np.nan)
        boxes[keys] = human
        direction[keys] = NO_DIRECTION
        quality = np.where(direction == 0, forward, np.where(direction == 1, backward, np.nan))
        failure = selection.failure.copy()
        failure[keys] = False
        return DenseAnnotation(
            name=sequence.name,
            boxes=boxes,
            keyframes=keys,
            failure=failure,
            quality=quality,
            direction=direction,
            image_size=sequence.image_size,
            frame_names=frame_names(sequence),
        )
