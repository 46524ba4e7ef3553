"""Frame sources: lazy, RGB uint8, and loud about missing or corrupt frames."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from vasr.data import ArrayFrames, ImageFolderFrames, Sequence, VideoFileFrames
from vasr.errors import FrameReadError


def write_jpeg(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def red_frame(width: int = 32, height: int = 24) -> np.ndarray:
    frame = np.zeros((height, width, 3), np.uint8)
    frame[..., 0] = 255
    return frame


def test_image_folder_frames_decode_rgb_and_read_size_from_header(tmp_path: Path) -> None:
    paths = [write_jpeg(tmp_path / f"{i:04d}.jpg", red_frame()) for i in range(3)]
    frames = ImageFolderFrames(paths)
    assert len(frames) == 3
    assert frames.size == (32, 24)
    image = frames[2]
    assert image.shape == (24, 32, 3) and image.dtype == np.uint8
    assert image[..., 0].mean() > 200 and image[..., 2].mean() < 50, "channels must be RGB, not BGR"
    assert frames[-1].shape == image.shape


def test_missing_frame_names_the_file(tmp_path: Path) -> None:
    frames = ImageFolderFrames([write_jpeg(tmp_path / "0001.jpg", red_frame()), tmp_path / "0002.jpg"])
    with pytest.raises(FrameReadError, match=r"0002\.jpg: frame file is missing"):
        frames[1]


def test_corrupt_frame_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "0001.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage, not a jpeg")
    with pytest.raises(FrameReadError, match=r"0001\.jpg: frame cannot be decoded"):
        ImageFolderFrames([bad])[0]
    with pytest.raises(FrameReadError, match=r"0001\.jpg"):
        _ = ImageFolderFrames([bad]).size


def test_index_out_of_range_is_an_index_error(tmp_path: Path) -> None:
    frames = ImageFolderFrames([write_jpeg(tmp_path / "0001.jpg", red_frame())])
    with pytest.raises(IndexError):
        frames[1]


def write_video(path: Path, count: int, width: int = 64, height: int = 48) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (width, height))
    for i in range(count):
        frame = np.full((height, width, 3), 10 * i, np.uint8)
        writer.write(frame)
    writer.release()
    return path


def test_video_file_frames_random_access_matches_sequential(tmp_path: Path) -> None:
    frames = VideoFileFrames(write_video(tmp_path / "clip.avi", 12))
    assert len(frames) == 12
    assert frames.size == (64, 48)
    later, earlier = frames[7], frames[2]
    assert abs(float(later.mean()) - 70) < 6 and abs(float(earlier.mean()) - 20) < 6


def test_video_that_cannot_be_decoded_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    with pytest.raises(FrameReadError, match="broken.mp4"):
        len(VideoFileFrames(bad))
    with pytest.raises(FrameReadError, match="video file is missing"):
        VideoFileFrames(tmp_path / "absent.mp4")


def test_sequence_rejects_boxes_that_do_not_match_the_frames() -> None:
    frames = ArrayFrames([red_frame()] * 3)
    with pytest.raises(ValueError, match="2 boxes but 3 frames"):
        Sequence("s", frames, np.zeros((2, 4)), np.ones(2, bool))
    sequence = Sequence("s", frames, np.zeros((3, 4)), np.ones(3, bool))
    assert len(sequence) == 3 and sequence.image_size == (32, 24)
