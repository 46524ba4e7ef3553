"""The one sequence type every reader returns and every stage consumes.

Box convention, everywhere inside vasr: float ``x, y, w, h`` in 0-based continuous pixel coordinates, the
top-left corner of the top-left pixel at (0, 0), so a box spans ``[x, x + w) x [y, y + h)``. Readers convert
from each format's own convention (LaSOT and OTB are 1-based) and writers convert back, so a read/write round
trip is exact. Frames whose target is absent carry ``visible = False``; their box values are meaningless
(datasets store junk there) and every metric ignores them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from vasr.data.frames import FrameSource
from vasr.data.keyframes import Keyframes


@dataclass
class Sequence:
    """A video with (possibly partial) ground truth.

    Attributes:
        name: unique within its dataset (LaSOT ``airplane-1``, GOT-10k ``GOT-10k_Train_000001``...).
        frames: lazy frame source; ``frames[i]`` decodes frame ``i`` as RGB uint8 (H, W, 3).
        boxes: (N, 4) float64 ``x, y, w, h`` per frame (0-based pixels), NaN where the file had none.
        visible: (N,) bool, True where the target is present and its box is usable as ground truth.
        metadata: anything else the dataset says (category, language description, source file...).
        keyframes: the human's own boxes this sequence came with (a video's keyframe file); None for a
            dataset sequence, whose keyframes a run simulates from the ground truth on a schedule.
    """

    name: str
    frames: FrameSource
    boxes: np.ndarray
    visible: np.ndarray
    metadata: dict[str, Any] = field(default_factory=dict)
    keyframes: Keyframes | None = None

    def __post_init__(self) -> None:
        self.boxes = np.asarray(self.boxes, dtype=np.float64).reshape(-1, 4)
        self.visible = np.asarray(self.visible, dtype=bool).reshape(-1)
        if len(self.boxes) != len(self.visible):
            raise ValueError(f"{self.name}: {len(self.boxes)} boxes but {len(self.visible)} visibility flags")
        if len(self.boxes) != len(self.frames):
            raise ValueError(f"{self.name}: {len(self.boxes)} boxes but {len(self.frames)} frames")
        if self.keyframes is not None and len(self.keyframes) and self.keyframes.indices[-1] >= len(self):
            raise ValueError(f"{self.name}: keyframe {self.keyframes.indices[-1]} beyond {len(self)} frames")

    def __len__(self) -> int:
        return len(self.boxes)

    def __repr__(self) -> str:
        return (
            f"Sequence({self.name!r}, frames={len(self)}, visible={int(self.visible.sum())}, "
            f"size={self.image_size})"
        )

    @property
    def image_size(self) -> tuple[int, int]:
        """(width, height) of the frames."""
        return self.frames.size

    def frame(self, index: int) -> np.ndarray:
        """Frame ``index`` as RGB uint8 (H, W, 3)."""
        return self.frames[index]
