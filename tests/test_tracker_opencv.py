"""OpenCV CSRT / KCF wrappers: they follow a target, never return an unusable box, reject bad input, and run
through the batch interface like every other tracker."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest

from vasr.geometry.boxes import box_iou
from vasr.tracking import SequentialBatch, Tracker, TrackerInputError, build_batch_tracker, tracker_config
from vasr.tracking.opencv import CSRTTracker, KCFTracker, to_cv_rect

TRACKERS = [CSRTTracker, KCFTracker]
SIZE = (120, 160)  # H, W
PATCH = 32


def _texture(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (shape[0] // 4 + 1, shape[1] // 4 + 1, 3), dtype=np.uint8)
    return np.kron(coarse, np.ones((4, 4, 1), dtype=np.uint8))[: shape[0], : shape[1]]


def moving_patch(num_frames: int = 20, step: int = 2) -> tuple[list[np.ndarray], np.ndarray]:
    """A textured patch moving right and down over a smooth background; frames and true boxes."""
    yy, xx = np.mgrid[: SIZE[0], : SIZE[1]]
    background = np.stack([xx, yy, (xx + yy) // 2], axis=-1).astype(np.uint8)
    patch = _texture(0, (PATCH, PATCH))
    frames, boxes = [], []
    for i in range(num_frames):
        x, y = 20 + step * i, 15 + i
        frame = background.copy()
        frame[y : y + PATCH, x : x + PATCH] = patch
        frames.append(frame)
        boxes.append([x, y, PATCH, PATCH])
    return frames, np.asarray(boxes, dtype=np.float64)


@pytest.mark.parametrize("cls", TRACKERS)
def test_follows_a_moving_textured_patch(cls: type) -> None:
    frames, truth = moving_patch()
    tracker = cls()
    assert isinstance(tracker, Tracker)
    assert not tracker.provides_confidence and not tracker.provides_response
    tracker.initialize(frames[0], truth[0])
    for frame, box in zip(frames[1:], truth[1:], strict=True):
        step = tracker.track(frame)
        assert step.box.shape == (4,) and step.box.dtype == np.float64
        assert math.isnan(step.confidence) and step.response is None
        assert float(box_iou(step.box, box)) > 0.7


@pytest.mark.parametrize("cls", TRACKERS)
def test_failure_keeps_a_finite_positive_box(cls: type) -> None:
    frames, truth = moving_patch(3)
    tracker = cls()
    tracker.initialize(frames[0], truth[0])
    last = tracker.track(frames[1]).box
    blank = np.zeros_like(frames[0])  # nothing left to find: OpenCV reports failure (or drifts)
    for _ in range(5):
        box = tracker.track(blank).box
        assert np.isfinite(box).all() and box[2] > 0 and box[3] > 0
    assert last.shape == (4,)


@pytest.mark.parametrize("cls", TRACKERS)
def test_reported_failure_returns_the_last_box(cls: type) -> None:
    frames, truth = moving_patch(4)
    tracker = cls()
    tracker.initialize(frames[0], truth[0])
    last = tracker.track(frames[1]).box

    class Failing:  # OpenCV's objects are read-only: stand in for one that reports failure, then raises
        def __init__(self) -> None:
            self.calls = 0

        def update(self, frame: np.ndarray) -> tuple[bool, tuple[int, int, int, int]]:
            self.calls += 1
            if self.calls > 1:
                raise cv2.error("boom")
            return False, (0, 0, 0, 0)

    tracker._tracker = Failing()
    assert np.array_equal(tracker.track(frames[2]).box, last)
    assert np.array_equal(tracker.track(frames[3]).box, last)
    assert tracker.failures == 2


@pytest.mark.parametrize("cls", TRACKERS)
@pytest.mark.parametrize(
    "box",
    [
        [10, 10, 0, 20],
        [10, 10, 20, -1],
        [np.nan, 10, 20, 20],
        [500, 10, 20, 20],
        [-40, -40, 20, 20],
        [1, 2, 3],
    ],
)
def test_bad_initial_boxes_raise(cls: type, box: list[float]) -> None:
    frames, _ = moving_patch(1)
    with pytest.raises(TrackerInputError):
        cls().initialize(frames[0], np.asarray(box, dtype=np.float64))


@pytest.mark.parametrize("cls", TRACKERS)
def test_bad_frames_raise(cls: type) -> None:
    frames, truth = moving_patch(2)
    with pytest.raises(TrackerInputError):
        cls().initialize(frames[0].astype(np.float32), truth[0])
    with pytest.raises(TrackerInputError):
        cls().initialize(frames[0][..., 0], truth[0])
    tracker = cls()
    with pytest.raises(RuntimeError):
        tracker.track(frames[1])
    tracker.initialize(frames[0], truth[0])
    with pytest.raises(TrackerInputError):
        tracker.track(frames[1][..., :2])


def test_unknown_parameter_is_an_error() -> None:
    with pytest.raises(TypeError, match="padding_typo"):
        CSRTTracker(padding_typo=2.0)


def test_box_conversion_rounds_clips_and_keeps_a_usable_size() -> None:
    assert to_cv_rect(np.array([10.4, 10.6, 20.2, 19.5]), 100, 100) == (10, 11, 21, 19)
    assert to_cv_rect(np.array([-5.0, -5.0, 20.0, 20.0]), 100, 100) == (0, 0, 15, 15)
    assert to_cv_rect(np.array([95.0, 95.0, 20.0, 20.0]), 100, 100) == (95, 95, 5, 5)
    assert to_cv_rect(np.array([99.6, 50.0, 0.3, 0.3]), 100, 100) == (98, 50, 2, 2)


def test_tiny_and_partly_outside_boxes_start() -> None:
    frames, _ = moving_patch(2)
    for box in ([0.2, 0.2, 0.6, 0.6], [150.0, 100.0, 40.0, 40.0]):
        for cls in TRACKERS:
            tracker = cls()
            tracker.initialize(frames[0], np.asarray(box))
            assert np.isfinite(tracker.track(frames[1]).box).all()


def test_config_names_the_version_and_every_parameter() -> None:
    config = CSRTTracker(padding=2.5).config
    assert config["opencv"] and config["params"]["padding"] == 2.5 and "admm_iterations" in config["params"]
    assert KCFTracker().config["params"]["detect_thresh"] == 0.5
    assert tracker_config(build_batch_tracker("kcf"))["name"] == "kcf"


@pytest.mark.parametrize("name", ["csrt", "kcf"])
def test_runs_through_the_batch_interface(name: str) -> None:
    frames, truth = moving_patch(8)
    batch = build_batch_tracker(name)
    assert isinstance(batch, SequentialBatch)
    assert not batch.provides_confidence and not batch.provides_response
    # two tracks: one forward from frame 0, one backward from the last frame
    batch.initialize([frames[0], frames[-1]], truth[[0, -1]])
    for i in range(1, len(frames)):
        result = batch.track([frames[i], frames[-1 - i]])
        assert result.boxes.shape == (2, 4) and result.responses is None
        assert np.isnan(result.confidences).all()
        assert float(box_iou(result.boxes[0], truth[i])) > 0.6
        assert float(box_iou(result.boxes[1], truth[-1 - i])) > 0.6


def test_same_input_same_boxes() -> None:
    frames, truth = moving_patch(10)
    runs = []
    for _ in range(2):
        tracker = CSRTTracker()
        tracker.initialize(frames[0], truth[0])
        runs.append(np.stack([tracker.track(f).box for f in frames[1:]]))
    np.testing.assert_array_equal(runs[0], runs[1])
