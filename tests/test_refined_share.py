"""The refine stage's last step: each kept box moves a share of the way towards its refined box."""

from __future__ import annotations

import numpy as np
import pytest

from vasr.refinement.refine import towards

GIVEN = np.array([[0.0, 0.0, 10.0, 10.0], [50.0, 50.0, 20.0, 40.0]])
REFINED = np.array([[10.0, 0.0, 40.0, 10.0], [np.nan, np.nan, np.nan, np.nan]])


def test_share_one_is_the_refined_box_exactly_and_share_zero_the_given_one() -> None:
    np.testing.assert_array_equal(towards(GIVEN, REFINED, 1.0)[0], REFINED[0])
    np.testing.assert_allclose(towards(GIVEN, REFINED, 0.0)[0], GIVEN[0])


def test_halfway_averages_the_centres_and_meets_the_sizes_at_an_equal_factor() -> None:
    box = towards(GIVEN, REFINED, 0.5)[0]
    centre = box[:2] + box[2:] / 2
    np.testing.assert_allclose(centre, [(5.0 + 30.0) / 2, 5.0])  # centres 5 and 30 in x
    np.testing.assert_allclose(box[2:], [20.0, 10.0])  # 10 -> 20 -> 40: a factor 2 from each


def test_a_frame_without_a_refined_box_keeps_the_given_one() -> None:
    for share in (0.0, 0.5, 1.0):
        np.testing.assert_array_equal(towards(GIVEN, REFINED, share)[1], GIVEN[1])


@pytest.mark.parametrize("share", [-0.1, 1.5])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="share must be in"):
        towards(GIVEN, REFINED, share)
