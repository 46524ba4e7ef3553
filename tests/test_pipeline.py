"""The staged Annotator: ``annotate`` is its stages in order, keyframes come back as the human drew them
whatever the tracks say, refinement crops the kept direction only and gives the boxes a full refinement
would, and the flags do not depend on the boxes."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch
from fake_trackers import FakeBatchTracker, make_sequence

from vasr.directions import BACKWARD, FORWARD, NO_DIRECTION
from vasr.pipeline import Annotator, Assessment
from vasr.refinement.adaptation import KeyframeAdaptation
from vasr.refinement.dataset import RefineWindows
from vasr.refinement.model import VGRefineNet
from vasr.refinement.refine import refine_kept, refine_sequence
from vasr.selection.model import TAssessNet

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def annotator() -> Annotator:
    torch.manual_seed(0)
    refiner = VGRefineNet("vg", crop_size=32, decoder_width=8, g_hidden=8, pretrained=False).eval()
    return Annotator(
        FakeBatchTracker(offset=1.5, response_size=19),
        TAssessNet(width=4, hidden=8).eval(),
        refiner,
        KeyframeAdaptation(steps=2, batch_size=4),
    )


@pytest.fixture(scope="module")
def sequence():
    return make_sequence("clip", 75, invisible=[40])


def test_annotate_is_the_stages_in_order(annotator: Annotator, sequence) -> None:
    tracks = annotator.track(sequence)
    assessment = annotator.assess(sequence, tracks)
    selection = annotator.select(tracks, assessment)
    material = annotator.material(sequence, tracks)
    boxes = annotator.refine(material, selection, annotator.adapt(material))
    by_hand = annotator.assemble(sequence, tracks, selection, assessment, boxes)
    whole = annotator.annotate(sequence, tracks)
    for field in ("boxes", "keyframes", "failure", "quality", "direction"):
        np.testing.assert_array_equal(getattr(whole, field), getattr(by_hand, field), err_msg=field)


def test_keyframes_hold_the_human_boxes_whatever_the_tracks_say(annotator: Annotator, sequence) -> None:
    """Precomputed results need not repeat the keyframe box: the human's box wins, in one place."""
    tracks = annotator.track(sequence)
    keys = tracks.keyframes
    wrong = dataclasses.replace(tracks.forward, boxes=tracks.forward.boxes + 7.0)
    tracks = dataclasses.replace(tracks, forward=wrong)
    assessment = annotator.assess(sequence, tracks)
    annotation = annotator.assemble(sequence, tracks, annotator.select(tracks, assessment), assessment)
    np.testing.assert_array_equal(annotation.boxes[keys], sequence.boxes[keys])
    assert (annotation.direction[keys] == NO_DIRECTION).all()
    assert np.isnan(annotation.quality[keys]).all() and not annotation.failure[keys].any()


def test_an_invisible_keyframe_is_no_box() -> None:
    sequence = make_sequence("hidden", 61, invisible=[30])
    annotator = Annotator(FakeBatchTracker(response_size=19), TAssessNet(width=4, hidden=8).eval())
    annotation = annotator.annotate(sequence)
    assert np.isnan(annotation.boxes[30]).all()


def test_the_flags_do_not_depend_on_the_boxes(annotator: Annotator, sequence) -> None:
    tracks = annotator.track(sequence)
    low = Assessment(np.full(len(sequence), -0.5), np.linspace(-1, 1, len(sequence)))
    selection = annotator.select(tracks, low)
    plain = annotator.assemble(sequence, tracks, selection, low)
    moved = annotator.assemble(sequence, tracks, selection, low, selection.boxes + 3.0)
    np.testing.assert_array_equal(plain.failure, moved.failure)
    assert plain.failure.any() and not plain.failure.all()
    np.testing.assert_array_equal(plain.quality, moved.quality)


def test_only_the_kept_direction_is_cropped_and_its_boxes_are_those_of_a_full_refinement(
    annotator: Annotator, sequence
) -> None:
    tracks = annotator.track(sequence)
    material = annotator.material(sequence, tracks)
    n = len(sequence)
    direction = np.where(np.arange(n) % 30 < 15, FORWARD, BACKWARD).astype(np.int8)
    direction[[0, 30, 60, 74]] = NO_DIRECTION
    wanted = {"forward": direction == FORWARD, "backward": direction == BACKWARD}
    windows = RefineWindows([material], 20, 20, None, crop_size=32, train=False, require_target=False,
                            crop_frames=wanted)  # fmt: skip
    cropped = {"forward": [], "backward": []}
    for i, (_, d, first) in enumerate(windows.entries):
        cropped["forward" if d == FORWARD else "backward"] += (first + windows[i]["frames"].numpy()).tolist()
    for name in cropped:
        expected = np.flatnonzero(wanted[name] & material.direction(name).valid)
        assert sorted(set(cropped[name])) == expected.tolist(), name
        assert len(cropped[name]) <= len(expected) + 20  # the last window, aligned to the end, overlaps
    net = annotator.refiner
    kept = refine_kept(net, material, direction)
    full = refine_sequence(net, material)
    for d, name in ((FORWARD, "forward"), (BACKWARD, "backward")):
        rows = direction == d
        np.testing.assert_allclose(kept[rows], full[name][rows], atol=1e-3)
    assert np.isnan(kept[direction == NO_DIRECTION]).all()
    partial = refine_sequence(net, material, wanted)
    untouched = ~wanted["backward"]
    np.testing.assert_array_equal(partial["backward"][untouched], material.backward.boxes[untouched])
