"""Specification of the built-in DCF tracker (vasr.tracking.dcf): it follows, scales, reports how sure it is,
batches exactly like single runs, and survives the inputs a real annotation job throws at it."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
import torch

from vasr.geometry.boxes import box_iou
from vasr.tracking import TrackerInputError, build_batch_tracker, tracker_config
from vasr.tracking.dcf import DCFSingleTracker, DCFTracker


@pytest.fixture(autouse=True)
def _one_thread():
    """The tensors here are tiny: on a busy 2-core machine thread hand-offs cost more than the work."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def _texture(rng: np.random.Generator, height: int, width: int, blur: float) -> np.ndarray:
    noise = rng.uniform(0, 255, (height, width, 3)).astype(np.float32)
    return np.clip(cv2.GaussianBlur(noise, (0, 0), blur) * 3 - 255, 0, 255).astype(np.uint8)


def _scene(
    boxes: np.ndarray, size: tuple[int, int] = (240, 320), seed: int = 0, grey: bool = False
) -> list[np.ndarray]:
    """Frames with a textured target pasted (resized) at each box over a fixed, differently textured
    background."""
    rng = np.random.default_rng(seed)
    background = _texture(rng, *size, blur=6.0)
    target = _texture(rng, 64, 64, blur=1.5)
    frames = []
    for x, y, w, h in boxes:
        frame = background.copy()
        patch = cv2.resize(target, (round(w), round(h)), interpolation=cv2.INTER_AREA)
        x0, y0 = round(x), round(y)
        xa, ya = max(x0, 0), max(y0, 0)
        xb, yb = min(x0 + patch.shape[1], size[1]), min(y0 + patch.shape[0], size[0])
        if xb > xa and yb > ya:
            frame[ya:yb, xa:xb] = patch[ya - y0 : yb - y0, xa - x0 : xb - x0]
        if grey:
            frame = np.repeat(frame.mean(axis=2, keepdims=True).astype(np.uint8), 3, axis=2)
        frames.append(frame)
    return frames


def _path(
    n: int, start: tuple[float, float], step: tuple[float, float], size: tuple[float, float]
) -> np.ndarray:
    t = np.arange(n, dtype=np.float64)[:, None]
    return np.concatenate((np.asarray(start) + t * np.asarray(step), np.tile(size, (n, 1))), axis=1)


def _run(tracker: DCFSingleTracker, frames: list[np.ndarray], box: np.ndarray) -> list:
    tracker.initialize(frames[0], box)
    return [tracker.track(f) for f in frames[1:]]


def test_follows_a_moving_textured_target() -> None:
    truth = _path(20, (60, 80), (4.0, 2.5), (40, 50))
    steps = _run(DCFSingleTracker(), _scene(truth), truth[0])
    ious = box_iou(torch.tensor(np.stack([s.box for s in steps])), torch.tensor(truth[1:])).numpy()
    assert ious.min() > 0.7, ious


def test_estimates_a_scale_change() -> None:
    n = 16
    side = 40 * 1.025 ** np.arange(n)
    centre = np.array([160.0, 120.0])
    truth = np.concatenate((centre - side[:, None] / 2, np.stack((side, side), axis=1)), axis=1)
    steps = _run(DCFSingleTracker(), _scene(truth), truth[0])
    final = steps[-1].box
    assert final[2] / truth[0, 2] > 1.2  # the target grew by 45%; an unscaled box would stay at 1.0
    assert abs(final[2] / truth[-1, 2] - 1) < 0.15 and abs(final[3] / truth[-1, 3] - 1) < 0.15


def test_response_is_centred_when_the_target_stays() -> None:
    truth = _path(4, (100, 90), (0, 0), (48, 40))
    tracker = DCFSingleTracker()
    steps = _run(tracker, _scene(truth), truth[0])
    for step in steps:
        assert step.response.shape == (19, 19) and step.response.dtype == np.float32
        row, col = np.unravel_index(np.argmax(step.response), step.response.shape)
        assert abs(row - 9) <= 1 and abs(col - 9) <= 1
        assert np.isfinite(step.confidence)
    assert tracker.provides_confidence and tracker.provides_response and tracker.response_size == 19


def test_confidence_drops_when_the_target_is_replaced_by_noise() -> None:
    truth = _path(8, (100, 90), (1, 0), (48, 40))
    frames = _scene(truth)
    rng = np.random.default_rng(7)
    x, y, w, h = truth[-1].astype(int)
    frames[-1][y : y + h, x : x + w] = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    steps = _run(DCFSingleTracker(), frames, truth[0])
    before = np.array([s.confidence for s in steps[:-1]])
    assert steps[-1].confidence < 0.6 * before.min()


def test_batch_equals_single_runs() -> None:
    truth = _path(8, (60, 70), (3, 1), (40, 50))
    frames = _scene(truth)
    starts = np.array([truth[0], truth[0] + [2, -3, 6, 4], [200, 20, 30, 30]])
    batch = DCFTracker()
    batch.initialize([frames[0]] * 3, starts)
    batched = [batch.track([f] * 3) for f in frames[1:]]
    for i, start in enumerate(starts):
        single = _run(DCFSingleTracker(), frames, start)
        for b, s in zip(batched, single, strict=True):
            np.testing.assert_allclose(b.boxes[i], s.box, atol=1e-3)
            np.testing.assert_allclose(b.confidences[i], s.confidence, atol=1e-4)
            np.testing.assert_allclose(b.responses[i], s.response, atol=1e-4)


