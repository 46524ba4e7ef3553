"""A confident drift is seen by a second tracker: on the real clip Freeman1, annotated from its first frame
only, dcf-accurate's box leaves the walking man twice (frames 126-136 and 274-288) with scores good enough
that nothing flags it; with the ensemble, NanoTrack's tracks stay on him, so those frames are flagged or lie
in a run the human is sent to because the trackers disagree there."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vasr.checkpoints import SHIPPED, load_assessor
from vasr.data.keyframes import Keyframes
from vasr.data.readers import load_dataset
from vasr.geometry.boxes import box_iou
from vasr.pipeline import Annotator
from vasr.selection.select import Fusion
from vasr.tracking.registry import build_batch_tracker

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


def sent_to_a_human(
    annotator: Annotator, sequence, keyframes: Keyframes
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # noqa: ANN001
    """Where dcf-accurate's own forward track drifted (IoU < 0.3), which frames were flagged, and which lie
    in the doubtful run of a suggestion that is not only 'unchecked'."""
    annotation, kept = annotator.annotate_kept(sequence, keyframes=keyframes)
    dcf = (kept.candidates[0] if kept.candidates else kept).forward.boxes
    drift = sequence.visible & (box_iou(dcf, sequence.boxes).numpy() < 0.3)
    doubted = np.zeros(len(sequence), dtype=bool)
    for suggestion in annotator.suggestions(annotation, kept):
        if suggestion.reason != "unchecked":  # the unchecked stretch is the whole clip here
            doubted[suggestion.run[0] : suggestion.run[1] + 1] = True
    return drift, annotation.failure, doubted


def test_the_ensemble_sends_a_human_to_the_drift_that_dcf_alone_does_not_see(
    real_root: Path, nanotrack_weights: Path
) -> None:
    (sequence,) = [s for s in load_dataset("otb", real_root) if s.name == "Freeman1"]
    first = Keyframes.of(sequence, np.array([0]))
    nets = {name: load_assessor(path) for name, path in SHIPPED.items()}
    alone = Annotator(build_batch_tracker("dcf-accurate"), nets["dcf-accurate"], fusion=Fusion())
    drift, flagged, _ = sent_to_a_human(alone, sequence, first)
    assert drift.sum() >= 20 and not flagged[drift].any()  # confidently wrong: no flag at all

    ensemble = build_batch_tracker("ensemble", weights=str(nanotrack_weights))
    drift, flagged, doubted = sent_to_a_human(Annotator(ensemble, nets, fusion=Fusion()), sequence, first)
    assert (flagged | doubted)[drift].mean() >= 0.8
    for episode in (slice(126, 137), slice(274, 289)):  # each drift flagged in part
        assert flagged[episode].any()
