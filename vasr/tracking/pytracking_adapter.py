"""DiMP through the user's own pytracking checkout: the paper's tracker, optional.

The real pytracking (github.com/visionml/pytracking) is not a package: it needs a CUDA-only compiled op
(PreciseRoIPooling) and network weights from a file host. vasr therefore never installs or downloads it; it
imports a checkout the user already has, from ``pytracking_path`` or ``$PYTRACKING_PATH`` (prepended to
``sys.path``). The PyPI package called ``pytracking`` is an unrelated e-mail library: never install it.

What DiMP's ``track()`` does not return is taken from where pytracking keeps it:

* confidence: ``tracker.debug_info['max_score']`` (the peak of the classifier's score map), set by every
  ``track`` call;
* response map: the ``scores`` argument of ``localize_target`` (the classifier output before DiMP's own
  windowing, one map per search scale), captured by wrapping that method on the instance; the scale DiMP
  chose is the second value it returns. The map is resampled to ``response_size`` (19 for DiMP-50 already).

Determinism: DiMP's initial augmentation draws random shifts from torch's CPU generator; the adapter seeds a
forked generator (``seed``) so runs repeat without touching the caller's global RNG state. GPU kernels
(dropout augmentation, cuDNN) may still vary slightly.
"""

from __future__ import annotations

import math
import os
import sys
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from vasr.errors import VasrError
from vasr.tracking.base import RESPONSE_SIZE, TrackerInputError, TrackStep, check_init_box

ENV_VAR = "PYTRACKING_PATH"

HOW_TO_GET = (
    "DiMP needs your own checkout of the real pytracking framework: git clone "
    "https://github.com/visionml/pytracking, follow its INSTALL.md (PreciseRoIPooling needs CUDA), put the "
    "dimp50.pth weights in its network path (pytracking/evaluation/local.py), then pass "
    f"pytracking_path=DIR or set ${ENV_VAR}=DIR. Do NOT 'pip install pytracking': that PyPI package is "
    "an unrelated e-mail library."
)

# One parameter object (and so one loaded network) per checkout / tracker / parameter file / device.
_PARAMS: dict[tuple[str, str, str, bool | None], tuple[Any, Any]] = {}


class PytrackingUnavailableError(VasrError, ImportError):
    """The user's pytracking checkout is missing, incomplete, or fails to set DiMP up."""


def resolve_checkout(path: str | Path | None) -> Path:
    """The checkout root from the argument or ``$PYTRACKING_PATH``; it must hold ``pytracking/evaluation``."""
    raw = path if path is not None else os.environ.get(ENV_VAR)
    if not raw:
        raise PytrackingUnavailableError(f"no pytracking checkout given. {HOW_TO_GET}")
    root = Path(raw).expanduser().resolve()
    if not (root / "pytracking" / "evaluation").is_dir():
        raise PytrackingUnavailableError(
            f"{root} is not a pytracking checkout (no pytracking/evaluation). {HOW_TO_GET}"
        )
    return root


def import_pytracking(root: Path) -> Any:
    """``pytracking.evaluation.Tracker`` from ``root``; refuses a ``pytracking`` imported from elsewhere."""
    loaded = sys.modules.get("pytracking")
    if loaded is not None:
        origin = Path(getattr(loaded, "__file__", None) or "").resolve()
        if root not in origin.parents:
            raise PytrackingUnavailableError(
                f"a different 'pytracking' is already imported (from {origin}), not the checkout at {root}. "
                f"{HOW_TO_GET}"
            )
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    try:
        from pytracking.evaluation import Tracker  # type: ignore[import-not-found]
    except ImportError as exc:
        raise PytrackingUnavailableError(
            f"importing pytracking from {root} failed: {exc}. {HOW_TO_GET}"
        ) from exc
    return Tracker


def _checkout_commit(root: Path) -> str | None:
    """The checkout's git commit (part of the cache key: another commit may track differently)."""
    try:
        head = (root / ".git" / "HEAD").read_text().strip()
        if head.startswith("ref: "):
            return (root / ".git" / head[5:]).read_text().strip()
        return head
    except OSError:
        return None


def resample_response(scores: torch.Tensor, size: int) -> np.ndarray:
    """A 2-D score map as float32 ``(size, size)``, bilinearly resampled when its size differs."""
    scores = scores.detach().float().cpu()
    if tuple(scores.shape) != (size, size):
        scores = F.interpolate(scores[None, None], size=(size, size), mode="bilinear", align_corners=False)[
            0, 0
        ]
    return scores.numpy().astype(np.float32, copy=False)


