"""`NanoTrack`: a pretrained Siamese tracker (NanoTrack v2/v3, ONNX) behind vasr's batched tracker interface.

A correlation filter learns the target online and is precise while it holds it; a Siamese tracker matches a
fixed, offline-learned embedding of the human's box and rarely loses the target, but its box is looser. The
two fail on different frames, which is what selection among their tracks (`vasr.selection.candidates`)
feeds on.

Per step and track: a square search window around the last position (its side twice the context-padded
target size, resampled to 255x255) goes through the backbone, the head correlates it with the template's
features into a classification map (target or not, per cell) and a box per cell; the best cell after the
usual penalties (change of scale and aspect, a cosine window around the last position) gives the box, and
the size follows it at a rate set by the cell's score. The confidence is that cell's classification score;
the classification map, resampled to ``response_size``, is the response map T-Assess reads.

Weights are the user's own copy (never downloaded; see `find_weights`). The graphs were exported with batch
1 baked in; `vasr.tracking.onnx_batch` rewrites their shapes in memory so a whole batch of tracks runs in
one call.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from vasr.errors import VasrError
from vasr.tracking.base import (
    NOTHING,
    RESPONSE_SIZE,
    TrackBatch,
    TrackContext,
    check_init_box,
)

WEIGHTS_ENV = "VASR_NANOTRACK"
"""Environment variable naming the folder of the user's NanoTrack weights (holding ``v2/`` and ``v3/``)."""

FILES = {
    2: ("v2/nanotrack_backbone_sim.onnx", "v2/nanotrack_head_sim.onnx"),
    3: ("v3/nanotrack_backbone.onnx", "v3/nanotrack_head.onnx"),
}
WHERE = (
    "NanoTrack's ONNX files come from github.com/HonglinChu/SiamTrackers (NanoTrack/models/nanotrackv2 and "
    "nanotrackv3, Apache-2.0); put them in DIR/v2/ and DIR/v3/ and pass --tracker-option weights=DIR or set "
    f"{WEIGHTS_ENV}=DIR"
)

EXEMPLAR = 127  # template side in px
INSTANCE = 255  # search window side in px
STRIDE = 16  # px of the search window per map cell
CONTEXT = 0.5  # context added around the box: (w + h) * CONTEXT on each side's sum


class NanoTrackWeightsError(VasrError, FileNotFoundError):
    """No NanoTrack weights where vasr was told (or nowhere it was told)."""


def find_weights(weights: str | os.PathLike | None, version: int) -> tuple[Path, Path]:
    """The backbone and head files of ``version`` under ``weights`` (default: ``$VASR_NANOTRACK``)."""
    if version not in FILES:
        raise ValueError(f"NanoTrack version must be one of {sorted(FILES)}, got {version!r}")
    root = weights if weights is not None else os.environ.get(WEIGHTS_ENV)
    if not root:
        raise NanoTrackWeightsError(f"no NanoTrack weights given. {WHERE}")
    paths = tuple(Path(root) / name for name in FILES[version])
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise NanoTrackWeightsError(f"NanoTrack v{version}: {', '.join(missing)} not found. {WHERE}")
    return paths  # type: ignore[return-value]


def weights_available(weights: str | os.PathLike | None = None, version: int = 2) -> bool:
    """Whether `find_weights` would find the files (what presets that need NanoTrack check first)."""
    try:
        find_weights(weights, version)
    except NanoTrackWeightsError:
        return False
    return True


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class NanoTrackConfig:
    """Every setting that changes the tracks (with the weights' checksums, the cache key)."""

    version: int = 2
    window_influence: float = 0.455  # share of the cosine window in the cell ranking
    penalty_k: float = 0.148  # how strongly a change of scale or aspect is penalised
    learning_rate: float = 0.37  # how fast the size follows the best cell (times its score)
    response_size: int = RESPONSE_SIZE


