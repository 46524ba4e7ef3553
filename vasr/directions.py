"""The two tracking directions, named once for every stage (tracking, selection, refinement, annotations).

A direction is an index: ``FORWARD`` (0) and ``BACKWARD`` (1) pick a row of a ``(forward, backward)`` pair and
are what a DenseAnnotation stores per frame; ``NO_DIRECTION`` (-1) marks keyframes and frames with no kept
result. :data:`STEP` is the frame increment of a tracker running in that direction."""

from __future__ import annotations

FORWARD, BACKWARD, NO_DIRECTION = 0, 1, -1
DIRECTIONS: tuple[str, str] = ("forward", "backward")  # DIRECTIONS[FORWARD] == "forward"
DIRECTION_NAMES = {FORWARD: "forward", BACKWARD: "backward", NO_DIRECTION: "none"}
STEP = {FORWARD: 1, BACKWARD: -1}
