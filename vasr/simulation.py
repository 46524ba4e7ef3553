"""A simulated annotator: ground truth answers every box vasr asks for, the way interactive annotation is
measured (Kuznetsova et al. 2020, the paper's [12]).

A session starts sparse (a keyframe every ``start_interval`` frames plus the last), then runs rounds: every
sequence is annotated (tracking only the snippets whose end keyframes changed since the last round), vasr
ranks the frames worth a box (`vasr.selection.suggest`), and the best ``per_round`` frames over *all*
sequences get their ground-truth box as new keyframes (suggestions of different sequences compare by the
expected IoU they stand to recover). Each round's annotations are kept, so a curve can be drawn of quality
against the human share. A dataset sequence carries its whole ground truth, so "the human's box" of a new
keyframe is simply its ground truth: nothing else of the ground truth is read before scoring.

Counting is strict: the human share is keyframes / frames, and every other frame is scored with the box
vasr gives it, flagged or not (a flag left unanswered is not a human box).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

from vasr.annotations.dense import DenseAnnotation
from vasr.data.keyframes import keyframe_indices
from vasr.data.sequence import Sequence
from vasr.pipeline import Annotator
from vasr.selection.suggest import Suggestion
from vasr.tracking.snippets import SequenceTracks


@dataclass
class SessionState:
    """One sequence in a session: its keyframes so far, its last tracks and annotation."""

    sequence: Sequence
    keyframes: np.ndarray
    tracks: SequenceTracks | None = None
    annotation: DenseAnnotation | None = None
    suggestions: list[Suggestion] = field(default_factory=list)


@dataclass(frozen=True)
class RoundResult:
    """What one round left: every sequence's annotation and the human share it cost."""

    round: int
    annotations: list[DenseAnnotation]
    keyframes: int
    frames: int
    steps: int  # tracker steps run in this round

    @property
    def human_share(self) -> float:
        return self.keyframes / self.frames


def start(sequences: list[Sequence], start_interval: int) -> list[SessionState]:
    """Every sequence with a keyframe every ``start_interval`` frames plus the last."""
    return [SessionState(s, keyframe_indices(len(s), start_interval, include_last=True)) for s in sequences]


def annotate_round(annotator: Annotator, states: list[SessionState], candidates: int) -> int:
    """Annotate every sequence at its current keyframes (reusing the snippets tracked before) and rank up to
    ``candidates`` suggestions per sequence; returns the tracker steps run."""
    steps = 0
    for state in states:
        state.tracks = annotator.track(state.sequence, state.keyframes, previous=state.tracks)
        steps += state.tracks.steps
        state.annotation, kept = annotator.annotate_kept(state.sequence, state.tracks)
        state.suggestions = annotator.suggestions(state.annotation, kept, candidates)
    return steps


def best_suggestions(states: list[SessionState], count: int) -> list[tuple[int, int]]:
    """``(sequence index, frame)`` of the ``count`` most valuable suggestions over all sequences: each
    sequence's list is taken in its own rank order, and the lists are merged by the value at their heads."""
    heads = [(-s.suggestions[0].value, i, 0) for i, s in enumerate(states) if s.suggestions]
    heapq.heapify(heads)
    chosen = []
    while heads and len(chosen) < count:
        _, i, position = heapq.heappop(heads)
        chosen.append((i, states[i].suggestions[position].frame))
        if position + 1 < len(states[i].suggestions):
            heapq.heappush(heads, (-states[i].suggestions[position + 1].value, i, position + 1))
    return chosen


def run_session(
    annotator: Annotator,
    sequences: list[Sequence],
    start_interval: int,
    per_round: int,
    budget: float,
    candidates: int = 16,
) -> list[RoundResult]:
    """Rounds until the human share reaches ``budget`` (a fraction of all frames) or vasr has nothing left
    to suggest; ``per_round`` frames are boxed per round over all sequences (the last round fewer, to stay
    within the budget)."""
    states = start(sequences, start_interval)
    frames = sum(len(s) for s in sequences)
    results: list[RoundResult] = []
    while True:
        steps = annotate_round(annotator, states, candidates)
        keys = sum(len(s.keyframes) for s in states)
        result = RoundResult(len(results), [s.annotation for s in states], keys, frames, steps)  # type: ignore[misc]
        results.append(result)
        room = int(np.floor(budget * frames)) - keys
        chosen = best_suggestions(states, min(per_round, room))
        if not chosen:
            return results
        for i, frame in chosen:
            states[i].keyframes = np.union1d(states[i].keyframes, [frame]).astype(np.int64)
