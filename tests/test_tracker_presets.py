"""Specification of the tracker presets beyond plain ``dcf``: what each knows, how the snippet's far keyframe
reaches it, and the parts that make ``dcf-accurate`` (end filter, size prior, re-detection around the track
and on the path between the human boxes, the memory of the keyframes around the snippet)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fake_trackers import FakeBatchTracker, frame_index, make_sequence
from test_tracker_dcf import _path, _scene, _texture

from vasr.data.frames import ArrayFrames
from vasr.data.sequence import Sequence
from vasr.geometry.boxes import box_iou
from vasr.tracking import build_batch_tracker, tracker_config
from vasr.tracking.base import KeyframeMemory, SnippetEnds, TrackContext, TrackerInputError, TrackerNeeds
from vasr.tracking.dcf import DCFAccurateTracker, DCFTracker, filters
from vasr.tracking.snippets import track_sequence


@pytest.fixture(autouse=True)
def _one_thread(one_torch_thread) -> None:  # noqa: ANN001 - the conftest fixture
    """Tiny tensors: thread hand-offs cost more than the work."""


class EndRecorder(FakeBatchTracker):
    """The fake batch tracker, asking for snippet ends and keeping what it was given."""

    needs = TrackerNeeds(ends=True)

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[int, int, int, bool]] = []  # start frame, end frame, steps, end box known

    def initialize(self, frames, boxes, context: TrackContext | None = None) -> None:  # noqa: ANN001
        assert context is not None and context.ends is not None and context.memory is None
        ends = context.ends
        super().initialize(frames, boxes, context)
        for frame, end_frame, known, steps in zip(frames, ends.frames, ends.known, ends.steps, strict=True):
            self.seen.append((frame_index(frame), frame_index(end_frame), int(steps), bool(known)))


def test_a_two_ended_tracker_gets_each_tracks_other_keyframe_box_and_distance() -> None:
    sequence = make_sequence("clip", 26, invisible=[20])
    recorder = EndRecorder()
    track_sequence(sequence, recorder, np.array([0, 10, 20]))

    seen = set(recorder.seen)
    assert (0, 10, 10, True) in seen  # forward (0, 10): arrives at 10 after 10 steps
    assert (10, 0, 10, True) in seen  # backward (10, 0): the mirror image
    assert (10, 10, 10, False) in seen  # forward (10, 20): the human said "no target" at 20
    # 20 cannot start a track; the tail after 20 and the head are not tracked from 20 either
    assert {s[0] for s in seen} == {0, 10}


def test_a_tracker_that_needs_nothing_gets_an_empty_context() -> None:
    tracker = FakeBatchTracker()
    track_sequence(make_sequence("clip", 21), tracker, np.array([0, 10, 20]))
    assert tracker.calls[0][0] == "initialize"
    assert tracker.context == TrackContext()


def test_presets_are_registry_names_with_their_own_cache_keys() -> None:
    configs = {name: tracker_config(build_batch_tracker(name)) for name in ("dcf", "dcf-accurate")}
    assert [c["name"] for c in configs.values()] == ["dcf", "dcf-accurate"]
    assert configs["dcf"]["end_weight"] == 0 and configs["dcf-accurate"]["end_weight"] > 0
    assert build_batch_tracker("dcf").needs == TrackerNeeds()
    assert build_batch_tracker("dcf-accurate").needs == TrackerNeeds(ends=True, memory_reach=4)
    assert configs["dcf-accurate"]["path_search"] and not configs["dcf"]["path_search"]
    assert configs["dcf-accurate"]["exact_solve"] and not configs["dcf"]["exact_solve"]
    # an option given by the user wins over the preset
    assert build_batch_tracker("dcf-accurate", end_weight=0.2).settings.end_weight == 0.2


def _sequence(truth: np.ndarray, seed: int = 0) -> Sequence:
    frames = _scene(truth, seed=seed)
    return Sequence("synthetic", ArrayFrames(frames), truth, np.ones(len(truth), dtype=bool))


def _forward_iou(name: str, sequence: Sequence, keys: list[int], **options: float) -> np.ndarray:
    tracks = track_sequence(sequence, build_batch_tracker(name, **options), np.array(keys))
    return box_iou(torch.as_tensor(tracks.forward.boxes), torch.as_tensor(sequence.boxes)).numpy()


def test_the_end_box_says_how_big_the_target_ends_up() -> None:
    # the target doubles in 20 frames: faster than the one-ended scale search can follow
    n = 21
    side = 30 * 2 ** (np.arange(n) / (n - 1))
    centre = np.array([160.0, 120.0])
    truth = np.concatenate((centre - side[:, None] / 2, np.stack((side, side), axis=1)), axis=1)
    sequence = _sequence(truth)
    one_ended = _forward_iou("dcf", sequence, [0, n - 1])
    two_ended = _forward_iou("dcf", sequence, [0, n - 1], end_weight=0.6, size_prior=0.3)
    assert two_ended[1:-1].mean() > one_ended[1:-1].mean() + 0.02
    assert two_ended[n - 2] > 0.85


def test_a_lost_target_is_found_again_in_a_wider_window() -> None:
    # the target jumps 40 px (beyond the 3-target-widths window, within twice it) and stays there
    truth = np.concatenate((_path(4, (100, 100), (0, 0), (24, 24)), _path(8, (140, 100), (0, 0), (24, 24))))
    sequence = _sequence(truth, seed=3)
    stays = _forward_iou("dcf", sequence, [0])
    finds = _forward_iou("dcf", sequence, [0], redetect_below=0.35)
    assert stays[-1] < 0.1 and finds[-1] > 0.7


def test_a_target_that_left_every_window_is_found_on_the_path_between_its_human_boxes() -> None:
    # it waits at its start box, jumps 80 px (beyond the wider window too) onto the straight line to its
    # end box and follows that line: only a search around the path's point at the track's progress finds it
    n = 13
    line = _path(n, (40, 100), (20, 0), (24, 24))
    truth = np.concatenate((_path(4, (40, 100), (0, 0), (24, 24)), line[4:]))
    sequence = _sequence(truth, seed=1)
    without = _forward_iou("dcf-accurate", sequence, [0, n - 1], path_search=False)
    with_path = _forward_iou("dcf-accurate", sequence, [0, n - 1])
    assert without[4:-1].max() < 0.1
    assert with_path[4:-1].min() > 0.8


def test_a_wider_grid_gives_the_same_response_where_both_see_the_same_sample() -> None:
    grid = 32
    torch.manual_seed(0)
    wide = torch.randn(1, 4, 2 * grid, 2 * grid)
    narrow = wide[..., grid // 2 : grid // 2 + grid, grid // 2 : grid // 2 + grid]
    spectrum = torch.fft.rfft2(narrow)
    numerator, denominator = filters.filter_terms(
        spectrum, filters.gaussian_label_fft(grid, torch.tensor([2.0]))
    )
    mask = filters.support_mask(grid, torch.tensor([[8.0, 8.0]]))
    filt = filters.constrained_filter(numerator, denominator, 1e-2, mask)
    small = filters.correlate(filt, spectrum[:, None], grid)[0, 0]
    padded = filters.pad_filter(filt, grid, 2 * grid)
    large = filters.correlate(padded, torch.fft.rfft2(wide)[:, None], 2 * grid)[0, 0]
    # shifts the support keeps inside the narrow patch read the same pixels in both
    for dy, dx in ((0, 0), (1, 2), (-3, 1)):
        assert large[dy, dx].item() == pytest.approx(small[dy, dx].item(), abs=1e-5)


def test_the_exact_filter_keeps_a_moving_target_and_differs_from_the_shared_one() -> None:
    truth = _path(12, (60, 80), (4.0, 2.5), (40, 50))
    sequence = _sequence(truth)
    exact = _forward_iou("dcf", sequence, [0], exact_solve=True, lam=1.0)
    shared = _forward_iou("dcf", sequence, [0], lam=1.0)
    assert exact[1:].min() > 0.7
    assert not np.allclose(exact, shared), "over a history of samples the two solutions differ"


def test_ends_for_another_batch_size_are_refused() -> None:
    truth = _path(3, (60, 80), (0, 0), (40, 50))
    frames = _scene(truth)
    tracker = DCFAccurateTracker()
    ends = SnippetEnds([frames[2]] * 2, np.stack([truth[2]] * 2), np.array([2, 2]))
    with pytest.raises(ValueError, match="snippet ends for 1 tracks"):
        tracker.initialize([frames[0]], truth[:1], TrackContext(ends=ends))
    DCFTracker().initialize([frames[0]], truth[:1], TrackContext(ends=ends))  # one-ended: ends are ignored


def _two_targets(n: int, a: tuple[int, int], b: tuple[int, int], side: int = 24) -> list[np.ndarray]:
    """Frames with two differently textured targets standing still at ``a`` and ``b`` (top-left corners)
    over a textured background; the last frame has only ``b``."""
    rng = np.random.default_rng(5)
    background = _texture(rng, 240, 320, blur=6.0)
    looks = [_texture(rng, side, side, blur=1.5) for _ in range(2)]
    frames = []
    for i in range(n):
        frame = background.copy()
        for (x, y), look, shown in ((a, looks[0], i < n - 1), (b, looks[1], True)):
            if shown:
                frame[y : y + side, x : x + side] = look
        frames.append(frame)
    return frames


def test_the_memory_filter_knows_the_target_by_its_look_on_the_other_keyframes() -> None:
    # the start box is on one target, the end keyframe's on another 30 px away: a track steered by the
    # memory filter alone (share 1) goes to the one the other keyframes show; without memory it stays
    n, side = 11, 24
    a, b = (100, 100), (130, 100)
    boxes = np.array([[*a, side, side]] * (n - 1) + [[*b, side, side]], dtype=np.float64)
    sequence = Sequence("two", ArrayFrames(_two_targets(n, a, b, side)), boxes, np.ones(n, dtype=bool))
    keys = np.array([0, n - 1])
    plain = track_sequence(sequence, build_batch_tracker("dcf"), keys).forward.boxes
    remembered = track_sequence(
        sequence, build_batch_tracker("dcf", memory_reach=1, memory_share=1.0), keys
    ).forward.boxes
    assert abs(plain[5, 0] - a[0]) < 3
    assert abs(remembered[5, 0] - b[0]) < 3


def test_dcf_accurate_remembers_the_keyframes_around_each_snippet() -> None:
    tracker = build_batch_tracker("dcf-accurate")
    assert tracker.needs.memory_reach > 0 and tracker.settings.memory_share > 0
    assert build_batch_tracker("dcf").needs.memory_reach == 0
    # a share of 0 turns it off
    assert build_batch_tracker("dcf-accurate", memory_share=0).needs.memory_reach == 0


def test_a_memory_that_does_not_fit_its_batch_is_an_error() -> None:
    frame = np.zeros((40, 40, 3), dtype=np.uint8)
    with pytest.raises(TrackerInputError, match="2 boxes"):
        KeyframeMemory([frame], np.zeros((2, 4)), np.ones((1, 1), dtype=bool))
    tracker = build_batch_tracker("dcf", memory_reach=1)
    memory = KeyframeMemory([frame], np.array([[10.0, 10, 8, 8]]), np.ones((3, 1), dtype=bool))
    with pytest.raises(TrackerInputError, match="3 tracks"):
        tracker.initialize([frame], np.array([[10.0, 10, 8, 8]]), TrackContext(memory=memory))
