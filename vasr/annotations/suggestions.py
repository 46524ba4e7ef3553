"""``suggest.txt``: the frames vasr asks a human to box next, as a person reads them."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from vasr.annotations.dense import DenseAnnotation
from vasr.geometry.quality import expected_iou

HEADER = (
    "# vasr: frames to box next, best first within each sequence. Box them (keyframe file, edited JSON or\n"
    "# CVAT), then rerun with --corrections. Columns: sequence, rank, frame (0-based), frame file, T-Assess\n"
    "# score of the kept box, the IoU that score reads as (it ranks frames; it is not a calibrated\n"
    "# estimate), why it is asked (unchecked: only one track reaches it, no second track checks its box;\n"
    "# disagreement: the two tracks part there; low score), and 'flagged' with its reason where the frame\n"
    "# is also flagged (vasr annotate --help says what each reason means).\n"
)


def suggestion_lines(ann: DenseAnnotation) -> list[str]:
    """One line per suggested frame of ``ann``, in rank order."""
    predicted = expected_iou(np.nan_to_num(ann.quality, nan=-1.0)).numpy()
    lines = []
    for rank, frame in enumerate(ann.suggestions.tolist(), start=1):
        score = ann.quality[frame]
        shown = "n/a" if np.isnan(score) else f"{score:+.2f}"
        iou = "n/a" if np.isnan(score) else f"{predicted[frame]:.2f}"
        name = ann.frame_names[frame] or "-"
        flag = f"  flagged ({ann.flag_reason[frame] or 'reason not recorded'})" if ann.failure[frame] else ""
        reason = ann.suggestion_reasons[rank - 1] or "-"
        lines.append(f"{ann.name}\t{rank}\t{frame}\t{name}\t{shown}\t{iou}\t{reason}{flag}")
    return lines


def suggestions_text(annotations: Iterable[DenseAnnotation]) -> str:
    """The whole file: the header, then every sequence's suggestions (a comment for one with none)."""
    body = []
    for ann in annotations:
        lines = suggestion_lines(ann)
        body += lines or [f"# {ann.name}: nothing to suggest (every frame's box is trusted)"]
        if ann.unchecked.any():
            body.append(
                f"# {ann.name}: {int(ann.unchecked.sum())} frames are unchecked by a second track "
                "(before the first human box or after the last): a high score there is no proof"
            )
    return HEADER + "\n".join(body) + "\n"
