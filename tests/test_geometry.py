"""Specification of vasr.geometry: box conventions and IoU, quality score (eq. 2-3), masks (eq. 1, 4-6)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from vasr.geometry import (
    aggregate_rows_cols,
    box_area,
    box_from_aggregates,
    box_iou,
    box_mask,
    boxes_valid,
    clip_boxes,
    cxcywh_to_xywh,
    gaussian_weight_map,
    pairwise_box_iou,
    quality_loss,
    quality_score,
    rectified_accumulation,
    xywh_to_cxcywh,
    xywh_to_xyxy,
    xyxy_to_xywh,
)

coord = st.floats(-1000, 1000, allow_nan=False, width=64)
size = st.floats(0.01, 1000, allow_nan=False, width=64)
valid_box = st.tuples(coord, coord, size, size)
fast = settings(max_examples=60, deadline=None)


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


# --- conversions ----------------------------------------------------------------------------------


def test_xyxy_right_edge_is_x_plus_w_without_minus_one():
    assert xywh_to_xyxy(t(2, 3, 4, 5)).tolist() == [2, 3, 6, 8]
    assert xyxy_to_xywh(t(2, 3, 6, 8)).tolist() == [2, 3, 4, 5]


def test_centre_conversion():
    assert xywh_to_cxcywh(t(2, 3, 4, 6)).tolist() == [4, 6, 4, 6]
    assert cxcywh_to_xywh(t(4, 6, 4, 6)).tolist() == [2, 3, 4, 6]


@fast
@given(valid_box)
def test_conversions_round_trip(box):
    b = t(*box)
    torch.testing.assert_close(xyxy_to_xywh(xywh_to_xyxy(b)), b, rtol=0, atol=1e-9)
    torch.testing.assert_close(cxcywh_to_xywh(xywh_to_cxcywh(b)), b, rtol=0, atol=1e-9)


def test_conversions_are_batched_over_leading_dims_and_keep_dtype():
    boxes = torch.rand(2, 3, 5, 4, dtype=torch.float32)
    out = xywh_to_xyxy(boxes)
    assert out.shape == (2, 3, 5, 4) and out.dtype == torch.float32


def test_numpy_lists_and_integers_are_accepted_and_return_float_tensors():
    out = xywh_to_xyxy(np.array([[1, 2, 3, 4]]))
    assert isinstance(out, torch.Tensor) and out.is_floating_point()
    assert out.tolist() == [[1, 2, 4, 6]]
    assert box_iou([0, 0, 2, 2], np.array([0.0, 0.0, 2.0, 2.0])).item() == 1.0


def test_last_dimension_must_be_four():
    with pytest.raises(ValueError, match="last dimension of 4"):
        xywh_to_xyxy(torch.zeros(3, 5))


def test_validity_and_area():
    boxes = torch.tensor(
        [[0, 0, 2, 3], [0, 0, 0, 3], [0, 0, 2, -1], [math.nan, 0, 2, 3], [0, math.inf, 2, 3]],
        dtype=torch.float64,
    )
    assert boxes_valid(boxes).tolist() == [True, False, False, False, False]
    assert box_area(boxes[:3]).tolist() == [6, 0, 0]


def test_clip_boxes_to_image():
    boxes = t(-5, -5, 10, 10, 95, 45, 10, 10, 200, 0, 5, 5, math.nan, 0, 1, 1).reshape(4, 4)
    clipped = clip_boxes(boxes, width=100, height=50)
    assert clipped[0].tolist() == [0, 0, 5, 5]
    assert clipped[1].tolist() == [95, 45, 5, 5]
    assert not boxes_valid(clipped[2])  # entirely outside: empty
    assert torch.isnan(clipped[3, 0])


# --- IoU ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 2, 2), (0, 0, 2, 2), 1.0),
        ((0, 0, 2, 2), (1, 0, 2, 2), 2 / 6),
        ((0, 0, 4, 4), (1, 1, 2, 2), 4 / 16),
        ((0, 0, 1, 1), (1, 0, 1, 1), 0.0),  # touching edges share no area in continuous coordinates
        ((0, 0, 1, 1), (5, 5, 1, 1), 0.0),
    ],
)
def test_iou_known_values(a, b, expected):
    assert box_iou(t(*a), t(*b)).item() == pytest.approx(expected)


@pytest.mark.parametrize(
    "bad", [(math.nan,) * 4, (0, 0, math.nan, 2), (0, 0, math.inf, 2), (0, 0, 0, 2), (0, 0, -2, 2)]
)
def test_iou_with_invalid_box_is_zero_never_nan_and_gradients_stay_finite(bad):
    good = t(0, 0, 2, 2).requires_grad_()
    bad = t(*bad).requires_grad_()
    iou = box_iou(good, bad)
    assert iou.item() == 0.0
    iou.backward()
    assert torch.isfinite(good.grad).all() and torch.isfinite(bad.grad).all()
    assert box_iou(bad, bad).item() == 0.0


def test_iou_broadcasts_and_pairwise_matches_elementwise():
    a = torch.rand(3, 4, dtype=torch.float64) * 10 + t(0, 0, 1, 1)
    b = torch.rand(5, 4, dtype=torch.float64) * 10 + t(0, 0, 1, 1)
    pairwise = pairwise_box_iou(a, b)
    assert pairwise.shape == (3, 5)
    assert box_iou(a[:, None], b[None]).equal(pairwise)
    assert pairwise[1, 2] == box_iou(a[1], b[2])
    assert pairwise_box_iou(a[None].expand(2, 3, 4), b[None].expand(2, 5, 4)).shape == (2, 3, 5)


def test_iou_keeps_float32():
    assert box_iou(torch.rand(4, 4), torch.rand(4, 4)).dtype == torch.float32


def test_iou_is_differentiable():
    a = t(0, 0, 4, 4).requires_grad_()
    b = t(1, 1, 4, 4).requires_grad_()
    assert torch.autograd.gradcheck(box_iou, (a, b))


@fast
@given(valid_box, valid_box)
def test_iou_is_symmetric_and_in_unit_interval(a, b):
    ab, ba = box_iou(t(*a), t(*b)).item(), box_iou(t(*b), t(*a)).item()
    assert ab == pytest.approx(ba, abs=1e-12)
    assert 0.0 <= ab <= 1.0


@fast
@given(valid_box)
def test_iou_of_a_box_with_itself_is_one(box):
    assert box_iou(t(*box), t(*box)).item() == pytest.approx(1.0, abs=1e-9)


@fast
@given(valid_box, valid_box, st.floats(0.01, 100))
def test_iou_is_scale_invariant(a, b, scale):
    iou = box_iou(t(*a), t(*b)).item()
    assert box_iou(t(*a) * scale, t(*b) * scale).item() == pytest.approx(iou, abs=1e-6)


# --- quality score (eq. 2) and loss (eq. 3) -------------------------------------------------------


def test_quality_score_anchor_values():
    top = math.sqrt(50) * 0.5 / math.sqrt(1 + 50 * 0.25)
    assert quality_score(0.5).item() == 0.0
    assert quality_score(1.0).item() == pytest.approx(top) and top == pytest.approx(0.962, abs=1e-3)
    assert quality_score(0.0).item() == pytest.approx(-top)


unit = st.floats(0, 1, allow_nan=False)


@fast
@given(unit, unit)
def test_quality_score_is_increasing(u, v):
    lo, hi = sorted((u, v))
    f_lo, f_hi = quality_score(t(lo)).item(), quality_score(t(hi)).item()
    assert f_lo <= f_hi
    if hi - lo > 1e-6:
        assert f_lo < f_hi


@fast
@given(st.floats(0, 0.5), st.sampled_from([1.0, 2.0, 3.0, 0.5]))
def test_quality_score_is_odd_around_one_half_for_any_beta(d, beta):
    up, down = quality_score(t(0.5 + d), beta=beta), quality_score(t(0.5 - d), beta=beta)
    assert torch.isfinite(up) and up.item() == pytest.approx(-down.item(), abs=1e-12)


def test_quality_score_is_differentiable_at_the_threshold():
    u = t(0.5, 0.2, 0.9).requires_grad_()
    quality_score(u).sum().backward()
    assert torch.isfinite(u.grad).all() and (u.grad > 0).all()


def test_quality_score_rejects_non_positive_hyper_parameters():
    with pytest.raises(ValueError):
        quality_score(0.3, alpha=0)


def test_quality_loss_sum_mean_and_mask():
    pred, target = t(0.5, -0.5, 0.0), t(0.0, 0.5, math.nan)
    mask = torch.tensor([True, True, False])
    assert quality_loss(pred, target, mask).item() == pytest.approx(0.25 + 1.0)
    assert quality_loss(pred, target, mask, reduction="mean").item() == pytest.approx(1.25 / 2)
    assert quality_loss(pred, target, mask, reduction="none").tolist() == pytest.approx([0.25, 1.0, 0.0])
    assert quality_loss(pred[:2], target[:2], reduction="mean").item() == pytest.approx(1.25 / 2)
    with pytest.raises(ValueError):
        quality_loss(pred, target, reduction="max")


def test_quality_loss_masked_nan_targets_get_no_gradient():
    pred = t(0.5, 0.1).requires_grad_()
    quality_loss(pred, t(0.0, math.nan), torch.tensor([True, False])).backward()
    assert pred.grad.tolist() == [1.0, 0.0]


# --- masks (eq. 1, 4-6, inference) ----------------------------------------------------------------


def test_rectified_accumulation_is_min_not_max():
    mask = torch.zeros(4, 6)
    mask[1:3, 2:5] = 1  # the paper's printed max(1, .) would give all ones
    rows, cols = aggregate_rows_cols(mask)
    assert rows.tolist() == [0, 1, 1, 0]
    assert cols.tolist() == [0, 0, 1, 1, 1, 0]


def test_aggregates_have_row_and_column_shapes():
    rows, cols = aggregate_rows_cols(torch.rand(2, 3, 5, 7))
    assert rows.shape == (2, 3, 5) and cols.shape == (2, 3, 7)


@fast
@given(st.integers(0, 2**31 - 1), st.integers(1, 12), st.integers(1, 12))
def test_rectified_accumulation_is_bounded_in_unit_interval(seed, p, q):
    mask = torch.rand(p, q, generator=torch.Generator().manual_seed(seed))
    for dim in (0, 1):
        acc = rectified_accumulation(mask, dim)
        assert (acc >= 0).all() and (acc <= 1).all()


def test_rectified_accumulation_gradient_vanishes_only_where_saturated():
    mask = torch.tensor([[0.2, 0.3], [0.9, 0.8]], requires_grad=True)
    rectified_accumulation(mask, dim=1).sum().backward()
    assert mask.grad.tolist() == [[1, 1], [0, 0]]


def test_box_mask_counts_pixels_whose_centre_is_inside():
    mask = box_mask(t(1, 2, 3, 1), height=4, width=6)
    assert mask.shape == (4, 6) and mask.dtype == torch.float64
    assert mask.nonzero().tolist() == [[2, 1], [2, 2], [2, 3]]
    assert box_mask(t(0.4, 0, 1.2, 1), 1, 4).tolist() == [[1, 1, 0, 0]]  # centres 0.5, 1.5 in [0.4, 1.6)
    assert box_mask(t(0.6, 0, 0.8, 1), 1, 4).sum() == 0  # [0.6, 1.4) holds no centre
    assert box_mask(t(math.nan, 0, 2, 2), 3, 3).sum() == 0


def test_box_mask_formats_and_batching():
    boxes = torch.tensor([[[0.0, 0, 2, 2], [1, 1, 3, 2]]])
    masks = box_mask(boxes, 5, 5)
    assert masks.shape == (1, 2, 5, 5)
    assert masks.sum(dim=(-1, -2)).tolist() == [[4, 6]]
    assert box_mask(xywh_to_xyxy(boxes), 5, 5, fmt="xyxy").equal(masks)
    with pytest.raises(ValueError):
        box_mask(boxes, 5, 5, fmt="cxcywh")


@st.composite
def grid_and_box(draw):
    p, q = draw(st.integers(1, 24)), draw(st.integers(1, 24))
    y, x = draw(st.integers(0, p - 1)), draw(st.integers(0, q - 1))
    h, w = draw(st.integers(1, p - y)), draw(st.integers(1, q - x))
    return p, q, (x, y, w, h)


@fast
@given(grid_and_box(), st.floats(0, 1, exclude_min=True, exclude_max=True))
def test_perfect_mask_round_trips_to_its_box(grid, tau):
    p, q, box = grid
    rows, cols = aggregate_rows_cols(box_mask(t(*box), p, q))
    recovered, found = box_from_aggregates(rows, cols, tau)
    assert found.item()
    assert recovered.tolist() == list(box)


def test_box_from_aggregates_is_batched_and_flags_missing_boxes():
    boxes = torch.tensor([[1.0, 2, 3, 4], [math.nan] * 4, [0, 0, 8, 8]])
    rows, cols = aggregate_rows_cols(box_mask(boxes, 8, 8))
    recovered, found = box_from_aggregates(rows, cols, tau=0.5)
    assert found.tolist() == [True, False, True]
    assert recovered[0].tolist() == [1, 2, 3, 4] and recovered[2].tolist() == [0, 0, 8, 8]
    assert torch.isnan(recovered[1]).all()


def test_box_from_aggregates_thresholds_strictly():
    rows, cols = t(0.2, 0.5, 0.9, 0.1), t(0.6, 0.4, 0.7)
    box, found = box_from_aggregates(rows, cols, tau=0.5)
    assert found and box.tolist() == [0, 2, 3, 1]  # rows > 0.5: {2}; cols > 0.5: {0, 2}
    _, found = box_from_aggregates(rows, cols, tau=0.95)
    assert not found


def test_gaussian_weight_map_follows_eq_1_on_pixel_centres():
    # mu on the centre of pixel (row 1, column 3); x runs over columns, y over rows.
    theta = t(3.5, 1.5, 2.0, 1.0, 0.5)
    w = gaussian_weight_map(theta, height=4, width=6)
    assert w.shape == (4, 6)
    assert w[1, 3].item() == 1.0 and w.argmax().item() == 1 * 6 + 3
    expected = math.exp(-0.5 * ((0.5 - 3.5) ** 2 / 4 + (3.5 - 1.5) ** 2 / 1))
    assert w[3, 0].item() == pytest.approx(expected)
    assert w[1, 1].item() == pytest.approx(w[1, 5].item())  # symmetric about mu1


def test_gaussian_weight_map_is_batched_and_differentiable():
    theta = torch.tensor([[3.0, 2.0, 2.0, 2.0, 1.0], [1.0, 1.0, 1.0, 1.0, 0.0]], requires_grad=True)
    w = gaussian_weight_map(theta, height=5, width=7)
    assert w.shape == (2, 5, 7)
    assert (w[1] == 1).all()  # alpha = 0: no geometric prior
    w.sum().backward()
    assert torch.isfinite(theta.grad).all()
    with pytest.raises(ValueError):
        gaussian_weight_map(torch.zeros(4), 2, 2)
