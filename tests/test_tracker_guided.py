"""``dcf-guided``: the correlation filter also searches where a second tracker (NanoTrack) sees the target,
wherever the two part, and keeps its own box."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from test_tracker_dcf import _path, _scene

from vasr.data.frames import ArrayFrames
from vasr.data.sequence import Sequence
from vasr.geometry.boxes import box_iou
from vasr.tracking import build_batch_tracker, guided, tracker_config
from vasr.tracking.base import TrackBatch
from vasr.tracking.snippets import track_sequence


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread) -> None:  # noqa: ANN001 - the conftest fixture
    """Tiny tensors: thread hand-offs cost more than the work."""


class TruthGuide:
    """A stand-in for NanoTrack on one forward track: at each step the ground truth's box (or ``None``: no
    box, as a guide that has nothing to say)."""

    name = "truth"
    config: dict = {}

    def __init__(self, truth: np.ndarray | None, **_: object) -> None:
        self.truth, self.step = truth, 0

    def initialize(self, frames, boxes, context=None) -> None:  # noqa: ANN001
        self.step = 0

    def track(self, frames) -> TrackBatch:  # noqa: ANN001
        self.step += 1
        box = (
            np.full((len(frames), 4), np.nan)
            if self.truth is None
            else np.tile(self.truth[self.step], (len(frames), 1))
        )
        return TrackBatch(box, np.ones(len(frames)), None)


def _guided(monkeypatch: pytest.MonkeyPatch, truth: np.ndarray | None, **options: float):  # noqa: ANN202
    monkeypatch.setattr(guided, "NanoTrack", lambda **kw: TruthGuide(truth, **kw))
    return build_batch_tracker("dcf-guided", **options)


def _jump() -> Sequence:
    """A target that waits, then jumps 90 px (beyond the wider window a lost track searches) and stays."""
    truth = np.concatenate((_path(4, (40, 100), (0, 0), (24, 24)), _path(9, (130, 100), (0, 0), (24, 24))))
    return Sequence("jump", ArrayFrames(_scene(truth, seed=1)), truth, np.ones(len(truth), dtype=bool))


def _forward_iou(tracker, sequence: Sequence) -> np.ndarray:  # noqa: ANN001
    tracks = track_sequence(sequence, tracker, np.array([0]))  # one human box: no end, no path to search
    return box_iou(torch.as_tensor(tracks.forward.boxes), torch.as_tensor(sequence.boxes)).numpy()


def test_a_target_beyond_every_window_is_found_where_the_guide_sees_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sequence = _jump()
    alone = _forward_iou(build_batch_tracker("dcf-accurate"), sequence)
    with_guide = _forward_iou(_guided(monkeypatch, sequence.boxes), sequence)
    assert alone[5:].max() < 0.1  # the filter alone stays behind
    assert with_guide[5:].min() > 0.7  # it re-detects around the guide's box and keeps its own


def test_without_a_parting_the_guide_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    sequence = _jump()
    plain = track_sequence(sequence, build_batch_tracker("dcf-accurate"), np.array([0, len(sequence) - 1]))
    for guide, options in ((sequence.boxes, {"guide_parted": 0.0}), (None, {})):  # switched off; no guide box
        tracks = track_sequence(
            sequence, _guided(monkeypatch, guide, **options), np.array([0, len(sequence) - 1])
        )
        np.testing.assert_array_equal(tracks.forward.boxes, plain.forward.boxes)
        np.testing.assert_array_equal(tracks.backward.responses, plain.backward.responses)


def test_a_guide_the_filter_does_not_answer_to_is_not_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    # the guide points at empty background: the filter's answer there is far below its own peak
    sequence = _jump()
    wrong = sequence.boxes.copy()
    wrong[:, 1] += 100
    plain = _forward_iou(build_batch_tracker("dcf-accurate"), sequence)
    misled = _forward_iou(_guided(monkeypatch, wrong), sequence)
    np.testing.assert_allclose(misled[:4], plain[:4])


def test_the_cache_key_names_the_guide_and_its_weights(nanotrack_weights: Path) -> None:
    tracker = build_batch_tracker("dcf-guided", weights=str(nanotrack_weights))
    config = tracker_config(tracker)
    accurate = tracker_config(build_batch_tracker("dcf-accurate"))
    assert config["name"] == "dcf-guided" and config["guide"]["name"] == "nanotrack"
    assert config["guide"]["weights"]  # the weights' checksums: other weights, other tracks
    assert {k: v for k, v in config.items() if k not in ("name", "guide") and not k.startswith("guide_")} == {
        k: v for k, v in accurate.items() if k != "name" and not k.startswith("guide_")
    }
    assert tracker.needs == build_batch_tracker("dcf-accurate").needs
