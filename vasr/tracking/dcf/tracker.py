"""`DCFTracker`: a batched discriminative correlation-filter tracker in torch (vasr's built-in tracker).

Every call advances ``B`` independent tracks (the snippets of a video, or of many videos) with one set of
batched tensor ops, on CPU or CUDA. Per step and track: resample the search window for a few candidate
sizes, extract HOG-like + colour (+ optional EfficientNet) features, correlate with the filter in the
Fourier domain, take the best peak (translation, sub-cell), read scale and aspect off the peak heights,
then re-learn the filter on the new position with a running average. The peak height is the confidence:
the filter is trained to answer 1 on the target, so a low peak means the target no longer looks like
what was learned (occlusion, drift, loss)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import torch

from vasr.tracking.base import RESPONSE_SIZE, TrackBatch, TrackerInputError, TrackStep, check_init_box
from vasr.tracking.dcf import filters
from vasr.tracking.dcf.crops import as_rgb, crop_windows
from vasr.tracking.dcf.features import FeatureExtractor, group_energy
from vasr.tracking.dcf.scale import estimate_factors, size_variants

MIN_SIZE = 2.0  # px: a box never shrinks below this, so it always has an area and a usable window


@dataclass(frozen=True)
class DCFConfig:
    """Every setting that changes the tracker's results (all of it goes into the cache key)."""

    template: int = 128  # side in px of the resampled search window
    cell: int = 4  # feature cell in px of the template: the filter grid is template // cell
    search_area: float = 3.0  # search window side / sqrt(target area); 4 and 5 measured worse
    window_aspect: float = 0.5  # 0: square window, 1: window with the target's aspect
    hog: bool = True
    colour: bool = True
    colour_weight: float = 0.5
    deep_blocks: int = 0  # EfficientNet-Lite0 blocks to use (0: off; 3: stride 4, 24 channels)
    deep_weight: float = 1.0
    sigma: float = 0.1  # label width / sqrt(target area in cells)
    lam: float = 1e-2  # ridge penalty
    learning_rate: float = 0.02
    scale_step: float = 1.03  # 1: no scale estimation
    aspect_step: float = 1.03  # 1: no aspect search (then 3 windows per step instead of 5)
    scale_penalty: float = 0.98  # off-centre sizes must beat the current one by 2%
    scale_damping: float = 1.0  # share of the measured log-size change applied per frame
    support: float = 1.5  # >0: filter support limited to this many target sizes (CSR-DCF-like); 0: none
    train_on_search: bool = True  # learn from the re-centred search sample (no second feature pass)
    update_threshold: float = 0.0  # skip the model update when the peak falls below this
    confidence: str = "peak"  # "peak" height or "psr" (peak-to-sidelobe ratio)
    response_size: int = RESPONSE_SIZE


