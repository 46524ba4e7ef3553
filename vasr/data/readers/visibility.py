"""Which ground-truth boxes are usable: the one visibility rule every reader applies.

Policy (shared by all readers): a box is visible when its four values are finite, its width and height are
positive, and it overlaps the image. Boxes partly outside the image are valid ground truth (targets leave the
frame) and are never clipped. A box entirely outside the image is marked invisible.

Readers of whole datasets never open an image while listing, so at listing time they can only detect boxes
entirely left of or above the image (``x + w <= 0`` or ``y + h <= 0``); boxes entirely right of or below it
need the image size: `hide_boxes_outside_image` applies that half once a sequence is used (it reads one
image header). Readers of a single video know the size and apply the whole rule at once.
"""

from __future__ import annotations

import numpy as np

from vasr.data.sequence import Sequence


def box_visibility(boxes: np.ndarray, image_size: tuple[int, int] | None = None) -> np.ndarray:
    """(N,) bool: finite, positive size, and not entirely outside the image.

    Without ``image_size`` = (width, height) only the left and top image borders are checked."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    x, y, w, h = boxes.T
    with np.errstate(invalid="ignore"):
        visible = np.isfinite(boxes).all(axis=1) & (w > 0) & (h > 0) & (x + w > 0) & (y + h > 0)
        if image_size is not None:
            width, height = image_size
            visible &= (x < width) & (y < height)
    return visible


def hide_boxes_outside_image(sequence: Sequence) -> Sequence:
    """Mark invisible, in place, the frames whose box lies entirely outside the image; returns ``sequence``.

    Reads the image size from the first frame's header (no decoding)."""
    sequence.visible &= box_visibility(sequence.boxes, sequence.image_size)
    return sequence
