"""Specification of the linear-interpolation baseline (LabelMe / VIPER / CVAT style)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vasr.baselines import LinearInterpolationAnnotator, interpolate_keyframes
from vasr.data.frames import ArrayFrames
from vasr.data.sequence import Sequence


def test_linear_between_keyframes():
    boxes = interpolate_keyframes(5, [0, 4], np.array([[0, 0, 10, 10], [40, 8, 30, 10.0]]))
    assert boxes.shape == (5, 4) and boxes.dtype == np.float64
    np.testing.assert_allclose(boxes[2], [20, 4, 20, 10])
    np.testing.assert_allclose(boxes[1], [10, 2, 15, 10])


def test_absent_keyframes_are_bridged_and_ends_hold_the_nearest_visible_box():
    keys = [2, 4, 6, 8, 9]
    kb = np.array([[0, 0, 1, 1], [10, 0, 1, 1], [999, 999, 0, 0], [30, 0, 1, 1], [np.nan] * 4])
    visible = np.array([False, True, False, True, False])
    boxes = interpolate_keyframes(11, keys, kb, visible)
    np.testing.assert_allclose(boxes[:5, 0], 10)  # before the first visible keyframe: constant
    np.testing.assert_allclose(boxes[4:9, 0], [10, 15, 20, 25, 30])  # across the absent keyframe at 6
    np.testing.assert_allclose(boxes[8:, 0], 30)  # after the last visible keyframe: constant


def test_no_visible_keyframe_means_no_prediction():
    boxes = interpolate_keyframes(4, [0, 3], np.ones((2, 4)), np.array([False, False]))
    assert np.isnan(boxes).all()


def test_single_visible_keyframe_is_held_everywhere():
    boxes = interpolate_keyframes(3, [1], np.array([[1.0, 2, 3, 4]]))
    np.testing.assert_array_equal(boxes, np.tile([1.0, 2, 3, 4], (3, 1)))


@pytest.mark.parametrize(
    ("num_frames", "keys", "kb", "visible", "match"),
    [
        (5, [0, 4], np.ones((3, 4)), None, "shape"),
        (5, [0, 4], np.ones((2, 4)), np.array([True]), "shape"),
        (5, [0, 5], np.ones((2, 4)), None, "strictly increasing"),
        (5, [3, 1], np.ones((2, 4)), None, "strictly increasing"),
        (5, [0, 4], np.array([[0, 0, 1, 1], [np.nan] * 4]), None, "non-finite"),
        (0, [], np.ones((0, 4)), None, "at least 1"),
    ],
)
def test_bad_input_is_a_value_error(num_frames, keys, kb, visible, match):
    with pytest.raises(ValueError, match=match):
        interpolate_keyframes(num_frames, keys, kb, visible)


@st.composite
def keyframed_video(draw):
    num_frames = draw(st.integers(1, 200))
    keys = sorted(draw(st.sets(st.integers(0, num_frames - 1), min_size=1, max_size=12)))
    kb = np.array(
        draw(
            st.lists(
                st.tuples(*[st.floats(-500, 500)] * 2, *[st.floats(1, 500)] * 2),
                min_size=len(keys),
                max_size=len(keys),
            )
        )
    )
    return num_frames, np.array(keys), kb


@settings(max_examples=80, deadline=None)
@given(keyframed_video())
def test_exact_at_keyframes_and_linear_in_between(video):
    num_frames, keys, kb = video
    boxes = interpolate_keyframes(num_frames, keys, kb)
    np.testing.assert_array_equal(boxes[keys], kb)
    for i in range(len(keys) - 1):
        (a, b), box_a, box_b = keys[i : i + 2], kb[i], kb[i + 1]
        s = (np.arange(a, b + 1) - a)[:, None] / (b - a)
        np.testing.assert_allclose(boxes[a : b + 1], (1 - s) * box_a + s * box_b, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(boxes[: keys[0]], np.broadcast_to(kb[0], (keys[0], 4)))
    np.testing.assert_array_equal(boxes[keys[-1] :], np.broadcast_to(kb[-1], (num_frames - keys[-1], 4)))


def _sequence(boxes: np.ndarray, visible: np.ndarray) -> Sequence:
    frames = ArrayFrames(np.zeros((len(boxes), 8, 8, 3), dtype=np.uint8))
    return Sequence("toy", frames, boxes, visible)


def test_annotator_uses_the_ground_truth_at_the_keyframes_only():
    n = 61
    gt = np.stack([np.arange(n) ** 2.0, np.zeros(n), np.full(n, 5.0), np.full(n, 5.0)], axis=1)
    visible = np.ones(n, dtype=bool)
    visible[30] = False  # the middle keyframe shows no target
    boxes = LinearInterpolationAnnotator().annotate(_sequence(gt, visible), interval=30)
    np.testing.assert_array_equal(boxes[[0, 60]], gt[[0, 60]])
    np.testing.assert_allclose(boxes[:, 0], np.linspace(0, 3600, n))  # bridged across frame 30
    np.testing.assert_allclose(boxes[:, 2:], 5.0)


def test_annotator_without_last_keyframe_holds_the_tail():
    n = 40
    gt = np.stack([np.arange(n, dtype=float), np.zeros(n), np.ones(n), np.ones(n)], axis=1)
    boxes = LinearInterpolationAnnotator().annotate(
        _sequence(gt, np.ones(n, bool)), interval=30, include_last=False
    )
    np.testing.assert_allclose(boxes[:31, 0], np.arange(31))
    np.testing.assert_allclose(boxes[30:, 0], 30)