class DCFTracker:
    """Batched DCF tracker (``batched = True``): ``initialize(frames, boxes)`` starts ``B`` tracks,
    ``track(frames)`` advances all of them. For one track use `DCFSingleTracker` (a batch of one).

    Options are the fields of `DCFConfig` plus ``device`` (any torch device) and ``threads`` (CPU intra-op
    threads while the tracker runs, restored afterwards; ``None`` leaves torch's setting alone). Neither
    changes results beyond floating-point rounding, so neither is part of ``config``. The default, 1
    thread, pays on a CPU: the per-step tensors are small, so two threads mostly wait on each other,
    and far more so when another job shares the cores; run one process per core (``vasr track --procs``)
    for parallelism.

    After each `track`, ``last_peak`` and ``last_psr`` hold both failure cues per track (the confidence
    is one of them, by ``confidence``), for diagnostics and for choosing between them."""

    name = "dcf"
    batched = True
    provides_confidence = True
    provides_response = True

    def __init__(self, device: str | torch.device = "cpu", threads: int | None = 1, **options: Any) -> None:
        known = {f.name for f in fields(DCFConfig)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown DCF option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        self.settings = DCFConfig(**options)
        if self.settings.template % self.settings.cell:
            raise ValueError("template must be a multiple of cell")
        if self.settings.confidence not in ("peak", "psr"):
            raise ValueError(f"confidence must be 'peak' or 'psr', got {self.settings.confidence!r}")
        self.device = torch.device(device)
        self.threads = threads
        self.response_size = self.settings.response_size
        self.grid = self.settings.template // self.settings.cell
        s = self.settings
        self._features = FeatureExtractor(s.cell, s.hog, s.colour, s.deep_blocks, self.device)
        groups = ((s.hog, 1.0), (s.colour, s.colour_weight), (s.deep_blocks, s.deep_weight))
        self._weights = [weight for on, weight in groups if on]
        self._window = filters.cosine_window(self.grid, self.device)
        self._variants = size_variants(s.scale_step, s.aspect_step)
        self._count = 0

    @property
    def config(self) -> dict[str, Any]:
        return asdict(self.settings)

    @contextmanager
    def _thread_limit(self) -> Iterator[None]:
        if self.threads is None or self.device.type != "cpu":
            yield
            return
        previous = torch.get_num_threads()
        torch.set_num_threads(self.threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)

    # --- geometry -------------------------------------------------------------------------------------

    def _search_windows(self, sizes: np.ndarray) -> np.ndarray:
        """Search window ``(..., 2)`` for target sizes ``(..., 2)``: ``search_area`` times the target's mean
        side, leaning towards the target's aspect by ``window_aspect``, never tighter than 1.5x the target."""
        s = self.settings
        w, h = sizes[..., 0], sizes[..., 1]
        side = s.search_area * np.sqrt(w * h)
        lean = (w / h) ** (s.window_aspect / 2)
        return np.stack((np.maximum(side * lean, 1.5 * w), np.maximum(side / lean, 1.5 * h)), axis=-1)

    def _clamp(self, centres: np.ndarray, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Keep every track's centre on its frame and its size positive and at most 4x the frame."""
        limits = self._frame_sizes.astype(np.float64)
        sizes = np.clip(sizes, MIN_SIZE, np.maximum(4 * limits, MIN_SIZE))
        centres = np.clip(centres, 0.0, limits)
        return centres, sizes

    # --- features and filter ---------------------------------------------------------------------------

    def _spectra(
        self, frames: Sequence[np.ndarray], centres: np.ndarray, windows: np.ndarray
    ) -> torch.Tensor:
        """Windowed feature spectra ``(B, V, C, G, G')`` of ``V`` windows ``(B, V, 2)`` per track."""
        batch, count = windows.shape[:2]
        patches = torch.cat(
            [
                crop_windows(frame, centre, win, self.settings.template, self.device)
                for frame, centre, win in zip(frames, centres, windows, strict=True)
            ]
        )
        groups = self._features(patches.mul_(1 / 255))
        if self._group_scale is None:  # first frame: fix each group's weight from its energy
            self._group_scale = torch.stack(
                [w / torch.sqrt(group_energy(g) + 1e-8) for g, w in zip(groups, self._weights, strict=True)],
                dim=1,
            )
        scale = self._group_scale.repeat_interleave(count, dim=0)
        features = torch.cat([g * scale[:, i, None, None, None] for i, g in enumerate(groups)], dim=1)
        spectra = filters.sample_spectrum(features, self._window)
        return spectra.reshape(batch, count, *spectra.shape[1:])

    def _learn(self, spectrum: torch.Tensor, rate: torch.Tensor | None) -> None:
        numerator, denominator = filters.filter_terms(spectrum, self._label)
        if rate is None:
            self._numerator, self._denominator = numerator, denominator
            return
        r = rate.view(-1, 1, 1, 1)
        self._numerator = (1 - r) * self._numerator + r * numerator
        self._denominator = (1 - r) * self._denominator + r * denominator

    # --- the BatchTracker interface ---------------------------------------------------------------------

    def initialize(self, frames: Sequence[np.ndarray], boxes: np.ndarray) -> None:
        """Start one track per frame/box pair; `TrackerInputError` on a frame or box a filter cannot learn."""
        with self._thread_limit(), torch.no_grad():
            self._initialize(frames, boxes)

    def track(self, frames: Sequence[np.ndarray]) -> TrackBatch:
        """Advance every track by one frame (track ``i`` on ``frames[i]``)."""
        with self._thread_limit(), torch.no_grad():
            return self._track(frames)

    def _initialize(self, frames: Sequence[np.ndarray], boxes: np.ndarray) -> None:
        frames = [as_rgb(f) for f in frames]
        boxes = np.asarray(boxes, dtype=np.float64)
        if boxes.shape != (len(frames), 4) or not frames:
            raise TrackerInputError(
                f"{len(frames)} frames need boxes of shape ({len(frames)}, 4), not {boxes.shape}"
            )
        boxes = np.stack([check_init_box(f, b) for f, b in zip(frames, boxes, strict=True)])
        self._count = len(frames)
        self._frame_sizes = np.array([(f.shape[1], f.shape[0]) for f in frames], dtype=np.float64)
        centres, sizes = self._clamp(boxes[:, :2] + boxes[:, 2:] / 2, boxes[:, 2:])
        self._centres, self._sizes = centres, sizes
        windows = self._search_windows(sizes)
        target_cells = torch.as_tensor(sizes / windows * self.grid, device=self.device)
        sigma = filters.sigma_cells(target_cells, self.settings.sigma)
        self._label = filters.gaussian_label_fft(self.grid, sigma)
        self._mask = filters.support_mask(self.grid, target_cells * self.settings.support)
        self._group_scale = None
        self._learn(self._spectra(frames, centres, windows[:, None])[:, 0], None)

    def _track(self, frames: Sequence[np.ndarray]) -> TrackBatch:
        if self._count == 0:
            raise TrackerInputError("track() called before initialize()")
        frames = [as_rgb(f) for f in frames]
        if len(frames) != self._count:
            raise TrackerInputError(f"{len(frames)} frames for {self._count} tracks")
        for f in frames:
            if f.ndim != 3 or f.shape[2] != 3 or f.dtype != np.uint8:
                raise TrackerInputError(f"frame must be RGB uint8 (H, W, 3), got {f.dtype} {f.shape}")
        s = self.settings
        self._frame_sizes = np.array([(f.shape[1], f.shape[0]) for f in frames], dtype=np.float64)
        candidates = self._sizes[:, None, :] * self._variants[None]  # (B, V, 2)
        windows = self._search_windows(candidates)
        spectra = self._spectra(frames, self._centres, windows)  # (B, V, C, G, G')
        mask = self._mask if s.support > 0 else None
        filt = filters.constrained_filter(self._numerator, self._denominator, s.lam, mask)
        maps = filters.correlate(filt, spectra, self.grid)  # (B, V, G, G)
        batch, count = maps.shape[:2]
        peaks = maps.reshape(batch, count, -1).amax(dim=2)
        penalty = torch.full((count,), s.scale_penalty, device=self.device)
        penalty[0] = 1.0
        best = (peaks * penalty).argmax(dim=1)
        rows = torch.arange(batch, device=self.device)
        best_maps = maps[rows, best]
        value, shift, _ = filters.subpixel_peak(best_maps)
        factor_w, factor_h = estimate_factors(peaks, s.scale_step, s.aspect_step, s.scale_penalty)

        best_np = best.cpu().numpy()
        best_windows = windows[np.arange(batch), best_np]
        moves = shift.double().cpu().numpy() * (s.cell / s.template) * best_windows
        factors = np.stack((factor_w.double().cpu().numpy(), factor_h.double().cpu().numpy()), axis=1)
        sizes = self._sizes * factors**s.scale_damping
        centres, sizes = self._clamp(self._centres + moves, sizes)
        self._centres, self._sizes = centres, sizes

        confidence = value if s.confidence == "peak" else filters.peak_to_sidelobe(best_maps, value)
        self.last_peak = value.double().cpu().numpy()
        self.last_psr = filters.peak_to_sidelobe(best_maps, value).double().cpu().numpy()
        rate = torch.full((batch,), s.learning_rate, device=self.device, dtype=torch.float32)
        if s.update_threshold > 0:
            rate = torch.where(value >= s.update_threshold, rate, torch.zeros_like(rate))
        if s.train_on_search:
            self._learn(filters.shift_spectrum(spectra[rows, best], shift), rate)
        elif bool((rate > 0).any()):
            self._learn(self._spectra(frames, centres, self._search_windows(sizes)[:, None])[:, 0], rate)

        boxes = np.concatenate((centres - sizes / 2, sizes), axis=1)
        response = filters.centred_map(best_maps.float(), self.response_size).cpu().numpy().astype(np.float32)
        return TrackBatch(boxes, confidence.double().cpu().numpy(), response)


class DCFSingleTracker:
    """`DCFTracker` as a single-target `Tracker` (a batch of one); takes the same options."""

    name = DCFTracker.name
    provides_confidence = True
    provides_response = True

    def __init__(self, device: str | torch.device = "cpu", threads: int | None = 1, **options: Any) -> None:
        self._batch = DCFTracker(device=device, threads=threads, **options)
        self.response_size = self._batch.response_size

    @property
    def config(self) -> dict[str, Any]:
        return self._batch.config

    def initialize(self, frame: np.ndarray, box: np.ndarray) -> None:
        box = np.asarray(box, dtype=np.float64)
        self._batch.initialize([frame], box.reshape(1, 4) if box.size == 4 else box)

    def track(self, frame: np.ndarray) -> TrackStep:
        return self._batch.track([frame]).step(0)
