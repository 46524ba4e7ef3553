"""T-Assess Net: windows that cover every frame, the network's shapes and directions, direction selection."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vasr.selection.model import TAssessNet
from vasr.selection.select import FLAG_REASONS, select_directions
from vasr.selection.windows import merge_window_scores, window_index, window_starts


@pytest.mark.parametrize("n", [1, 5, 19, 20, 21, 29, 30, 57, 300])
@pytest.mark.parametrize("stride", [1, 7, 10, 20])
def test_windows_cover_every_frame_and_stay_inside(n: int, stride: int) -> None:
    starts = window_starts(n, 20, stride)
    index, real = window_index(n, starts, 20)
    assert index.shape == (len(starts), 20)
    assert set(index[real].tolist()) == set(range(n))
    assert index.max() == n - 1 and index.min() == 0
    assert real.sum(1).min() == min(n, 20)  # only a sequence shorter than L gets a padded window


def test_merge_averages_the_windows_holding_a_frame() -> None:
    n = 25
    starts = window_starts(n, 20, 5)  # [0, 5]
    index, real = window_index(n, starts, 20)
    scores = torch.stack([torch.full((20,), 1.0), torch.full((20,), 3.0)])
    merged = merge_window_scores(scores, index, real, n)
    assert merged[:5].tolist() == [1.0] * 5
    assert merged[5:20].tolist() == [2.0] * 15
    assert merged[20:].tolist() == [3.0] * 5


def test_window_arguments_are_checked() -> None:
    with pytest.raises(ValueError):
        window_starts(0)
    with pytest.raises(ValueError):
        window_starts(10, 20, 21)


@pytest.mark.parametrize("temporal", ["lstm", "fc"])
def test_net_scores_every_frame_of_both_directions(temporal: str) -> None:
    torch.manual_seed(0)
    net = TAssessNet(temporal=temporal)
    b, length, s = 3, 20, 19
    inputs = (torch.rand(b, length, s, s), torch.rand(b, length, 4), torch.rand(b, length))
    forward, backward = net(inputs, inputs)
    assert forward.shape == backward.shape == (b, length)
    assert torch.isfinite(forward).all() and torch.isfinite(backward).all()


def test_backward_net_reads_its_window_in_tracking_order() -> None:
    """With an LSTM, the backward score of the *last* frame depends only on itself (the backward tracker
    starts there), and the forward score of the *first* frame only on the first frame."""
    torch.manual_seed(0)
    net = TAssessNet().eval()
    maps, boxes, conf = torch.rand(1, 20, 19, 19), torch.rand(1, 20, 4), torch.rand(1, 20)
    f0, b0 = net((maps, boxes, conf), (maps, boxes, conf))
    boxes2 = boxes.clone()
    boxes2[:, 1:-1] += 5.0  # the frames in between change a lot
    f1, b1 = net((maps, boxes2, conf), (maps, boxes2, conf))
    assert torch.allclose(f0[:, 0], f1[:, 0]) and torch.allclose(b0[:, -1], b1[:, -1])
    assert not torch.allclose(f0[:, -1], f1[:, -1]) and not torch.allclose(b0[:, 0], b1[:, 0])


def test_fc_variant_has_no_temporal_context() -> None:
    torch.manual_seed(0)
    net = TAssessNet(temporal="fc").eval()
    maps, boxes, conf = torch.rand(1, 20, 19, 19), torch.rand(1, 20, 4), torch.rand(1, 20)
    f0, _ = net((maps, boxes, conf), (maps, boxes, conf))
    maps2 = maps.clone()
    maps2[:, :10] = 0
    f1, _ = net((maps2, boxes, conf), (maps2, boxes, conf))
    assert torch.allclose(f0[:, 10:], f1[:, 10:])


def _select(variant: str, f_scores: list[float], b_scores: list[float], **kwargs: object):
    n = len(f_scores)
    fwd = np.tile([0.0, 0.0, 10.0, 10.0], (n, 1))
    bwd = np.tile([5.0, 5.0, 10.0, 10.0], (n, 1))
    valid = np.ones(n, bool)
    return select_directions(
        fwd,
        bwd,
        np.array(f_scores),
        np.array(b_scores),
        kwargs.pop("fv", valid),
        kwargs.pop("bv", valid),
        variant=variant,
        **kwargs,  # type: ignore[arg-type]
    )


def test_variants_choose_as_the_paper_says() -> None:
    f, b = [0.9, -0.2, -0.5, 0.1], [0.1, 0.3, -0.4, 0.1]
    assert _select("fwd", f, b).direction.tolist() == [0, 0, 0, 0]
    assert _select("bwd", f, b).direction.tolist() == [1, 1, 1, 1]
    sel = _select("sel", f, b)
    assert sel.direction.tolist() == [0, 1, 1, 0]  # ties keep the forward result
    assert sel.boxes[1].tolist() == [5.0, 5.0, 10.0, 10.0]
    assert not sel.failure.any()
    fail = _select("sel-fail", f, b)
    assert fail.direction.tolist() == sel.direction.tolist()
    assert fail.failure.tolist() == [False, False, True, False]


def test_a_missing_direction_is_never_chosen_and_no_result_is_a_failure() -> None:
    fv = np.array([True, False, False])
    bv = np.array([True, True, False])
    out = _select("sel-fail", [0.5, 0.9, 0.9], [0.1, -0.9, 0.9], fv=fv, bv=bv)
    assert out.direction.tolist() == [0, 1, -1]
    assert out.failure.tolist() == [False, True, True]
    assert out.reason.tolist() == ["", "low score", "no track"]  # what the human is told
    assert np.isnan(out.boxes[2]).all()
    out = _select("fwd", [0.5, 0.9, 0.9], [0.1, -0.9, 0.9], fv=fv, bv=bv)
    assert out.direction.tolist() == [0, 1, -1]


def test_keyframes_are_never_failures() -> None:
    out = _select("sel-fail", [-1.0, -1.0], [-1.0, -1.0], is_keyframe=np.array([True, False]))
    assert out.failure.tolist() == [False, True]


def test_a_later_flag_keeps_the_first_reason_and_reasons_come_from_one_list() -> None:
    out = _select("sel-fail", [0.5, -0.5, 0.5], [0.1, -0.9, 0.1]).flag(np.array([False, True, True]), "tied")
    assert out.failure.tolist() == [False, True, True]
    assert out.reason.tolist() == ["", "low score", "tied"]
    assert set(out.reason.tolist()) - {""} <= set(FLAG_REASONS)
    with pytest.raises(ValueError, match="unknown flag reason 'odd'"):
        out.flag(np.ones(3, bool), "odd")
    assert not _select("sel", [-0.5], [-0.9]).reason.any()  # only sel-fail flags


def test_threshold_moves_the_failure_boundary() -> None:
    assert _select("sel-fail", [0.2], [0.1], threshold=0.5).failure.tolist() == [True]
    assert _select("sel-fail", [0.2], [0.1], threshold=0.0).failure.tolist() == [False]