def test_frames_of_different_sizes_and_grey_frames_in_one_batch() -> None:
    a = _path(6, (40, 30), (3, 2), (30, 36))
    b = _path(6, (200, 300), (-4, 0), (90, 60))
    small = _scene(a, size=(120, 160), seed=1, grey=True)
    large = _scene(b, size=(480, 640), seed=2)
    tracker = DCFTracker()
    tracker.initialize([small[0][:, :, 0], large[0]], np.stack((a[0], b[0])))  # (H, W) grey is accepted
    for i in range(1, 6):
        step = tracker.track([small[i], large[i]])
        assert step.boxes.shape == (2, 4) and step.responses.shape == (2, 19, 19)
        ious = box_iou(torch.tensor(step.boxes), torch.tensor(np.stack((a[i], b[i])))).numpy()
        assert ious.min() > 0.6, ious


@pytest.mark.parametrize(
    "box",
    [
        [10, 10, 0, 20],
        [10, 10, 20, -5],
        [np.nan, 10, 20, 20],
        [10, 10, np.inf, 20],
        [400, 10, 20, 20],
        [-50, -50, 20, 20],
        [1, 2, 3],
    ],
)
def test_bad_initial_boxes_raise(box: list[float]) -> None:
    frame = np.zeros((120, 160, 3), np.uint8)
    with pytest.raises(TrackerInputError):
        DCFSingleTracker().initialize(frame, np.asarray(box, dtype=np.float64))


def test_bad_batches_raise() -> None:
    frame = np.zeros((120, 160, 3), np.uint8)
    tracker = DCFTracker()
    with pytest.raises(TrackerInputError):
        tracker.track([frame])  # not initialised
    with pytest.raises(TrackerInputError):
        tracker.initialize([frame, frame], np.array([[10, 10, 20, 20]]))
    tracker.initialize([frame, frame], np.array([[10, 10, 20, 20], [50, 50, 10, 10]]))
    with pytest.raises(TrackerInputError):
        tracker.track([frame])


@pytest.mark.parametrize("box", [[150, 60, 40, 40], [2, 3, 3, 4], [0, 0, 300, 220]])
def test_leaving_the_frame_tiny_and_huge_targets_give_finite_positive_boxes(box: list[float]) -> None:
    truth = _path(12, box[:2], (12, 5), box[2:])  # walks off the right/bottom edge of a 320x240 frame
    steps = _run(DCFSingleTracker(), _scene(truth), truth[0])
    for step in steps:
        assert np.isfinite(step.box).all() and (step.box[2:] > 0).all()
        assert np.isfinite(step.confidence) and np.isfinite(step.response).all()


def test_is_deterministic() -> None:
    truth = _path(6, (60, 70), (3, 1), (40, 50))
    frames = _scene(truth)
    first = _run(DCFSingleTracker(), frames, truth[0])
    second = _run(DCFSingleTracker(), frames, truth[0])
    for a, b in zip(first, second, strict=True):
        assert np.array_equal(a.box, b.box) and a.confidence == b.confidence
        assert np.array_equal(a.response, b.response)


def test_registry_builds_it_and_config_is_a_json_cache_key() -> None:
    tracker = build_batch_tracker("dcf")
    assert isinstance(tracker, DCFTracker) and tracker.name == "dcf"
    config = tracker_config(tracker)
    assert config["name"] == "dcf" and json.loads(json.dumps(config)) == config
    assert tracker_config(build_batch_tracker("dcf", learning_rate=0.05)) != config
    with pytest.raises(TypeError):
        DCFTracker(no_such_option=1)


def test_thread_limit_is_scoped_to_the_tracker() -> None:
    truth = _path(3, (60, 70), (3, 1), (40, 50))
    frames = _scene(truth)
    torch.set_num_threads(2)
    tracker = DCFSingleTracker(threads=1)
    steps = _run(tracker, frames, truth[0])
    assert torch.get_num_threads() == 2 and "threads" not in tracker.config
    reference = _run(DCFSingleTracker(), frames, truth[0])
    np.testing.assert_allclose(steps[-1].box, reference[-1].box, atol=1e-3)


@pytest.mark.realdata
def test_tracks_a_real_sequence(real_root) -> None:
    from vasr.data.readers import load_dataset

    (seq,) = load_dataset("otb", real_root, names=["Crossing"])
    tracker = DCFSingleTracker()
    tracker.initialize(seq.frame(0), seq.boxes[0])
    boxes = np.stack([tracker.track(seq.frame(i)).box for i in range(1, 30)])
    ious = box_iou(torch.tensor(boxes), torch.tensor(seq.boxes[1:30])).numpy()
    assert ious.mean() > 0.6, ious.mean()
