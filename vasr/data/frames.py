"""Lazy frame sources: a sequence holds one of these, not decoded images, so datasets of millions of
frames cost nothing until a frame is asked for. Every source yields RGB uint8 arrays of shape (H, W, 3)."""

from __future__ import annotations

from collections.abc import Sequence as SequenceABC
from pathlib import Path
from typing import Protocol, runtime_checkable

import cv2
import numpy as np
from PIL import Image

from vasr.errors import FrameReadError


@runtime_checkable
class FrameSource(Protocol):
    """Random access to the frames of one video."""

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> np.ndarray: ...

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of every frame."""
        ...


def _check_index(index: int, length: int) -> int:
    if index < 0:
        index += length
    if not 0 <= index < length:
        raise IndexError(f"frame {index} out of range for a video of {length} frames")
    return index


class ImageFolderFrames:
    """Frames stored one image file each (jpg/png), in the order given.

    ``paths`` is kept as given (not copied), so a lazy sequence of computed paths costs nothing per frame:
    a LaSOT-sized index would otherwise hold millions of Path objects."""

    def __init__(self, paths: SequenceABC[str | Path]) -> None:
        self.paths = paths
        self._size: tuple[int, int] | None = None

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> np.ndarray:
        path = Path(self.paths[_check_index(index, len(self.paths))])
        if not path.is_file():
            raise FrameReadError(path, "frame file is missing")
        # decoded from memory: a truncated file is refused here, where imread would pad it with grey and
        # let libjpeg warn without naming the file
        image = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_COLOR)
        if image is None:
            raise FrameReadError(path, "frame cannot be decoded (corrupt, truncated or not an image)")
        height, width = image.shape[:2]
        if (width, height) != self.size:
            raise self._size_error(path, (width, height))
        return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)

    def _size_error(self, path: Path, size: tuple[int, int]) -> FrameReadError:
        first = Path(self.paths[0]).name
        return FrameReadError(
            path,
            f"is {size[0]}x{size[1]} but the sequence's first frame {first} is "
            f"{self.size[0]}x{self.size[1]}: every frame of a sequence must have the same size (resize the "
            "frames, or split the sequence)",
        )

    def check_sizes(self) -> None:
        """Read every frame's header (no decoding) and fail on the first that differs from the first frame;
        for user folders, where a mixed folder is worth knowing before any work."""
        for entry in self.paths:
            path = Path(entry)
            try:
                with Image.open(path) as im:
                    size = (int(im.width), int(im.height))
            except (OSError, ValueError) as exc:
                raise FrameReadError(path, f"cannot read the image header ({exc})") from exc
            if size != self.size:
                raise self._size_error(path, size)

    @property
    def size(self) -> tuple[int, int]:
        """Read from the first frame's header only (no decoding), then cached."""
        if self._size is None:
            if not self.paths:
                raise FrameReadError("<empty>", "a sequence without frames has no size")
            path = Path(self.paths[0])
            try:
                with Image.open(path) as im:
                    self._size = (int(im.width), int(im.height))
            except (OSError, ValueError) as exc:
                raise FrameReadError(path, f"cannot read the image header ({exc})") from exc
        return self._size


class VideoFileFrames:
    """Frames of a video file (mp4, avi, ...) decoded with OpenCV.

    Sequential reads (the common case: tracking) reuse the open decoder; a backward jump re-seeks.
    The frame count is established by decoding once, because container headers often lie."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FrameReadError(self.path, "video file is missing")
        self._capture: cv2.VideoCapture | None = None
        self._next = 0
        self._length: int | None = None
        self._size: tuple[int, int] | None = None

    def _open(self) -> cv2.VideoCapture:
        capture = cv2.VideoCapture(str(self.path))
        if not capture.isOpened():
            raise FrameReadError(self.path, "video cannot be opened (unknown codec or corrupt file)")
        return capture

    def _count(self) -> None:
        capture = self._open()
        count = 0
        size = None
        while True:
            ok, frame = capture.read()
            if not ok:
                break
            if size is None:
                size = (frame.shape[1], frame.shape[0])
            count += 1
        capture.release()
        if count == 0 or size is None:
            raise FrameReadError(self.path, "video holds no decodable frame")
        self._length, self._size = count, size

    def __len__(self) -> int:
        if self._length is None:
            self._count()
        assert self._length is not None
        return self._length

    @property
    def size(self) -> tuple[int, int]:
        if self._size is None:
            self._count()
        assert self._size is not None
        return self._size

    @property
    def fps(self) -> float | None:
        """The frame rate the container states (None when it states none)."""
        capture = self._open()
        rate = float(capture.get(cv2.CAP_PROP_FPS) or 0.0)
        capture.release()
        return rate if 0 < rate < 1000 else None

    def __getitem__(self, index: int) -> np.ndarray:
        index = _check_index(index, len(self))
        if self._capture is None or index < self._next:
            if self._capture is not None:
                self._capture.release()
            self._capture = self._open()
            self._next = 0
        frame = None
        while self._next <= index:
            ok, frame = self._capture.read()
            if not ok:
                raise FrameReadError(self.path, f"frame {self._next} cannot be decoded")
            self._next += 1
        assert frame is not None
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def __getstate__(self) -> dict:
        # An open decoder cannot cross process boundaries (DataLoader workers, DDP): reopen on demand.
        state = self.__dict__.copy()
        state["_capture"], state["_next"] = None, 0
        return state


class ArrayFrames:
    """Frames already in memory (tests, generated data)."""

    def __init__(self, frames: np.ndarray | SequenceABC[np.ndarray]) -> None:
        self.frames = list(frames)
        if not self.frames:
            raise ValueError("ArrayFrames needs at least one frame")
        for i, frame in enumerate(self.frames):
            if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
                raise ValueError(f"frames must be (H, W, 3) uint8, got {frame.shape} {frame.dtype}")
            if frame.shape != self.frames[0].shape:
                raise ValueError(f"frame {i} is {frame.shape[:2]} (H, W), frame 0 {self.frames[0].shape[:2]}")

    def __len__(self) -> int:
        return len(self.frames)

    def __getitem__(self, index: int) -> np.ndarray:
        return self.frames[_check_index(index, len(self.frames))]

    @property
    def size(self) -> tuple[int, int]:
        height, width = self.frames[0].shape[:2]
        return (width, height)
