"""Specification of the keyframe schedule: first frame, every K-th, and the last; snippets between them."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vasr.data.keyframes import keyframe_indices, keyframe_mask, snippet_progress, snippets


@pytest.mark.parametrize(
    ("num_frames", "interval", "include_last", "expected"),
    [
        (100, 30, True, [0, 30, 60, 90, 99]),
        (91, 30, True, [0, 30, 60, 90]),  # the last frame already is a keyframe
        (100, 30, False, [0, 30, 60, 90]),
        (10, 30, True, [0, 9]),  # shorter than the interval: first and last
        (10, 30, False, [0]),
        (1, 30, True, [0]),
        (4, 1, True, [0, 1, 2, 3]),
    ],
)
def test_keyframe_indices(num_frames, interval, include_last, expected):
    keys = keyframe_indices(num_frames, interval, include_last)
    assert keys.dtype == np.int64
    assert keys.tolist() == expected


def test_default_schedule_is_the_papers_one_in_thirty():
    assert keyframe_indices(301).tolist() == list(range(0, 301, 30))


@pytest.mark.parametrize(("num_frames", "interval"), [(0, 30), (-1, 30), (10, 0), (10, -5)])
def test_bad_arguments_are_value_errors(num_frames, interval):
    with pytest.raises(ValueError):
        keyframe_indices(num_frames, interval)
    with pytest.raises(ValueError):
        keyframe_mask(num_frames, interval)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 500), st.integers(1, 60), st.booleans())
def test_schedule_invariants(num_frames, interval, include_last):
    keys = keyframe_indices(num_frames, interval, include_last)
    assert keys[0] == 0 and keys[-1] < num_frames
    assert np.all(np.diff(keys) >= 1) and np.all(np.diff(keys) <= interval)
    if include_last:
        assert keys[-1] == num_frames - 1
    mask = keyframe_mask(num_frames, interval, include_last)
    assert mask.shape == (num_frames,) and np.flatnonzero(mask).tolist() == keys.tolist()


def test_snippets_are_consecutive_keyframe_pairs():
    assert snippets(np.array([0, 30, 60, 75])) == [(0, 30), (30, 60), (60, 75)]
    assert snippets([0]) == []
    assert all(isinstance(i, int) for pair in snippets([0, 5]) for i in pair)


def test_snippets_need_increasing_keyframes():
    with pytest.raises(ValueError, match="strictly increasing"):
        snippets([0, 30, 30])


def test_snippet_progress_runs_from_each_keyframe_to_the_next() -> None:
    progress = snippet_progress(np.array([2, 6, 8]), 10)
    np.testing.assert_allclose(progress[[3, 4, 5, 7]], [0.25, 0.5, 0.75, 0.5])
    assert np.isnan(progress[[0, 1, 2, 6, 8, 9]]).all()  # keyframes, head and tail lie in no snippet
