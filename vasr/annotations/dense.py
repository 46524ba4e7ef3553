"""One densely annotated sequence: what the pipeline hands to the exporters and the visualisations.

It carries more than the boxes because the people who receive an annotation need to know how far to trust
each box: which frames a human drew (keyframes), which ones T-Assess flagged for a human to check
(failures), the score of every kept box and which tracking direction produced it. Everything is validated
once, here, so every writer can rely on the shapes and ranges instead of re-checking them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from vasr.annotations.result_dir import AnnotationSet
from vasr.atomic import is_file_name
from vasr.directions import DIRECTION_NAMES


@dataclass
class DenseAnnotation:
    """Dense boxes of one sequence with their provenance and trust.

    Attributes:
        name: sequence name; exporters use it as a file or folder name, so it may not hold a path separator.
        boxes: (N, 4) float64 ``x, y, w, h``, 0-based continuous pixels (vasr's convention), a row of NaN
            where there is no box.
        keyframes: (K,) int64 0-based frames a human boxed (stored sorted and unique).
        failure: (N,) bool, frames flagged for a human to check.
        quality: (N,) float64 T-Assess score of the kept box (about -1..1, below 0 = bad); NaN at keyframes
            and where there is no score.
        direction: (N,) int8 direction of the tracker that produced the kept box: 0 forward, 1 backward,
            -1 keyframe / none.
        image_size: (width, height) of the frames, which the exporters need (CVAT, MOT, GOT-10k labels).
        frame_names: (N,) frame file names, ``''`` for frames decoded from a video; empty = all ``''``.
        suggestions: (S,) int64 frames vasr asks a human to box next, best first (``vasr.selection.suggest``);
            never keyframes.
        suggestion_reasons: (S,) why each was asked: "unchecked", "disagreement" or "low score".
        unchecked: (N,) bool, frames only one track reaches (before the first human box or after the last):
            nothing independent checks their box, however confident its score.
        outside: (N,) bool, frames the human said are out of view (an ``outside`` keyframe up to the next
            keyframe): absent by their word, decided once, never flagged.
        flag_reason: (N,) str, why each flagged frame is flagged (`vasr.selection.select.FLAG_REASONS`);
            ``''`` at the other frames and where it is not known (a file from an earlier vasr).
    """

    name: str
    boxes: np.ndarray
    keyframes: np.ndarray
    failure: np.ndarray
    quality: np.ndarray
    direction: np.ndarray
    image_size: tuple[int, int]
    frame_names: list[str] = field(default_factory=list)
    suggestions: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    suggestion_reasons: list[str] = field(default_factory=list)
    unchecked: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    outside: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    flag_reason: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))

    def __post_init__(self) -> None:
        if not is_file_name(self.name):
            raise ValueError(f"sequence name {self.name!r} cannot be used as a file name")
        self.boxes = _boxes(self.name, self.boxes)
        count = len(self.boxes)
        self.keyframes = _keyframes(self.name, self.keyframes, count)
        self.failure = _per_frame(self.name, "failure", self.failure, count, bool)
        self.quality = _per_frame(self.name, "quality", self.quality, count, np.float64)
        if np.isinf(self.quality).any():
            raise ValueError(f"{self.name}: quality holds an infinite score")
        self.direction = _per_frame(self.name, "direction", self.direction, count, np.int64)
        unknown = sorted(set(np.unique(self.direction).tolist()) - set(DIRECTION_NAMES))
        if unknown:
            raise ValueError(f"{self.name}: direction values {unknown}; valid: -1 (none), 0 (fwd), 1 (bwd)")
        self.direction = self.direction.astype(np.int8)
        self.image_size = _image_size(self.name, self.image_size)
        names = list(self.frame_names) or [""] * count
        if len(names) != count or not all(isinstance(n, str) for n in names):
            raise ValueError(f"{self.name}: {len(names)} frame names for {count} frames (use '' per frame)")
        self.frame_names = names
        self.suggestions = _suggestions(self.name, self.suggestions, count, self.keyframes)
        self.suggestion_reasons = list(self.suggestion_reasons) or [""] * len(self.suggestions)
        if len(self.suggestion_reasons) != len(self.suggestions):
            raise ValueError(
                f"{self.name}: {len(self.suggestion_reasons)} reasons for {len(self.suggestions)} suggestions"
            )
        unchecked = np.zeros(count, bool) if not len(self.unchecked) else self.unchecked
        self.unchecked = _per_frame(self.name, "unchecked", unchecked, count, bool)
        outside = np.zeros(count, bool) if not len(self.outside) else self.outside
        self.outside = _per_frame(self.name, "outside", outside, count, bool)
        reason = np.full(count, "", dtype=object) if not len(self.flag_reason) else self.flag_reason
        reason = _per_frame(self.name, "flag_reason", reason, count, object)
        if not all(isinstance(r, str) for r in reason):
            raise ValueError(f"{self.name}: flag_reason holds a value that is not text")
        self.flag_reason = np.where(self.failure, reason, "").astype(object)

    def __len__(self) -> int:
        return len(self.boxes)

    @property
    def has_box(self) -> np.ndarray:
        """(N,) bool, True where the frame carries a box."""
        return np.isfinite(self.boxes).all(axis=1)

    @property
    def keyframe_mask(self) -> np.ndarray:
        """(N,) bool, True at the human keyframes."""
        mask = np.zeros(len(self), dtype=bool)
        mask[self.keyframes] = True
        return mask

    @property
    def suggestion_rank(self) -> np.ndarray:
        """(N,) int64 rank of each frame in the suggestions (1 = box it first), 0 where not suggested."""
        rank = np.zeros(len(self), dtype=np.int64)
        rank[self.suggestions] = np.arange(1, len(self.suggestions) + 1)
        return rank

    @property
    def to_check(self) -> np.ndarray:
        """The frames a human should look at, most urgent first: the suggestions in rank order, then the
        other flagged frames in time order (one list: the review sheet and the review page show it)."""
        flagged = self.review_frames[~np.isin(self.review_frames, self.suggestions)]
        return np.concatenate([self.suggestions, flagged]).astype(np.int64)

    @property
    def review_frames(self) -> np.ndarray:
        """Sorted 0-based indices of the frames flagged for review: the reviewer's to-do list."""
        return np.flatnonzero(self.failure)

    @property
    def review_reasons(self) -> list[str]:
        """Why each of `review_frames` is flagged, in the same order (``''`` where not known)."""
        return [str(r) for r in self.flag_reason[self.review_frames]]

    def annotation_set(self) -> AnnotationSet:
        """The boxes, keyframes and failure frames, as ``vasr evaluate`` scores them."""
        return AnnotationSet(self.boxes.copy(), self.keyframes.copy(), self.review_frames)

    @property
    def labour_saved(self) -> float:
        """Fraction of frames no human touches: 1 - (keyframes + flagged frames that are not keyframes) / N,
        the paper's measure of what the annotation cost compared with boxing every frame."""
        touched = len(self.keyframes) + int((self.failure & ~self.keyframe_mask).sum())
        return 1.0 - touched / len(self)


def _boxes(name: str, boxes: np.ndarray) -> np.ndarray:
    array = np.array(boxes, dtype=np.float64)
    if array.ndim != 2 or array.shape[1] != 4 or len(array) == 0:
        raise ValueError(f"{name}: boxes must have shape (N, 4) with N >= 1, got {array.shape}")
    finite = np.isfinite(array)
    partial = np.flatnonzero(finite.any(axis=1) & ~finite.all(axis=1))
    if partial.size:
        # A half-NaN row (or an infinity) is a bug upstream, not "no box": refuse rather than guess.
        raise ValueError(f"{name}: frame {partial[0]} box {array[partial[0]]} is neither finite nor all NaN")
    with np.errstate(invalid="ignore"):
        negative = np.flatnonzero((array[:, 2] < 0) | (array[:, 3] < 0))
    if negative.size:
        raise ValueError(f"{name}: frame {negative[0]} box {array[negative[0]]} has a negative size")
    return array


def _keyframes(name: str, keyframes: np.ndarray, count: int) -> np.ndarray:
    array = np.asarray(keyframes).reshape(-1)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        # Floats or a boolean mask passed by mistake would silently pick the wrong frames.
        raise ValueError(f"{name}: keyframes must be integer frame indices, got dtype {array.dtype}")
    array = array.astype(np.int64)
    outside = array[(array < 0) | (array >= count)]
    if outside.size:
        raise ValueError(f"{name}: keyframe {int(outside[0])} outside 0..{count - 1}")
    return np.unique(array)


def _suggestions(name: str, suggestions: np.ndarray, count: int, keyframes: np.ndarray) -> np.ndarray:
    array = np.asarray(suggestions).reshape(-1)
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name}: suggestions must be integer frame indices, got dtype {array.dtype}")
    array = array.astype(np.int64)
    if ((array < 0) | (array >= count)).any() or len(np.unique(array)) != len(array):
        raise ValueError(f"{name}: suggestions {array.tolist()} must be distinct frames in 0..{count - 1}")
    if np.isin(array, keyframes).any():
        raise ValueError(f"{name}: a suggested frame is already a keyframe")
    return array


def _per_frame(name: str, what: str, values: np.ndarray, count: int, dtype: type) -> np.ndarray:
    array = np.asarray(values)
    if array.shape != (count,):
        raise ValueError(f"{name}: {what} must have shape ({count},) (one per frame), got {array.shape}")
    if dtype is bool and array.dtype != bool and not np.isin(array, (0, 1)).all():
        raise ValueError(f"{name}: {what} must hold booleans (or 0/1)")
    if dtype is np.int64 and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name}: {what} must hold integers, got dtype {array.dtype}")
    return array.astype(dtype)


def _image_size(name: str, size: tuple[int, int]) -> tuple[int, int]:
    values = tuple(size)
    if len(values) != 2 or not all(isinstance(v, (int, np.integer)) and v > 0 for v in values):
        raise ValueError(f"{name}: image_size must be (width, height), two positive integers, got {size!r}")
    return int(values[0]), int(values[1])
