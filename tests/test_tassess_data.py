"""T-Assess training material: targets and masks from tracking results, dense windows, the two-fold split."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vasr.data.folds import category_fold
from vasr.data.frames import ArrayFrames
from vasr.data.keyframes import keyframe_indices
from vasr.data.sequence import Sequence
from vasr.geometry.quality import quality_score
from vasr.selection.dataset import AssessmentSequence, AssessmentWindows
from vasr.tracking.snippets import DirectionTracks, SequenceTracks


def _sequence(n: int = 40, invisible: tuple[int, ...] = ()) -> Sequence:
    boxes = np.tile([10.0, 20.0, 40.0, 20.0], (n, 1))
    boxes[:, 0] += np.arange(n)
    visible = np.ones(n, bool)
    visible[list(invisible)] = False
    return Sequence("toy-1", ArrayFrames(np.zeros((n, 100, 200, 3), np.uint8)), boxes, visible)


def _tracks(seq: Sequence, shift: float, maps: bool = True) -> SequenceTracks:
    n = len(seq)
    keys = keyframe_indices(n, 30)
    fwd = DirectionTracks(
        seq.boxes + [shift, 0, 0, 0],
        np.linspace(0, 1, n),
        np.ones((n, 19, 19), np.float16) if maps else None,
        np.ones(n, bool),
    )
    bwd_valid = np.ones(n, bool)
    bwd_valid[5] = False
    bwd_boxes = seq.boxes.copy()
    bwd_boxes[5] = np.nan
    bwd = DirectionTracks(
        bwd_boxes, np.full(n, np.nan), None if not maps else np.zeros((n, 19, 19)), bwd_valid
    )
    return SequenceTracks(seq.name, keys, fwd, bwd, {"name": "fake"}, 0, 0.0)


def test_targets_are_f_of_iou_and_masks_skip_keyframes_invisible_and_missing_results() -> None:
    seq = _sequence(invisible=(7,))
    item = AssessmentSequence.from_tracks(seq, _tracks(seq, shift=20.0))
    iou = (40 - 20) / (40 + 20)  # a 40-wide box shifted by 20: 1/3
    assert torch.allclose(item.forward.iou[1], torch.tensor(iou))
    assert torch.allclose(item.forward.target[1], quality_score(torch.tensor(iou)).float())
    assert item.backward.target[1] == pytest.approx(float(quality_score(1.0)), abs=1e-6)
    keys = keyframe_indices(len(seq), 30)
    assert not item.forward.mask[keys].any()
    assert not item.forward.mask[7] and not item.backward.mask[7]  # no ground truth there
    assert item.forward.mask[5] and not item.backward.mask[5]  # no backward result there
    assert int(item.forward.mask.sum()) == len(seq) - len(keys) - 1


def test_inputs_are_normalised_and_never_nan() -> None:
    seq = _sequence()
    item = AssessmentSequence.from_tracks(seq, _tracks(seq, shift=0.0))
    for material in (item.forward, item.backward):
        for tensor in (material.inputs.maps, material.inputs.boxes, material.inputs.confidences):
            assert torch.isfinite(tensor).all()
    # corners over the 200x100 image: frame 0 box 10,20,40,20 -> 0.05, 0.2, 0.25, 0.4
    assert torch.allclose(item.backward.inputs.boxes[0], torch.tensor([0.05, 0.2, 0.25, 0.4]))
    assert item.backward.inputs.confidences.eq(0).all()  # NaN confidences read as 0
    assert item.backward.inputs.boxes[5].eq(0).all()  # no result reads as zeros


def test_missing_response_maps_read_as_zero_maps_of_the_requested_size() -> None:
    seq = _sequence()
    item = AssessmentSequence.from_tracks(seq, _tracks(seq, shift=0.0, maps=False), response_size=11)
    assert item.forward.inputs.maps.shape == (len(seq), 11, 11) and item.forward.inputs.maps.eq(0).all()


def test_windows_are_dense_and_items_carry_both_directions() -> None:
    seq = _sequence(n=40)
    item = AssessmentSequence.from_tracks(seq, _tracks(seq, shift=5.0))
    windows = AssessmentWindows([item, item], length=20, stride=1)
    assert len(windows) == 2 * (40 - 20 + 1)
    sample = windows[3]
    assert sample["forward_maps"].shape == (20, 19, 19)
    assert sample["backward_boxes"].shape == (20, 4)
    assert set(k.split("_", 1)[1] for k in sample) == {"maps", "boxes", "conf", "target", "mask", "iou"}
    short = AssessmentSequence.from_tracks(_sequence(n=8), _tracks(_sequence(n=8), shift=1.0))
    padded = AssessmentWindows([short], length=20)[0]
    assert padded["forward_mask"][8:].sum() == 0  # padding never counts


def test_a_mismatched_tracking_result_is_refused() -> None:
    seq = _sequence(n=40)
    with pytest.raises(ValueError, match="toy-1"):
        AssessmentSequence.from_tracks(_sequence(n=41), _tracks(seq, shift=0.0))


def test_category_fold_halves_every_category_and_covers_all_names() -> None:
    names = [f"cat-{i}" for i in range(1, 5)] + [f"dog-{i}" for i in range(1, 4)] + ["Bird2", "Car1", "Toy"]
    fold0, fold1 = category_fold(names, 0), category_fold(names, 1)
    assert sorted(fold0 + fold1) == sorted(names) and not set(fold0) & set(fold1)
    assert {"cat-1", "cat-2"} <= set(fold0) and {"cat-3", "cat-4"} <= set(fold1)
    assert "cat-10" not in fold0
    many = [f"cat-{i}" for i in range(1, 13)]
    assert category_fold(many, 0) == sorted(f"cat-{i}" for i in range(1, 7))  # numeric, not text order
    with pytest.raises(ValueError):
        category_fold(names, 2)


@pytest.mark.parametrize("n", [7, 40, 95])
def test_whole_sequences_of_any_length_get_a_score_per_frame_with_a_result(n: int) -> None:
    from vasr.selection.assess import assess_sequence
    from vasr.selection.model import TAssessNet

    seq = _sequence(n=n)
    tracks = _tracks(seq, shift=3.0)
    forward, backward = assess_sequence(TAssessNet(), tracks, seq.image_size)
    assert forward.shape == backward.shape == (n,)
    assert np.isfinite(forward).all()
    assert np.isnan(backward[5]) == (not tracks.backward.valid[5])  # no result, no score
    assert np.isfinite(np.delete(backward, 5)).all()


def test_selected_annotation_keeps_keyframes_and_lists_failures() -> None:
    from vasr.pipeline import Annotator, Assessment
    from vasr.selection.model import TAssessNet

    seq = _sequence(n=40)
    tracks = _tracks(seq, shift=3.0)
    low = Assessment(np.full(40, -0.5), np.full(40, -0.5))
    annotator = Annotator(None, TAssessNet())
    annotation = annotator.assemble(seq, tracks, annotator.select(tracks, low), low).annotation_set()
    keys = keyframe_indices(40, 30)
    assert annotation.keyframes.tolist() == keys.tolist()
    assert set(annotation.failures.tolist()) == set(range(40)) - set(keys.tolist())
    assert np.allclose(annotation.boxes[keys], seq.boxes[keys])  # the human boxes stay
    assert np.allclose(annotation.boxes[1], seq.boxes[1] + [3, 0, 0, 0])  # elsewhere the tracked box
