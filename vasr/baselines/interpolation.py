"""Linear interpolation between keyframes: the baseline of LabelMe, VIPER and CVAT, and the floor to beat.

Policy:

* ``x, y, w, h`` are interpolated independently and linearly in the frame index between consecutive
  *visible* keyframes (equivalently the corners, since ``x + w`` is linear too);
* keyframes where the human said "target absent" are skipped, so interpolation bridges across them;
* frames before the first / after the last visible keyframe hold that keyframe's box (constant
  extrapolation: there is nothing to extrapolate a motion from, and a still box is the least-wrong guess);
* keyframes reproduce their boxes exactly; with no visible keyframe every box is NaN (no prediction).

The annotator does not know where the target is absent between keyframes, so it boxes every frame;
metrics ignore frames whose ground truth is absent.
"""

from __future__ import annotations

import numpy as np

from vasr.data.keyframes import keyframe_indices
from vasr.data.sequence import Sequence


def interpolate_keyframes(
    num_frames: int,
    keyframes: np.ndarray | list[int],
    keyframe_boxes: np.ndarray,
    keyframe_visible: np.ndarray | None = None,
) -> np.ndarray:
    """Boxes (num_frames, 4) float64 interpolated from keyframe boxes, following the module's policy.

    Args:
        num_frames: length of the video.
        keyframes: (K,) strictly increasing frame indices in ``[0, num_frames)``.
        keyframe_boxes: (K, 4) ``x, y, w, h`` boxes at the keyframes (finite where visible; junk elsewhere).
        keyframe_visible: (K,) bool, whether the target is present at each keyframe; None means all are.
    """
    if num_frames < 1:
        raise ValueError(f"num_frames must be at least 1, got {num_frames}")
    keys = np.asarray(keyframes, dtype=np.int64).reshape(-1)
    boxes = np.asarray(keyframe_boxes, dtype=np.float64)
    if boxes.shape != (len(keys), 4):
        raise ValueError(f"keyframe_boxes must have shape ({len(keys)}, 4), got {boxes.shape}")
    visible = (
        np.ones(len(keys), dtype=bool) if keyframe_visible is None else np.asarray(keyframe_visible, bool)
    )
    if visible.shape != keys.shape:
        raise ValueError(f"keyframe_visible must have shape ({len(keys)},), got {visible.shape}")
    if np.any(np.diff(keys) <= 0) or (len(keys) and (keys[0] < 0 or keys[-1] >= num_frames)):
        raise ValueError(f"keyframes must be strictly increasing in [0, {num_frames}), got {keys.tolist()}")
    if not np.isfinite(boxes[visible]).all():
        raise ValueError("a visible keyframe has a non-finite box")
    if not visible.any():
        return np.full((num_frames, 4), np.nan)
    frames = np.arange(num_frames)
    # np.interp holds the end values outside [first, last]: exactly the constant extrapolation wanted.
    return np.stack([np.interp(frames, keys[visible], boxes[visible, j]) for j in range(4)], axis=1)


class LinearInterpolationAnnotator:
    """Annotates a sequence from its keyframes alone, with the sequence's own ground truth standing in for
    the human's keyframe boxes. Later annotators (tracker blends, VASR) share this ``annotate`` shape."""

    name = "linear"

    def annotate(self, sequence: Sequence, interval: int = 30, include_last: bool = True) -> np.ndarray:
        """Boxes (N, 4) ``x, y, w, h`` for every frame, keyframes from :func:`keyframe_indices`."""
        keys = keyframe_indices(len(sequence), interval, include_last)
        return interpolate_keyframes(len(sequence), keys, sequence.boxes[keys], sequence.visible[keys])
