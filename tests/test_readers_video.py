"""Video + keyframe-file reader: the documented keyframe format, and an error with file and line for each
mistake an annotator can make."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from fixtures_layouts import write_frames

from vasr.data import ImageFolderFrames, VideoFileFrames
from vasr.data.readers import load_image_folder, load_video, read_keyframes
from vasr.errors import AnnotationFormatError

KEYFRAMES = """# frame, x, y, w, h (0-based pixels)
20, 4.5, 3, 10, 8   # lines may come in any order
0,1,2,10,8

10\tabsent
5 -3 -2 10 8
"""


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("video") / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (32, 24))
    assert writer.isOpened()
    for i in range(25):
        writer.write(np.full((24, 32, 3), 8 * i, np.uint8))
    writer.release()
    return path


def write_keyframes(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "keyframes.txt"
    path.write_text(text, encoding="utf-8")
    return path


def test_video_with_keyframes(video: Path, tmp_path: Path) -> None:
    seq = load_video(video, write_keyframes(tmp_path, KEYFRAMES))
    assert seq.name == "clip" and isinstance(seq.frames, VideoFileFrames) and len(seq) == 25
    keys = seq.keyframes  # the human's boxes are their own value, not ground truth
    np.testing.assert_array_equal(keys.indices, [0, 5, 10, 20])
    assert keys.indices.dtype == np.int64
    np.testing.assert_array_equal(keys.visible, [True, True, False, True])
    boxes = keys.boxes_by_frame()
    np.testing.assert_array_equal(boxes[20], [4.5, 3, 10, 8])  # 0-based, stored as is
    np.testing.assert_array_equal(boxes[5], [-3, -2, 10, 8])  # partly outside: valid, not clipped
    assert np.isnan(boxes[10]).all()  # absent
    assert not seq.visible.any() and np.isnan(seq.boxes).all()  # a video has no ground truth
    assert seq.frame(24).shape == (24, 32, 3)


def test_image_folder_with_keyframes(tmp_path: Path) -> None:
    write_frames(tmp_path / "frames", [f"frame_{i}.png" for i in range(1, 13)])
    seq = load_image_folder(tmp_path / "frames", write_keyframes(tmp_path, "0,1,1,5,5\n11 absent\n"))
    assert isinstance(seq.frames, ImageFolderFrames) and len(seq) == 12 and seq.name == "frames"
    assert seq.frames.paths[9].name == "frame_10.png"  # numeric order
    np.testing.assert_array_equal(seq.keyframes.indices, [0, 11])
    np.testing.assert_array_equal(seq.keyframes.visible, [True, False])


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("0,1,1,5,5\n3,1,1,5,5\n0,2,2,5,5\n", 3, "frame 0 is given twice (first on line 1)"),
        ("0,1,1,5,5\n25,1,1,5,5\n", 2, "frame 25 is outside the video (frames 0..24)"),
        ("-1,1,1,5,5\n", 1, "frame -1 is outside the video"),
        ("2.5,1,1,5,5\n", 1, "frame index '2.5' is not an integer"),
        ("# header\n0,1,1,0,5\n", 2, "box size must be positive, got w=0, h=5"),
        ("0,1,1,5,-5\n", 1, "box size must be positive"),
        ("0,40,1,5,5\n", 1, "lies entirely outside the 32x24 image"),
        ("0,-6,1,5,5\n", 1, "lies entirely outside"),
        ("0,1,1,5\n", 1, "expected 'frame,x,y,w,h', 'frame,absent' or 'frame,outside', got 4 values"),
        ("0,gone\n", 1, "expected 'frame,x,y,w,h', 'frame,absent' or 'frame,outside'"),
        ("0,1,1,5,x\n", 1, "are not numbers"),
        ("0,nan,nan,nan,nan\n", 1, "must be finite (write '0,absent'"),
    ],
)
def test_keyframe_mistakes_name_file_and_line(tmp_path: Path, text: str, line: int, fragment: str) -> None:
    path = write_keyframes(tmp_path, text)
    with pytest.raises(AnnotationFormatError) as caught:
        read_keyframes(path, num_frames=25, image_size=(32, 24))
    assert caught.value.path == path and caught.value.line == line
    assert fragment in str(caught.value) and f"{path}:{line}" in str(caught.value)


def test_a_file_without_keyframes_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AnnotationFormatError, match="holds no keyframe"):
        read_keyframes(write_keyframes(tmp_path, "# nothing yet\n\n"), num_frames=5, image_size=(32, 24))


def test_keyframes_accept_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "k.txt"
    path.write_bytes(b"\xef\xbb\xbf3,1,1,5,5\r\n1,ABSENT\r\n")
    keyframes = read_keyframes(path, num_frames=5, image_size=(32, 24))
    np.testing.assert_array_equal(keyframes.indices, [1, 3])
    np.testing.assert_array_equal(keyframes.visible, [False, True])
    assert np.isnan(keyframes.boxes[0]).all()
