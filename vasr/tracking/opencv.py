"""OpenCV's CSRT and KCF (opencv-contrib) behind vasr's `Tracker` interface: the peers' baselines.

Both give a box only: ``provides_confidence`` / ``provides_response`` are False, every step's confidence is
NaN and its response ``None`` (CSRT's internal PSR is not exposed per step in a way comparable to a score
map, and KCF exposes nothing), so T-Assess knows not to expect them.

Conversions OpenCV needs and vasr does not: frames go RGB -> BGR, and boxes go float -> int pixels on the way
in (OpenCV's ``Rect`` is integral; corners are rounded so a box keeps its extent) and int -> float on the way
out. Boxes partly outside the frame are clipped to it at initialization (CSRT cannot learn from pixels that
do not exist); sizes below 2 pixels are raised to 2 because CSRT's resize asserts on a 1-pixel template.

Failure policy: when ``update`` reports failure (CSRT's PSR test, KCF's detection threshold) or OpenCV raises,
the step returns the last good box. The tracker never returns an empty or non-finite box, which is what the
`Tracker` contract promises; "lost" is what T-Assess is for, not a NaN.

Determinism: CSRT and KCF are deterministic for a given OpenCV build and input. OpenCV may parallelise
internally (``cv2.setNumThreads``); the results do not depend on the thread count, only the speed does, so
benchmarks should state it. vasr leaves OpenCV's global thread setting alone.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import cv2
import numpy as np

from vasr.tracking.base import RESPONSE_SIZE, TrackerInputError, TrackStep, check_init_box

MIN_SIDE = 2  # CSRT asserts on a 1-pixel template (cv::resize of an empty patch)


def to_cv_rect(box: np.ndarray, width: int, height: int) -> tuple[int, int, int, int]:
    """Float ``x, y, w, h`` -> OpenCV's int ``Rect``, clipped to the frame, at least `MIN_SIDE` wide/high."""
    x1, y1 = max(0, round(box[0])), max(0, round(box[1]))
    x2, y2 = min(width, round(box[0] + box[2])), min(height, round(box[1] + box[3]))
    w, h = max(MIN_SIDE, x2 - x1), max(MIN_SIDE, y2 - y1)
    x1, y1 = max(0, min(x1, width - w)), max(0, min(y1, height - h))
    return int(x1), int(y1), int(w), int(h)


def _usable(rect: Any) -> bool:
    values = [float(v) for v in rect]
    return len(values) == 4 and all(math.isfinite(v) for v in values) and values[2] > 0 and values[3] > 0


class _OpenCVTracker:
    """Shared wrapper: one OpenCV tracker object per `initialize`, parameters checked by name."""

    name: ClassVar[str]
    provides_confidence: ClassVar[bool] = False
    provides_response: ClassVar[bool] = False
    response_size: int = RESPONSE_SIZE

    def __init__(self, **params: Any) -> None:
        defaults = self._params_type()()
        known = sorted(k for k in dir(defaults) if not k.startswith("_"))
        unknown = sorted(set(params).difference(known))
        if unknown:
            raise TypeError(f"{self.name}: unknown OpenCV parameter(s) {unknown}; known: {', '.join(known)}")
        self.params = dict(params)
        self._defaults = {k: getattr(defaults, k) for k in known}
        self._tracker: Any = None
        self._box: np.ndarray | None = None
        self.failures = 0  # steps where OpenCV reported failure and the last box was kept

    _opencv_class: ClassVar[str]  # the cv2 tracker class, looked up when used (it lives in opencv-contrib)

    def _params_type(self) -> Any:
        return getattr(cv2, self._opencv_class).Params

    def _create(self, params: Any) -> Any:
        return getattr(cv2, self._opencv_class).create(params)

    @property
    def config(self) -> dict[str, Any]:
        """Everything that changes the results: OpenCV's version and every parameter (defaults included)."""
        values = {**self._defaults, **self.params}
        return {"opencv": cv2.__version__, "params": {k: _plain(v) for k, v in sorted(values.items())}}

    def initialize(self, frame: np.ndarray, box: np.ndarray) -> None:
        box = check_init_box(frame, box)
        height, width = frame.shape[:2]
        rect = to_cv_rect(box, width, height)
        params = self._params_type()()
        for key, value in self.params.items():
            setattr(params, key, value)
        self._tracker = self._create(params)
        try:
            self._tracker.init(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR), rect)
        except cv2.error as exc:
            raise TrackerInputError(f"{self.name} cannot start on box {box.tolist()}: {exc}") from exc
        self._box = np.asarray(rect, dtype=np.float64)
        self.failures = 0

    def track(self, frame: np.ndarray) -> TrackStep:
        if self._tracker is None or self._box is None:
            raise RuntimeError(f"{self.name}: track() before initialize()")
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise TrackerInputError(f"frame must be RGB uint8 (H, W, 3), got {frame.dtype} {frame.shape}")
        try:
            ok, rect = self._tracker.update(cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        except cv2.error:
            ok, rect = False, None
        if ok and rect is not None and _usable(rect):
            self._box = np.asarray(rect, dtype=np.float64)
        else:
            self.failures += 1
        return TrackStep(self._box.copy(), math.nan, None)


def _plain(value: Any) -> Any:
    """JSON-friendly parameter value (float32 noise rounded away so cache keys read cleanly)."""
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return float(f"{value:.7g}")
    return str(value)


class CSRTTracker(_OpenCVTracker):
    """OpenCV's CSRT (discriminative correlation filter with channel and spatial reliability).

    Accurate and slow (~50 steps/s on one CPU core for OTB-sized targets); box only."""

    name: ClassVar[str] = "csrt"

    _opencv_class: ClassVar[str] = "TrackerCSRT"


class KCFTracker(_OpenCVTracker):
    """OpenCV's KCF (kernelized correlation filter): fast (~500 steps/s), fixed scale; box only."""

    name: ClassVar[str] = "kcf"

    _opencv_class: ClassVar[str] = "TrackerKCF"
