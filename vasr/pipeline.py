"""VASR on one sequence, in stages: track -> assess -> select -> adapt -> refine -> assemble -> suggest.

Each stage is one call into its own package and returns one small result, so a caller that varies one stage
(an ablation's variants, the labour curve's thresholds, a benchmark's timer) takes the outputs of the others
instead of chaining the stages again. ``Annotator.annotate`` runs them all; ``vasr annotate``, every
ablation driver and the benchmarks go through these methods. Nothing here knows about files.

* **track**: forward from each keyframe and backward from the next (``vasr.tracking.snippets``), or tracks
  given by the caller (the track cache, precomputed results). With the ``previous`` tracks of an earlier
  round, only snippets whose end keyframes changed are tracked again (a correction round).
* **assess**: T-Assess scores of both directions (``vasr.selection.assess``). With a tracker set, every
  member's tracks are scored by that member's net and, per frame and direction, the best-scored member's
  result is kept (``vasr.selection.candidates``): the assessment carries the tracks the later stages read.
* **select** (paper section 3.3): per frame the direction with the higher score; with "sel-fail", frames
  where both scores are below ``threshold`` are flagged for a human. A flagged frame keeps its best guess
  (the higher-scored box) so an annotation tool can show something to correct.
* **adapt**: a copy of the refiner's MaskNet fine-tuned on the sequence's keyframes
  (``vasr.refinement.adaptation``); the refiner itself is never changed.
* **refine**: the kept box of each frame refined by the (adapted) refiner, in its kept direction only, then
  moved ``refined_share`` of the way from the selected box to the refined one (1: the paper's VG-Refine).
* **assemble**: the DenseAnnotation. This is the one place where keyframe rows get the human's boxes (NaN
  where the human saw no target): tracks need not repeat them (precomputed results do not).
* **suggest**: the frames a human box is worth most on, ranked (``vasr.selection.suggest``): low scores of
  the kept box, forward/backward disagreement, the length of the doubtful run, one per run first.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import numpy as np

from vasr.annotations.dense import DenseAnnotation
from vasr.data.keyframes import Keyframes, keyframe_indices
from vasr.data.sequence import Sequence
from vasr.directions import BACKWARD, FORWARD, NO_DIRECTION
from vasr.refinement.adaptation import KeyframeAdaptation, adapt_to_keyframes
from vasr.refinement.dataset import RefineSequence
from vasr.refinement.model import VGRefineNet
from vasr.refinement.refine import refine_kept, towards
from vasr.selection.assess import assess_sequence
from vasr.selection.candidates import (
    WITNESS_IOU,
    fill_flag_gaps,
    kept_candidates,
    tracker_disagreement,
    undecided,
    witness_overlap,
)
from vasr.selection.model import TAssessNet
from vasr.selection.select import (
    BETWEEN_FLAGS,
    NO_WITNESS,
    TIED,
    Fusion,
    Selection,
    Variant,
    fuse_agreeing,
    select_tracks,
)
from vasr.selection.suggest import (
    Suggestion,
    SuggestionRule,
    doubt_parts,
    frame_doubt,
    suggest_frames,
    unchecked_stretches,
)
from vasr.tracking.base import BatchTracker, TrackerSet
from vasr.tracking.snippets import SequenceTracks, track_sequence


def keyframes_of(sequence: Sequence, interval: int = 30, include_last: bool = True) -> Keyframes:
    """The human's boxes a sequence brings (a video's keyframe file) or, for a dataset sequence, its ground
    truth every ``interval`` frames playing the human (the paper's protocol)."""
    if sequence.keyframes is not None:
        return sequence.keyframes
    return Keyframes.of(
        sequence, keyframe_indices(len(sequence), interval=interval, include_last=include_last)
    )


def human_keyframes(sequence: Sequence, indices: np.ndarray, given: Keyframes | None = None) -> Keyframes:
    """The human's boxes on the keyframes ``indices`` of some tracks: ``given``, else the sequence's own
    when they are those frames, else its ground truth there (a dataset sequence's simulated human)."""
    keys = np.asarray(indices, dtype=np.int64)
    for keyframes in (given, sequence.keyframes):
        if keyframes is not None and np.array_equal(keyframes.indices, keys):
            return keyframes
    if given is not None:
        raise ValueError(
            f"{sequence.name}: keyframes {given.indices.tolist()} are not the tracks' {keys.tolist()}"
        )
    return Keyframes.of(sequence, keys)


def frame_names(sequence: Sequence) -> list[str]:
    """File names of the frames of an image-folder sequence; ``''`` for decoded video frames."""
    paths = getattr(sequence.frames, "paths", None)
    if paths is None:
        return [""] * len(sequence)
    return [str(p).replace("\\", "/").rsplit("/", 1)[-1] for p in paths]


@dataclass(frozen=True)
class Assessment:
    """T-Assess scores ``(N,)`` of both directions (NaN where a direction has no result), and the tracks they
    score: the tracked ones, or for a tracker set the best-scored member's result per frame and direction
    (``sources``: ``(2, N)`` that member's index, -1 where none)."""

    forward: np.ndarray
    backward: np.ndarray
    tracks: SequenceTracks | None = None
    sources: np.ndarray | None = None

    def of(self, direction: np.ndarray) -> np.ndarray:
        """The score of the direction kept at each frame; NaN where none was kept."""
        direction = np.asarray(direction)
        return np.where(
            direction == FORWARD, self.forward, np.where(direction == BACKWARD, self.backward, np.nan)
        )


@dataclass
class Annotator:
    """Tracker + trained T-Assess Net (+ optional refiner) -> dense annotations, stage by stage.

    Args:
        tracker: the batch tracker of the preliminary annotations, or a `TrackerSet` (None when tracks are
            always given).
        assessor: a trained T-Assess Net; for a tracker set, one per member, by the member's name.
        refiner: a trained VGRefineNet (its ``variant`` decides V/VI/VG); None: no refinement.
        adaptation: how a copy of the refiner adapts to each sequence's keyframes (``steps=0``: not at all).
        threshold: failure threshold on the scores (0: f(IoU) = 0 at IoU 0.5, the paper's choice).
        variant: the selection rule (``vasr.selection.select``; "sel-fail" is VASR's).
        response_size: side of the response maps T-Assess and the G-Module read.
        suggest: how many frames to suggest per sequence (0: none).
        suggestion_rule: how the suggestions are ranked.
        fusion: where both directions agree, keep their weighted mean instead of the better one
            (``vasr.selection.select.Fusion``); None: the paper's selection.
        refined_share: how far each selected box moves towards its refined box (1: replaced by it, as in
            the paper; 0.5, the default: halfway, which beats both on dcf-accurate tracks).
    """

    tracker: BatchTracker | TrackerSet | None
    assessor: TAssessNet | Mapping[str, TAssessNet]
    refiner: VGRefineNet | None = None
    adaptation: KeyframeAdaptation = field(default_factory=KeyframeAdaptation)
    threshold: float = 0.0
    variant: Variant = "sel-fail"
    response_size: int = 19
    suggest: int = 10
    suggestion_rule: SuggestionRule = field(default_factory=SuggestionRule)
    fusion: Fusion | None = None
    refined_share: float = 0.5

    def track(
        self,
        sequence: Sequence,
        keyframes: Keyframes | np.ndarray | None = None,
        progress: bool = False,
        previous: SequenceTracks | None = None,
    ) -> SequenceTracks:
        """Forward and backward tracks between the human's ``keyframes`` (default: the sequence's own, see
        :func:`keyframes_of`; frame indices: its ground truth there); the snippets ``previous`` tracked with
        the same end keyframes are reused."""
        if self.tracker is None:
            raise ValueError("this Annotator has no tracker: pass the tracks in")
        keys = keyframes_of(sequence) if keyframes is None else keyframes
        return track_sequence(sequence, self.tracker, keys, progress=progress, previous=previous)

    def assessor_of(self, tracks: SequenceTracks) -> TAssessNet:
        """The T-Assess net of the tracker that made ``tracks`` (a set's member: by its name)."""
        if isinstance(self.assessor, TAssessNet):
            return self.assessor
        name = tracks.tracker.get("name")
        if name not in self.assessor:
            raise ValueError(f"no T-Assess net for tracker {name!r}; have {sorted(self.assessor)}")
        return self.assessor[name]

    def assess(self, sequence: Sequence, tracks: SequenceTracks) -> Assessment:
        """The scores of ``tracks``; for a tracker set's, those of the candidates kept (see `Assessment`)."""
        if len(tracks) != len(sequence):
            raise ValueError(f"{sequence.name}: {len(tracks)} tracked frames for {len(sequence)} frames")
        if not tracks.candidates:
            scores = assess_sequence(
                self.assessor_of(tracks), tracks, sequence.image_size, response_size=self.response_size
            )
            return Assessment(*scores, tracks=tracks)
        scores = [
            assess_sequence(self.assessor_of(m), m, sequence.image_size, response_size=self.response_size)
            for m in tracks.candidates
        ]
        kept, forward, backward, sources = kept_candidates(tracks, scores)
        return Assessment(forward, backward, tracks=kept, sources=sources)

    def select(
        self,
        tracks: SequenceTracks,
        assessment: Assessment,
        variant: Variant | None = None,
        threshold: float | None = None,
    ) -> Selection:
        """The kept direction per frame and the failure frames (this Annotator's rule unless told); with
        ``fusion``, agreeing directions are fused. With a tracker set's candidates, sel-fail also flags the
        frames whose kept box no other tracker's track overlaps, those whose two directions part with scores
        too close to choose, and the frames between two flagged ones (``vasr.selection.candidates``)."""
        variant = self.variant if variant is None else variant
        selection = select_tracks(
            tracks,
            assessment.forward,
            assessment.backward,
            variant,
            self.threshold if threshold is None else threshold,
        )
        if variant == "sel-fail" and assessment.sources is not None:  # another tracker sees it elsewhere
            witnessed = witness_overlap(tracks, assessment.sources, selection.direction)
            selection = selection.flag(witnessed < WITNESS_IOU, NO_WITNESS)
            selection = selection.flag(undecided(tracks, assessment.forward, assessment.backward), TIED)
            selection = selection.flag(fill_flag_gaps(selection.failure), BETWEEN_FLAGS)
        if self.fusion is None or variant not in ("sel", "sel-fail"):
            return selection
        return fuse_agreeing(tracks, selection, assessment.forward, assessment.backward, self.fusion)

    def material(
        self, sequence: Sequence, tracks: SequenceTracks, keyframes: Keyframes | None = None
    ) -> RefineSequence:
        """What adaptation and refinement read: the tracks' geometry and the human's keyframe boxes."""
        human = human_keyframes(sequence, tracks.keyframes, keyframes)
        return RefineSequence.from_tracks(sequence, tracks, self.response_size, human)

    def adapt(
        self,
        material: RefineSequence,
        net: VGRefineNet | None = None,
        adaptation: KeyframeAdaptation | None = None,
    ) -> VGRefineNet:
        """A copy of ``net`` (default: the refiner) adapted to the sequence's keyframes; the net itself when
        there is nothing to adapt."""
        net = self.refiner if net is None else net
        if net is None:
            raise ValueError("this Annotator has no refiner to adapt")
        return adapt_to_keyframes(net, material, self.adaptation if adaptation is None else adaptation)

    def refine(
        self, material: RefineSequence, selection: Selection, net: VGRefineNet, share: float | None = None
    ) -> np.ndarray:
        """``(N, 4)`` boxes: the kept box of every frame refined by ``net`` in its kept direction, moved
        ``share`` (default: this Annotator's ``refined_share``) of the way from the selected box to it; frames
        without a kept direction keep the selection's box (none)."""
        refined = refine_kept(net, material, selection.direction)  # NaN where no direction was kept
        return towards(selection.boxes, refined, self.refined_share if share is None else share)

    def assemble(
        self,
        sequence: Sequence,
        tracks: SequenceTracks,
        selection: Selection,
        assessment: Assessment,
        boxes: np.ndarray | None = None,
        keyframes: Keyframes | None = None,
    ) -> DenseAnnotation:
        """The DenseAnnotation of ``boxes`` (default: the selection's): keyframes hold the human boxes, no
        direction, no score, and are never failures."""
        human = human_keyframes(sequence, tracks.keyframes, keyframes)
        keys = human.indices
        outside = human.spans(len(sequence))  # absent by the human's word: no box, no flag
        out = np.array(selection.boxes if boxes is None else boxes, dtype=np.float64)
        out[outside] = np.nan
        out[keys] = human.boxes
        direction = selection.direction.astype(np.int8)
        direction[keys] = NO_DIRECTION
        direction[outside] = NO_DIRECTION
        failure = selection.failure & ~outside
        failure[keys] = False
        return DenseAnnotation(
            name=sequence.name,
            boxes=out,
            keyframes=keys,
            failure=failure,
            quality=assessment.of(direction),
            direction=direction,
            image_size=sequence.image_size,
            frame_names=frame_names(sequence),
            outside=outside,
            flag_reason=selection.reason,
        )

    def doubt(self, annotation: DenseAnnotation, tracks: SequenceTracks) -> np.ndarray:
        """``(N,)`` how much IoU each frame's box is expected to lose (``vasr.selection.suggest``); with a
        tracker set's candidates, also where the trackers part."""
        decided = annotation.keyframe_mask | annotation.outside
        parted = np.where(decided, 0.0, tracker_disagreement(tracks))
        return np.maximum(parted * self.suggestion_rule.disagreement_weight, frame_doubt(
            annotation.quality,
            tracks.forward.boxes,
            tracks.backward.boxes,
            tracks.forward.valid,
            tracks.backward.valid,
            decided,  # no doubt where the human decided
            self.suggestion_rule.disagreement_weight,
        ))  # fmt: skip

    def suggestions(
        self, annotation: DenseAnnotation, tracks: SequenceTracks, count: int | None = None
    ) -> list[Suggestion]:
        """The ``count`` (default: this Annotator's ``suggest``) frames to box next, best first, each with
        its reason: the stretches only one track reaches first, then the doubtful runs."""
        count = self.suggest if count is None else count
        fwd, bwd = tracks.forward, tracks.backward
        unchecked = unchecked_stretches(fwd.valid, bwd.valid, annotation.keyframes)
        chosen = suggest_frames(
            self.doubt(annotation, tracks), count, self.suggestion_rule.min_doubt, unchecked
        )
        at = np.array([s.frame for s in chosen], dtype=np.int64)  # the reasons are read at the chosen frames
        score, disagreement = doubt_parts(
            annotation.quality[at], fwd.boxes[at], bwd.boxes[at], fwd.valid[at], bwd.valid[at]
        )
        disagreement = np.maximum(disagreement, tracker_disagreement(tracks)[at])
        disagreement = disagreement * self.suggestion_rule.disagreement_weight
        return [
            s if s.reason == "unchecked"
            else replace(s, reason="disagreement" if disagreement[i] > score[i] else "low score")
            for i, s in enumerate(chosen)
        ]  # fmt: skip

    @staticmethod
    def unchecked(annotation: DenseAnnotation, tracks: SequenceTracks) -> np.ndarray:
        """``(N,)`` the frames with a box that only one track reaches (before the first human box or after
        the last): nothing independent checks them."""
        mask = np.zeros(len(annotation), dtype=bool)
        for first, last, _ in unchecked_stretches(
            tracks.forward.valid, tracks.backward.valid, tracks.keyframes
        ):
            mask[first : last + 1] = True
        return mask & annotation.has_box

    def annotate(
        self,
        sequence: Sequence,
        tracks: SequenceTracks | None = None,
        progress: bool = False,
        previous: SequenceTracks | None = None,
        keyframes: Keyframes | None = None,
    ) -> DenseAnnotation:
        """Every stage in order from the human's ``keyframes`` (default: see :func:`keyframes_of`), tracking
        unless ``tracks`` are given, reusing ``previous`` tracks of unchanged snippets."""
        return self.annotate_kept(sequence, tracks, progress, previous, keyframes)[0]

    def annotate_kept(
        self,
        sequence: Sequence,
        tracks: SequenceTracks | None = None,
        progress: bool = False,
        previous: SequenceTracks | None = None,
        keyframes: Keyframes | None = None,
    ) -> tuple[DenseAnnotation, SequenceTracks]:
        """`annotate`, and the tracks its later stages read (for a tracker set, the candidates kept: what
        `doubt` and `suggestions` of this annotation take)."""
        if tracks is None:
            tracks = self.track(sequence, keyframes, progress=progress, previous=previous)
        assessment = self.assess(sequence, tracks)
        tracks = assessment.tracks  # for a tracker set: the candidates kept
        selection = self.select(tracks, assessment)
        boxes = None
        if self.refiner is not None and self.refiner.variant != "none":
            material = self.material(sequence, tracks, keyframes)
            boxes = self.refine(material, selection, self.adapt(material))
        annotation = self.assemble(sequence, tracks, selection, assessment, boxes, keyframes)
        annotation.unchecked = self.unchecked(annotation, tracks)
        if self.suggest > 0:
            chosen = self.suggestions(annotation, tracks)
            annotation.suggestions = np.array([s.frame for s in chosen], np.int64)
            annotation.suggestion_reasons = [s.reason for s in chosen]
        return annotation, tracks