class DiMPTracker:
    """DiMP (``pytracking.tracker.dimp``, parameter file ``dimp50`` by default) as a vasr `Tracker`."""

    name: ClassVar[str] = "dimp"
    provides_confidence: ClassVar[bool] = True
    provides_response: ClassVar[bool] = True

    def __init__(
        self,
        pytracking_path: str | Path | None = None,
        parameter: str = "dimp50",
        tracker_name: str = "dimp",
        response_size: int = RESPONSE_SIZE,
        use_gpu: bool | None = None,
        seed: int | None = 0,
    ) -> None:
        self.root = resolve_checkout(pytracking_path)
        self._tracker_cls = import_pytracking(self.root)
        self.parameter, self.tracker_name = parameter, tracker_name
        self.response_size, self.use_gpu, self.seed = int(response_size), use_gpu, seed
        self._tracker: Any = None
        self._box: np.ndarray | None = None
        self._scores: torch.Tensor | None = None
        self._scale_ind: int = 0

    @property
    def config(self) -> dict[str, Any]:
        return {
            "pytracking_commit": _checkout_commit(self.root),
            "tracker": self.tracker_name,
            "parameter": self.parameter,
            "response_size": self.response_size,
            "use_gpu": self.use_gpu,
            "seed": self.seed,
        }

    def _parameters(self) -> tuple[Any, Any]:
        key = (str(self.root), self.tracker_name, self.parameter, self.use_gpu)
        if key not in _PARAMS:
            try:
                wrapper = self._tracker_cls(self.tracker_name, self.parameter)
                params = wrapper.get_parameters()
            except Exception as exc:  # pytracking's own setup errors (local.py, weights, CUDA ops)
                raise PytrackingUnavailableError(
                    f"pytracking at {self.root} could not set up {self.tracker_name}/{self.parameter}: "
                    f"{exc}. {HOW_TO_GET}"
                ) from exc
            params.debug, params.visualization = 0, False
            if self.use_gpu is not None:
                params.use_gpu = self.use_gpu
                if hasattr(params, "net"):
                    params.net.use_gpu = self.use_gpu
            _PARAMS[key] = (wrapper, params)
        return _PARAMS[key]

    def _create(self) -> Any:
        wrapper, params = self._parameters()
        tracker = wrapper.create_tracker(params)
        # The network lives in the shared params: load it once, not once per snippet.
        if getattr(getattr(params, "net", None), "net", None) is not None:
            tracker.features_initialized = True
        original = tracker.localize_target

        def capture(scores: Any, *args: Any, **kwargs: Any) -> Any:
            kept = scores.detach().clone()  # before DiMP windows it in place
            result = original(scores, *args, **kwargs)
            self._scores = kept
            self._scale_ind = int(result[1]) if isinstance(result, tuple) and len(result) > 1 else 0
            return result

        tracker.localize_target = capture
        return tracker

    def initialize(self, frame: np.ndarray, box: np.ndarray) -> None:
        box = check_init_box(frame, box)
        if self._tracker is None:
            self._tracker = self._create()
        if self.seed is None:
            self._tracker.initialize(frame, {"init_bbox": box.tolist()})
        else:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(self.seed)
                self._tracker.initialize(frame, {"init_bbox": box.tolist()})
        self._box = box.copy()

    def track(self, frame: np.ndarray) -> TrackStep:
        if self._tracker is None or self._box is None:
            raise RuntimeError("dimp: track() before initialize()")
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise TrackerInputError(f"frame must be RGB uint8 (H, W, 3), got {frame.dtype} {frame.shape}")
        self._scores = None
        out = self._tracker.track(frame)
        box = np.asarray(out["target_bbox"], dtype=np.float64).reshape(-1)
        if box.shape == (4,) and np.isfinite(box).all() and box[2] > 0 and box[3] > 0:
            self._box = box  # else keep the last box: the contract is a usable box every step
        confidence = float(getattr(self._tracker, "debug_info", {}).get("max_score", math.nan))
        return TrackStep(self._box.copy(), confidence, self._response())

    def _response(self) -> np.ndarray:
        """The captured map of the chosen scale; zeros if DiMP skipped localisation this step."""
        if self._scores is None:
            return np.zeros((self.response_size, self.response_size), dtype=np.float32)
        maps = self._scores.reshape(-1, *self._scores.shape[-2:])
        return resample_response(maps[min(self._scale_ind, len(maps) - 1)], self.response_size)
