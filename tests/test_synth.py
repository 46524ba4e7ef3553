"""The embedded default dataset (`vasr.data.synth`): LaSOT's exact layout, byte-for-byte determinism,
resumable generation, ground truth that matches the pixels, and difficulty that is really there."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from vasr.data.synth import CATEGORIES, GENERATOR_VERSION, SynthConfig, SynthRootError, generate_dataset
from vasr.data.synth.render import render_frame
from vasr.data.synth.scene import build_scene, draw_profile
from vasr.data.synth.writer import write_sequence

TINY = SynthConfig(categories=2, sequences_per_category=1, frames=40, width=96, height=72)
NO_PID = 2**22 + 1  # above Linux's largest pid_max: no process has it


def generate(root: Path, config: SynthConfig = TINY, **options) -> list[Path]:
    return generate_dataset(root, config, progress=False, workers=options.pop("workers", 1), **options)


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (relative path -> bytes)."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def read_sequence(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(boxes 1-based int (N, 4), full_occlusion (N,), out_of_view (N,)) parsed straight from the files."""
    boxes = np.array(
        [[int(v) for v in line.split(",")] for line in (folder / "groundtruth.txt").read_text().splitlines()]
    )
    flags = [
        np.array([int(v) for v in (folder / name).read_text().strip().split(",")])
        for name in ("full_occlusion.txt", "out_of_view.txt")
    ]
    return boxes, flags[0], flags[1]


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(a[:, 0], b[:, 0]), np.maximum(a[:, 1], b[:, 1])
    x1 = np.minimum(a[:, 0] + a[:, 2], b[:, 0] + b[:, 2])
    y1 = np.minimum(a[:, 1] + a[:, 3], b[:, 1] + b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    return inter / (a[:, 2] * a[:, 3] + b[:, 2] * b[:, 3] - inter)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    generate(root)
    return root


# A default-ish config, small enough for a test: default length and difficulty knobs, smaller frames, fewer
# sequences.
SMALL = SynthConfig(categories=6, sequences_per_category=2, width=128, height=96)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("small")
    generate(root, SMALL, workers=2)
    return root


def test_writes_lasot_exact_layout(tiny: Path) -> None:
    assert sorted(p.name for p in tiny.iterdir()) == ["README.txt", "astronaut", "cat", "synth_config.json"]
    for category in ("cat", "astronaut"):
        folder = tiny / category / f"{category}-1"
        assert sorted(p.name for p in folder.iterdir()) == [
            "full_occlusion.txt",
            "groundtruth.txt",
            "img",
            "nlp.txt",
            "out_of_view.txt",
        ]
        assert sorted(p.name for p in (folder / "img").iterdir()) == [f"{i:08d}.jpg" for i in range(1, 41)]
        image = cv2.imread(str(folder / "img" / "00000040.jpg"))
        assert image.shape == (72, 96, 3)
        lines = (folder / "groundtruth.txt").read_text().splitlines()
        assert len(lines) == 40
        assert all(
            len(line.split(",")) == 4 and all(v.lstrip("-").isdigit() for v in line.split(","))
            for line in lines
        )
        for name in ("full_occlusion.txt", "out_of_view.txt"):
            text = (folder / name).read_text()
            assert text.count("\n") == 1 and text.endswith("\n")
            assert set(text.strip().split(",")) <= {"0", "1"} and len(text.strip().split(",")) == 40
        sentence = (folder / "nlp.txt").read_text().splitlines()
        assert len(sentence) == 1 and len(sentence[0].split()) >= 3
        boxes, full, out = read_sequence(folder)
        assert full[0] == out[0] == 0 and boxes[0, 2] > 0 and boxes[0, 3] > 0, (
            "the first frame shows the target"
        )


def test_stamp_records_the_exact_config(tiny: Path) -> None:
    stamp = json.loads((tiny / "synth_config.json").read_text())
    assert stamp["version"] == GENERATOR_VERSION
    assert SynthConfig.from_dict(stamp["config"]) == TINY
    readme = (tiny / "README.txt").read_text()
    assert f"version {GENERATOR_VERSION}" in readme and "jpeg_quality = 90" in readme


def test_same_config_gives_identical_bytes_whatever_the_workers(tiny: Path, tmp_path: Path) -> None:
    generate(tmp_path / "again", workers=2)
    assert tree(tmp_path / "again") == tree(tiny)


def test_different_seed_gives_different_videos(tiny: Path, tmp_path: Path) -> None:
    generate(tmp_path, dataclasses.replace(TINY, seed=1))
    other = tree(tmp_path)
    first = "cat/cat-1/img/00000001.jpg"
    assert other[first] != tree(tiny)[first]
    assert other["cat/cat-1/groundtruth.txt"] != tree(tiny)["cat/cat-1/groundtruth.txt"]


def test_a_sequence_does_not_depend_on_which_others_are_generated(tiny: Path, tmp_path: Path) -> None:
    generate(tmp_path, dataclasses.replace(TINY, categories=1))
    alone = {k: v for k, v in tree(tmp_path).items() if k.startswith("cat/")}
    assert alone == {k: v for k, v in tree(tiny).items() if k.startswith("cat/")}


def test_rerun_with_the_same_config_touches_nothing(tiny: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in tiny.rglob("*")}
    folders = generate(tiny)
    assert folders == [tiny / "cat" / "cat-1", tiny / "astronaut" / "astronaut-1"]
    assert {p: p.stat().st_mtime_ns for p in tiny.rglob("*")} == before


def test_interrupted_generation_is_completed_identically(tiny: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(tiny, root)
    shutil.rmtree(root / "astronaut" / "astronaut-1")  # never renamed into place
    (root / ".partial" / f"astronaut-1.{NO_PID}" / "img").mkdir(parents=True)  # a half-written one
    cat_mtime = (root / "cat" / "cat-1" / "groundtruth.txt").stat().st_mtime_ns
    generate(root)
    assert tree(root) == tree(tiny)
    assert not (root / ".partial").exists()
    assert (root / "cat" / "cat-1" / "groundtruth.txt").stat().st_mtime_ns == cat_mtime


def test_a_generator_running_beside_another_on_the_same_root_leaves_its_work_alone(
    tiny: Path, tmp_path: Path
) -> None:
    root = tmp_path / "data"
    shutil.copytree(tiny, root)
    shutil.rmtree(root / "astronaut" / "astronaut-1")
    running = root / ".partial" / f"cat-1.{os.getpid()}"  # a live process's sequence in progress
    (running / "img").mkdir(parents=True)
    generate(root)
    assert running.is_dir(), "the other generator's half-written sequence is still there"
    assert tree(root / "astronaut") == tree(tiny / "astronaut")


def test_two_generators_started_together_on_an_empty_root_both_finish(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two experiments that start at once both generate the default data: the second one arrives while the
    first is writing its stamp, sees the root as empty apart from that write, and shares the root."""
    root = tmp_path / "data"
    real_replace, arrived = os.replace, []

    def second_generator_arrives(source: str | Path, target: str | Path) -> None:
        if Path(target).name == "synth_config.json" and not arrived:
            arrived.append(True)
            generate(root)  # runs to the end between the first one's write and its rename
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", second_generator_arrives)
    generate(root)
    assert arrived
    assert tree(root) == tree(tiny), "one dataset, no temporary file left"


def test_a_sequence_another_generator_finished_first_is_kept(tiny: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(tiny, root)
    finished = write_sequence(root, TINY, 0, 1)  # the rename meets the other's complete folder
    assert finished == root / "cat" / "cat-1"
    assert tree(root) == tree(tiny)


def test_another_config_in_an_existing_root_is_refused_unless_overwrite(tiny: Path, tmp_path: Path) -> None:
    root = tmp_path / "data"
    shutil.copytree(tiny, root)
    other = dataclasses.replace(TINY, seed=7)
    with pytest.raises(SynthRootError, match="another configuration.*overwrite=True"):
        generate(root, other)
    assert tree(root) == tree(tiny), "a refused run changes nothing"
    generate(root, other, overwrite=True)
    assert SynthConfig.from_dict(json.loads((root / "synth_config.json").read_text())["config"]) == other
    assert tree(root)["cat/cat-1/img/00000001.jpg"] != tree(tiny)["cat/cat-1/img/00000001.jpg"]


def test_a_foreign_non_empty_root_is_refused(tmp_path: Path) -> None:
    (tmp_path / "holiday.jpg").write_bytes(b"not ours")
    with pytest.raises(SynthRootError, match="not empty"):
        generate(tmp_path)


def test_a_dangling_symbolic_link_on_the_root_path_is_named(tmp_path: Path) -> None:
    """A ``data`` link left behind by a removed checkout: the error says which link points nowhere."""
    (tmp_path / "data").symlink_to(tmp_path / "gone")
    for root in (tmp_path / "data", tmp_path / "data" / "synth"):
        with pytest.raises(SynthRootError, match=r"data is a symbolic link to .*gone, which does not exist"):
            generate(root)
    assert not (tmp_path / "gone").exists(), "nothing is created behind the link"


def test_written_frames_are_the_renders(tiny: Path) -> None:
    """The pixel checks below use `render_frame`; this ties it to what the writer put on disk."""
    scene = build_scene(TINY, 0, 1)
    for t in (0, 17, 39):
        ok, data = cv2.imencode(
            ".jpg",
            cv2.cvtColor(render_frame(scene, t).image, cv2.COLOR_RGB2BGR),
            [cv2.IMWRITE_JPEG_QUALITY, 90],
        )
        assert ok and data.tobytes() == (tiny / "cat" / "cat-1" / "img" / f"{t + 1:08d}.jpg").read_bytes()


def test_ground_truth_box_is_exactly_the_targets_pixels() -> None:
    """Render each frame with and without the target (nothing else changes, noise included): the pixels
    the target changes must fill the ground-truth box edge to edge and never leave it."""
    config = SynthConfig(
        categories=len(CATEGORIES), sequences_per_category=1, frames=30, width=160, height=120, motion_blur=0
    )
    checked = 0
    for category in range(len(CATEGORIES)):
        scene = build_scene(config, category, 1)
        for t in range(0, 30, 3):
            frame = render_frame(scene, t)
            if frame.hidden > 0 or not frame.silhouette.any():
                continue
            changed = (
                np.abs(frame.image.astype(int) - render_frame(scene, t, hide_target=True).image).max(axis=2)
                > 0
            )
            ys, xs = np.nonzero(changed)
            x, y, w, h = scene.target.boxes[t]
            x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, 160), min(y + h, 120)
            assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x0, y0, x1, y1), (scene.name, t)
            sy, sx = np.nonzero(frame.silhouette)
            assert abs(sx.min() - x0) <= 1 and abs(sx.max() + 1 - x1) <= 1 and abs(sy.max() + 1 - y1) <= 1
            checked += 1
    assert checked >= 50


def test_written_boxes_are_the_scene_boxes_clipped_and_one_based(tiny: Path) -> None:
    scene = build_scene(TINY, 1, 1)
    boxes, full, out = read_sequence(tiny / "astronaut" / "astronaut-1")
    x, y, w, h = scene.target.boxes.T
    x0, y0 = np.clip(x, 0, 96), np.clip(y, 0, 72)
    clipped = np.stack([x0 + 1, y0 + 1, np.clip(x + w, 0, 96) - x0, np.clip(y + h, 0, 72) - y0], axis=1)
    assert np.array_equal(boxes[out == 0], clipped[out == 0])


def test_first_frame_always_shows_the_whole_target() -> None:
    """Frame 1 is where trackers and annotators start: never occluded, never out of view."""
    config = SynthConfig(categories=len(CATEGORIES), sequences_per_category=8, frames=60, width=96, height=72)
    for category in range(config.categories):
        for index in range(1, 9):
            scene = build_scene(config, category, index)
            frame = render_frame(scene, 0)
            assert frame.silhouette.any() and frame.hidden == 0, scene.name


def test_difficulty_is_real(small: Path) -> None:
    folders = sorted(small.glob("*/*-*"))
    assert len(folders) == 12
    full_frames = out_frames = 0
    scale_ratios, worst_linear = [], []
    for folder in folders:
        boxes, full, out = read_sequence(folder)
        full_frames += int(full.sum())
        out_frames += int(out.sum())
        inside = (
            (out == 0)
            & (boxes[:, 0] > 1)
            & (boxes[:, 1] > 1)
            & (boxes[:, 0] + boxes[:, 2] <= 128)
            & (boxes[:, 1] + boxes[:, 3] <= 96)
        )
        size = np.sqrt(boxes[inside, 2] * boxes[inside, 3])
        scale_ratios.append(size.max() / size.min())
        for k0 in range(0, 270, 30):  # keyframes every 30 frames, as in the paper
            k1 = k0 + 30
            if out[k0] or out[k1] or full[k0] or full[k1]:
                continue
            a = (np.arange(k0 + 1, k1) - k0)[:, None] / 30
            guess = boxes[k0] * (1 - a) + boxes[k1] * a
            seen = (out[k0 + 1 : k1] == 0) & (full[k0 + 1 : k1] == 0)
            worst_linear.append(iou(guess[seen], boxes[k0 + 1 : k1][seen].astype(float)).min())
    assert full_frames > 0, "some frames are fully occluded"
    assert out_frames > 0, "some frames are out of view"
    assert max(scale_ratios) > 1.5, "the box size changes by more than 1.5x within some sequence"
    assert min(worst_linear) < 0.7, "motion between keyframes is not linear"
    assert np.mean(np.array(worst_linear) < 0.7) > 0.2


def test_difficulty_has_lookalikes_and_camera_motion() -> None:
    scenes = [build_scene(SMALL, c, 1) for c in range(SMALL.categories)]
    assert any(scene.distractors for scene in scenes), "look-alike distractors appear"
    assert all(np.ptp(scene.view, axis=0).max() > 5 for scene in scenes), "the camera pans"
    assert any(np.ptp(scene.gain) > 0.2 for scene in scenes), "the lighting changes"


def test_halves_of_a_category_share_difficulty_profiles() -> None:
    config = SynthConfig(sequences_per_category=16)
    for category in range(3):
        first = [draw_profile(config, category, i) for i in range(1, 9)]
        second = [draw_profile(config, category, i) for i in range(9, 17)]
        assert first == second
    assert (
        build_scene(SynthConfig(frames=20), 0, 1).target.boxes.tolist()
        != build_scene(SynthConfig(frames=20), 0, 3).target.boxes.tolist()
    ), "twins share difficulty, not content"


def test_config_fields_feed_a_cli() -> None:
    for f in dataclasses.fields(SynthConfig):
        assert f.type in ("int", "float", "str", "bool"), f.name
        assert len(f.metadata.get("help", "")) > 15, f.name
    assert SynthConfig().to_dict()["frames"] == 300
    with pytest.raises(ValueError, match="categories"):
        SynthConfig(categories=len(CATEGORIES) + 1)
    with pytest.raises(ValueError, match="out_of_view_prob"):
        SynthConfig(out_of_view_prob=1.5)
    with pytest.raises(ValueError, match="unknown"):
        SynthConfig.from_dict({"frames": 10, "fps": 30})


def test_reader_round_trip(small: Path) -> None:
    readers = pytest.importorskip("vasr.data.readers")
    sequences = readers.load_dataset("lasot", small)
    assert [s.name for s in sequences] == [f"{c}-{i}" for c in sorted(CATEGORIES[:6]) for i in (1, 2)]
    for sequence in sequences:
        folder = small / sequence.metadata["category"] / sequence.name
        boxes, full, out = read_sequence(folder)
        assert len(sequence) == 300 and sequence.image_size == (128, 96)
        assert np.array_equal(sequence.boxes[:, :2], boxes[:, :2] - 1)
        assert np.array_equal(sequence.boxes[:, 2:], boxes[:, 2:])
        assert np.array_equal(sequence.visible, (full == 0) & (out == 0))
        assert sequence.frame(0).shape == (96, 128, 3)