def _padded_side(w: np.ndarray, h: np.ndarray) -> np.ndarray:
    """Side of the square context window around a ``w x h`` target."""
    pad = (w + h) * CONTEXT
    return np.sqrt((w + pad) * (h + pad))


def _crops(
    frames: Sequence[np.ndarray], centres: np.ndarray, sides: np.ndarray, out: int, fill: np.ndarray
) -> np.ndarray:
    """``(B, 3, out, out)`` float32 BGR windows of side ``sides`` around ``centres`` (continuous pixel
    coordinates), resampled bilinearly; outside the frame each track's mean colour ``fill``."""
    batch = np.empty((len(frames), 3, out, out), np.float32)
    for i, (frame, (cx, cy), side) in enumerate(zip(frames, centres, sides, strict=True)):
        a = out / side
        m = np.array([[a, 0, a * (0.5 - cx) + out / 2 - 0.5], [0, a, a * (0.5 - cy) + out / 2 - 0.5]])
        crop = cv2.warpAffine(
            frame, m, (out, out), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
            borderValue=tuple(float(v) for v in fill[i]),
        )  # fmt: skip
        batch[i] = crop[:, :, ::-1].transpose(2, 0, 1)  # the nets were trained on OpenCV's BGR
    return batch


class NanoTrack:
    """NanoTrack v2 or v3 over a batch of tracks (module docstring). ``weights``: folder holding ``v2/`` and
    ``v3/`` (default: ``$VASR_NANOTRACK``); ``device``: "cpu", "cuda" or "cuda:N" (onnxruntime's provider)."""

    name = "nanotrack"
    batched = True
    provides_confidence = True
    provides_response = True

    def __init__(
        self,
        version: int = 2,
        weights: str | None = None,
        device: str = "cpu",
        window_influence: float = NanoTrackConfig.window_influence,
        penalty_k: float = NanoTrackConfig.penalty_k,
        learning_rate: float = NanoTrackConfig.learning_rate,
        response_size: int = RESPONSE_SIZE,
    ) -> None:
        from vasr.tracking.onnx_batch import BatchedGraph

        backbone, head = find_weights(weights, version)
        self.settings = NanoTrackConfig(version, window_influence, penalty_k, learning_rate, response_size)
        self.config = {**asdict(self.settings), "weights": f"{_digest(backbone)}-{_digest(head)}"}
        self.response_size = response_size
        self.needs = NOTHING  # one-ended: the end keyframe's template did not pay (docs/trackers.md)
        self.backbone = BatchedGraph(backbone, device)
        self.head = BatchedGraph(head, device)
        self.map_size = self.head.output_shape(0)[-1]  # 16 (v2) or 15 (v3) cells
        offsets = (np.arange(self.map_size) - self.map_size // 2) * STRIDE
        xs, ys = np.meshgrid(offsets, offsets)
        self.points = np.stack([xs.ravel(), ys.ravel()]).astype(np.float64)  # (2, S*S) px from the centre
        self.window = np.outer(np.hanning(self.map_size), np.hanning(self.map_size)).ravel()
        self._templates: np.ndarray | None = None

    def initialize(
        self, frames: Sequence[np.ndarray], boxes: np.ndarray, context: TrackContext | None = None
    ) -> None:
        """Start one track per frame on its box; the context is not read (``needs`` is empty)."""
        boxes = np.stack([check_init_box(f, b) for f, b in zip(frames, boxes, strict=True)])
        self.centres = boxes[:, :2] + boxes[:, 2:] / 2
        self.sizes = boxes[:, 2:].copy()
        self.min_sizes = np.minimum(self.sizes, 10.0)  # a box shrinks to 10 px, or the human's where smaller
        self.fill = np.stack([f.reshape(-1, 3).mean(0) for f in frames])
        self._templates = self._embed(frames, boxes)

    def _embed(self, frames: Sequence[np.ndarray], boxes: np.ndarray) -> np.ndarray:
        sides = np.round(_padded_side(boxes[:, 2], boxes[:, 3]))
        return self.backbone.run(_crops(frames, boxes[:, :2] + boxes[:, 2:] / 2, sides, EXEMPLAR, self.fill))

    def track(self, frames: Sequence[np.ndarray]) -> TrackBatch:
        if self._templates is None or len(frames) != len(self._templates):
            raise ValueError(
                f"{len(frames)} frames for {0 if self._templates is None else len(self._templates)} tracks"
            )
        context = _padded_side(self.sizes[:, 0], self.sizes[:, 1])
        scale = EXEMPLAR / context
        search = self.backbone.run(
            _crops(frames, self.centres, np.round(context * INSTANCE / EXEMPLAR), INSTANCE, self.fill)
        )
        scores, deltas = self._match(self._templates, search)
        return self._decide(frames, scores, deltas, scale)

    def _match(self, templates: np.ndarray, search: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Per track, each cell's target probability ``(B, S*S)`` and its box ``(B, 4, S*S)`` as offsets
        ``x1, y1, x2, y2`` in search-window px from the window's centre."""
        logits, loc = self.head.run(templates, search, outputs=2)
        logits = logits.reshape(len(search), 2, -1).astype(np.float64)
        scores = 1.0 / (1.0 + np.exp(logits[:, 0] - logits[:, 1]))  # softmax's target channel
        loc = loc.reshape(len(search), 4, -1).astype(np.float64)
        boxes = np.concatenate([self.points - loc[:, :2], self.points + loc[:, 2:]], axis=1)
        return scores, boxes

    def _decide(
        self, frames: Sequence[np.ndarray], scores: np.ndarray, corners: np.ndarray, scale: np.ndarray
    ) -> TrackBatch:
        s = self.settings
        w, h = corners[:, 2] - corners[:, 0], corners[:, 3] - corners[:, 1]
        w, h = np.maximum(w, 1e-3), np.maximum(h, 1e-3)
        target_w, target_h = (self.sizes * scale[:, None]).T
        change = lambda r: np.maximum(r, 1.0 / r)  # noqa: E731
        scale_change = change(_padded_side(w, h) / _padded_side(target_w, target_h)[:, None])
        ratio_change = change((target_w / target_h)[:, None] / (w / h))
        penalty = np.exp(-(ratio_change * scale_change - 1) * s.penalty_k)
        ranked = penalty * scores * (1 - s.window_influence) + self.window * s.window_influence
        best = ranked.argmax(axis=1)
        rows = np.arange(len(best))
        chosen = corners[rows, :, best]  # (B, 4) x1, y1, x2, y2
        shift = (chosen[:, :2] + chosen[:, 2:]) / 2 / scale[:, None]
        size = np.stack([w[rows, best], h[rows, best]], axis=1) / scale[:, None]
        rate = (penalty[rows, best] * scores[rows, best] * s.learning_rate)[:, None]
        image = np.array([[f.shape[1], f.shape[0]] for f in frames], dtype=np.float64)
        self.centres = np.clip(self.centres + shift, 0, image)
        self.sizes = np.clip(self.sizes * (1 - rate) + size * rate, self.min_sizes, image)
        maps = scores.reshape(-1, self.map_size, self.map_size).astype(np.float32)
        responses = np.stack(
            [cv2.resize(m, (s.response_size,) * 2, interpolation=cv2.INTER_LINEAR) for m in maps]
        )
        boxes = np.concatenate([self.centres - self.sizes / 2, self.sizes], axis=1)
        return TrackBatch(boxes, scores[rows, best], responses)


class NanoTrackV3(NanoTrack):
    """`NanoTrack` with version 3's weights (its head runs one track at a time, `onnx_batch`)."""

    def __init__(self, version: int = 3, **options) -> None:  # noqa: ANN003 - NanoTrack's keywords
        super().__init__(version, **options)
