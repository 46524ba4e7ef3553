"""NanoTrack behind vasr's batched tracker interface: the graphs take batches, batching changes nothing,
the weights are the user's (never fetched), and it follows a real target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vasr.geometry.boxes import box_iou
from vasr.tracking.base import NOTHING, RESPONSE_SIZE, TrackContext, TrackerSet
from vasr.tracking.nanotrack import FILES, NanoTrack, NanoTrackWeightsError, find_weights
from vasr.tracking.onnx_batch import BatchedGraph
from vasr.tracking.registry import TrackerOptionError, build_batch_tracker, options_for, tracker_config

rng = np.random.default_rng(0)


def frames_with_square(count: int, size: int = 120) -> tuple[list[np.ndarray], np.ndarray]:
    """Noisy frames with a bright textured square drifting right; its true boxes."""
    texture = rng.integers(0, 255, (24, 24, 3), dtype=np.uint8)
    frames, boxes = [], []
    for i in range(count):
        frame = rng.integers(40, 90, (size, size, 3), dtype=np.uint8)
        x, y = 30 + 2 * i, 40 + i
        frame[y : y + 24, x : x + 24] = texture
        frames.append(frame)
        boxes.append([x, y, 24.0, 24.0])
    return frames, np.array(boxes, dtype=np.float64)


def test_without_weights_it_says_where_they_come_from(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv("VASR_NANOTRACK", raising=False)
    with pytest.raises(NanoTrackWeightsError, match="HonglinChu/SiamTrackers.*VASR_NANOTRACK"):
        find_weights(None, 2)
    with pytest.raises(NanoTrackWeightsError, match="v2/nanotrack_head_sim.onnx not found"):
        NanoTrack(weights=str(tmp_path))
    with pytest.raises(NanoTrackWeightsError):
        build_batch_tracker("ensemble", weights=str(tmp_path))


@pytest.mark.parametrize("version", sorted(FILES))
def test_a_graph_exported_for_one_sample_runs_a_batch_with_the_same_results(
    nanotrack_weights: Path, version: int
) -> None:
    backbone, head = (BatchedGraph(p) for p in find_weights(nanotrack_weights, version))
    search = rng.uniform(0, 255, (3, 3, 255, 255)).astype(np.float32)
    template = rng.uniform(0, 255, (3, 3, 127, 127)).astype(np.float32)
    together, alone = backbone.run(search), np.concatenate([backbone.run(s[None]) for s in search])
    assert backbone.batched and together.shape[0] == 3
    np.testing.assert_allclose(together, alone, rtol=1e-4, atol=1e-4)
    features = backbone.run(template)  # the same backbone takes the template's size too
    maps, boxes = head.run(features, together, outputs=2)
    single = head.run(features[1:2], together[1:2], outputs=2)
    np.testing.assert_allclose(maps[1:2], single[0], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(boxes[1:2], single[1], rtol=1e-4, atol=1e-4)
    assert head.batched == (version == 2)  # v3's depth-wise correlation fixes one sample per call


@pytest.mark.parametrize("version", sorted(FILES))
def test_tracks_of_a_batch_are_the_tracks_of_each_alone(nanotrack_weights: Path, version: int) -> None:
    frames, truth = frames_with_square(8)
    tracker = NanoTrack(version, str(nanotrack_weights))
    tracker.initialize([frames[0], frames[2]], truth[[0, 2]])
    batch = [tracker.track([frames[i], frames[i + 2]]) for i in range(1, 6)]
    for row, start in enumerate((0, 2)):
        alone = NanoTrack(version, str(nanotrack_weights))
        alone.initialize([frames[start]], truth[[start]])
        for step, i in enumerate(range(start + 1, start + 6)):
            mine = alone.track([frames[i]])
            np.testing.assert_allclose(batch[step].boxes[row], mine.boxes[0], rtol=1e-4, atol=1e-3)
            np.testing.assert_allclose(batch[step].responses[row], mine.responses[0], atol=1e-4)
    last = batch[-1]
    assert last.responses.shape == (2, RESPONSE_SIZE, RESPONSE_SIZE) and np.isfinite(last.boxes).all()
    assert ((last.confidences > 0) & (last.confidences <= 1)).all()


def test_it_follows_a_moving_target_and_its_confidence_says_so(nanotrack_weights: Path) -> None:
    frames, truth = frames_with_square(20)
    tracker = NanoTrack(2, str(nanotrack_weights))
    tracker.initialize(frames[:1], truth[:1])
    steps = [tracker.track([f]) for f in frames[1:]]
    iou = box_iou(np.concatenate([s.boxes for s in steps]), truth[1:]).numpy()
    assert iou.mean() > 0.6
    assert np.median([s.confidences[0] for s in steps]) > 0.5


def test_it_tracks_from_one_end_as_the_papers_tracker_does(nanotrack_weights: Path) -> None:
    tracker = NanoTrack(weights=str(nanotrack_weights))
    assert tracker.needs == NOTHING  # reads no snippet end, no keyframe memory
    frames, truth = frames_with_square(6)
    tracker.initialize(frames[:1], truth[:1], TrackContext())
    assert np.isfinite(tracker.track(frames[1:2]).boxes).all()


def test_its_cache_key_names_the_weights_not_where_they_lie(nanotrack_weights: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    for name in FILES[2]:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_bytes((nanotrack_weights / name).read_bytes())
    here, there = NanoTrack(weights=str(nanotrack_weights)), NanoTrack(weights=str(copy))
    assert tracker_config(here) == tracker_config(there) and "weights" in tracker_config(here)
    assert tracker_config(here) != tracker_config(NanoTrack(3, str(nanotrack_weights)))


def test_the_ensemble_is_a_set_of_dcf_accurate_and_nanotrack(nanotrack_weights: Path) -> None:
    ensemble = build_batch_tracker("ensemble", weights=str(nanotrack_weights), memory_reach=1)
    assert isinstance(ensemble, TrackerSet)
    assert [tracker_config(m)["name"] for m in ensemble.members] == ["dcf-accurate", "nanotrack"]
    assert tracker_config(ensemble.members[0])["memory_reach"] == 1  # each option to the member taking it
    with pytest.raises(TrackerOptionError, match="no member"):
        build_batch_tracker("ensemble", weights=str(nanotrack_weights), colour=3)
    assert options_for("dcf", {"weights": "x", "lam": 0.1}) == {"lam": 0.1}
    with pytest.raises(TrackerOptionError, match="no tracker takes"):
        options_for("dcf", {"not_an_option": 1})
