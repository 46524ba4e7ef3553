"""`DCFTracker`: a batched discriminative correlation-filter tracker in torch (vasr's built-in tracker).

Every call advances ``B`` independent tracks (the snippets of a video, or of many videos) with one set of
batched tensor ops, on CPU or CUDA. Per step and track: resample the search window for a few candidate
sizes, extract HOG-like + colour features, correlate with the filter in the
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

from vasr.tracking.base import (
    RESPONSE_SIZE,
    KeyframeMemory,
    SnippetEnds,
    TrackBatch,
    TrackContext,
    TrackerInputError,
    TrackerNeeds,
    TrackStep,
    check_init_box,
)
from vasr.tracking.dcf import filters
from vasr.tracking.dcf.crops import as_rgb, crop_windows
from vasr.tracking.dcf.features import FeatureExtractor, group_energy
from vasr.tracking.dcf.scale import estimate_factors, size_variants

MIN_SIZE = 2.0  # px: a box never shrinks below this, so it always has an area and a usable window
REDETECT_AREA = 2  # a lost track searches a window this many times wider, at the same cell size


@dataclass(frozen=True)
class DCFConfig:
    """Every setting that changes the tracker's results (all of it goes into the cache key). The defaults
    are the ``dcf`` preset; each other preset is a dict of the fields it changes."""

    template: int = 128  # side in px of the resampled search window
    cell: int = 4  # feature cell in px of the template: the filter grid is template // cell
    search_area: float = 3.0  # search window side / sqrt(target area)
    window_aspect: float = 0.5  # 0: square window, 1: window with the target's aspect
    colour_weight: float = 0.5  # of the colour group against HOG's
    sigma: float = 0.1  # label width / sqrt(target area in cells)
    lam: float = 1e-2  # ridge penalty
    # The online filter solves for all channels jointly over its history (MCCF: a channel covariance per
    # frequency) instead of sharing one denominator across them (DSST/MOSSE's approximation).
    exact_solve: bool = False
    learning_rate: float = 0.02
    scale_step: float = 1.03  # 1: no scale estimation
    aspect_step: float = 1.03  # 1: no aspect search (then 3 windows per step instead of 5)
    scale_penalty: float = 0.98  # off-centre sizes must beat the current one by 2%
    support: float = 1.5  # >0: filter support limited to this many target sizes (CSR-DCF-like); 0: none
    # Both ends of the snippet (`SnippetEnds`; each off at 0):
    end_weight: float = 0.0  # share of the end keyframe's filter in the response on arrival
    end_power: float = 1.0  # that share grows as (steps done / steps to the end) ** end_power
    size_prior: float = 0.0  # per-frame pull of the log size towards the start-to-end interpolation
    # Re-detection (off at 0): a peak below redetect_below searches a window twice as wide (REDETECT_AREA)
    # and moves there when that peak is redetect_margin times higher.
    redetect_below: float = 0.0
    redetect_margin: float = 1.0
    # A lost track (peak below redetect_below, so off while that is 0) also searches a wide window on the
    # straight path between its two human boxes, at the point its progress reaches (a target that left the
    # window is most likely near that path).
    path_search: bool = False
    # The human's other boxes (`KeyframeMemory`; off at memory_reach 0): a third fixed filter, learned on the
    # keyframes within memory_reach keyframes of the snippet, has this share of every response.
    memory_reach: int = 0
    memory_share: float = 0.25
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

    The confidence is the response peak: the filter is trained to answer 1 on the target.

    Subclasses are the registry's presets: a ``name`` and the ``preset`` options that differ from
    `DCFConfig`'s defaults (`DCFAccurateTracker`). With ``end_weight`` or ``size_prior`` on, the tracker's
    ``needs`` ask for each track's end keyframe; with a ``memory_reach``, the keyframes around its snippet
    too."""

    name = "dcf"
    batched = True
    provides_confidence = True
    provides_response = True

    preset: dict[str, Any] = {}  # options of this registry name that differ from `DCFConfig`'s defaults

    option_names = tuple(f.name for f in fields(DCFConfig))  # what ``**options`` takes

    def __init__(self, device: str | torch.device = "cpu", threads: int | None = 1, **options: Any) -> None:
        known = set(self.option_names)
        unknown = sorted(set(options) - known)
        if unknown:
            raise TypeError(f"unknown DCF option(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        self.settings = DCFConfig(**{**self.preset, **options})
        if self.settings.template % self.settings.cell:
            raise ValueError("template must be a multiple of cell")
        self.device = torch.device(device)
        self.threads = threads
        self.response_size = self.settings.response_size
        self.grid = self.settings.template // self.settings.cell
        s = self.settings
        self._features = FeatureExtractor(s.cell)
        self._weights = [1.0, s.colour_weight]
        self._window = filters.cosine_window(self.grid, self.device)
        self._variants = size_variants(s.scale_step, s.aspect_step)
        self._count = 0
        self.needs = TrackerNeeds(
            ends=s.end_weight > 0 or s.size_prior > 0,
            memory_reach=s.memory_reach if s.memory_share > 0 else 0,
        )
        self._memory: _MemoryFilter | None = None
        self._ends: _EndFilter | None = None

    @property
    def config(self) -> dict[str, Any]:
        # JSON-native (a list, not a tuple), so a config read back from a cache or a track file compares equal
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self.settings).items()}

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

    def _patches(
        self,
        frames: Sequence[np.ndarray],
        centres: np.ndarray,
        windows: np.ndarray,
        size: int | None = None,
    ) -> torch.Tensor:
        """Patches ``(B * V, 3, S, S)`` in [0, 1] of ``V`` windows ``(B, V, 2)`` per track; ``S`` is
        ``size``, by default the template's."""
        size = self.settings.template if size is None else size
        return torch.cat(
            [
                crop_windows(frame, centre, win, size, self.device)
                for frame, centre, win in zip(frames, centres, windows, strict=True)
            ]
        ).mul_(1 / 255)

    def _spectra(
        self,
        frames: Sequence[np.ndarray],
        centres: np.ndarray,
        windows: np.ndarray,
        patches: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Windowed feature spectra ``(B, V, C, G, G')`` of ``V`` windows ``(B, V, 2)`` per track."""
        batch, count = windows.shape[:2]
        if patches is None:
            patches = self._patches(frames, centres, windows)
        groups = self._features(patches)
        if self._group_scale is None:  # first frame: fix each group's weight from its energy
            self._group_scale = torch.stack(
                [w / torch.sqrt(group_energy(g) + 1e-8) for g, w in zip(groups, self._weights, strict=True)],
                dim=1,
            )
        features = _weighted(groups, self._group_scale.repeat_interleave(count, dim=0))
        spectra = filters.sample_spectrum(features, self._window)
        return spectra.reshape(batch, count, *spectra.shape[1:])

    def _learn(self, spectrum: torch.Tensor, rate: torch.Tensor | None) -> None:
        if rate is None:
            exact = self.settings.exact_solve
            self._numerator, self._denominator = filters.filter_terms(spectrum, self._label, exact)
            return
        self._numerator, self._denominator = filters.updated_terms(
            self._numerator, self._denominator, spectrum, self._label, rate
        )

    def _filter(self, numerator: torch.Tensor, denominator: torch.Tensor) -> torch.Tensor:
        """The (support-constrained) filter of the terms, on the tracks' own mask."""
        mask = self._mask if self.settings.support > 0 else None
        return filters.constrained_filter(numerator, denominator, self.settings.lam, mask)

    # --- the BatchTracker interface ---------------------------------------------------------------------

    def initialize(
        self, frames: Sequence[np.ndarray], boxes: np.ndarray, context: TrackContext | None = None
    ) -> None:
        """Start one track per frame/box pair; `TrackerInputError` on a frame or box a filter cannot learn.

        With the context's ``ends`` (when ``needs.ends``) a second, fixed filter is learned on each
        track's end keyframe and its response is mixed in with a share that grows towards the end, and the
        size is pulled towards the end box's: the track re-finds a target that changed its look since the
        start, and arrives where the human's end box says. With its ``memory`` (``needs.memory_reach``) a
        third fixed filter is learned on the keyframes around each track's snippet and has ``memory_share``
        of every response: the track keeps being pulled back to how the human's boxes show the target."""
        context = context or TrackContext()
        with self._thread_limit(), torch.no_grad():
            self._initialize(frames, boxes)
            self._ends = None
            self._memory = None
            if context.ends is not None and self.needs.ends and bool(context.ends.known.any()):
                self._ends = self._learn_ends(frames, boxes, context.ends)
            if context.memory is not None and self.needs.memory_reach > 0:
                self._memory = self._learn_memory(context.memory)

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
        patches = self._patches(frames, centres, windows[:, None])
        self._learn(self._spectra(frames, centres, windows[:, None], patches)[:, 0], None)

    def _learn_ends(self, frames: Sequence[np.ndarray], boxes: np.ndarray, ends: SnippetEnds) -> _EndFilter:
        """The end filters, learned like the start's on each end box (a track without one gets its start
        box and a share of 0)."""
        known = ends.known
        if len(known) != self._count:
            raise TrackerInputError(f"{len(known)} snippet ends for {self._count} tracks")
        end_boxes = np.where(known[:, None], ends.boxes, np.asarray(boxes, dtype=np.float64))
        end_frames = [
            as_rgb(f) if k else as_rgb(g) for f, g, k in zip(ends.frames, frames, known, strict=True)
        ]
        centres, sizes = self._clamp(
            end_boxes[:, :2] + end_boxes[:, 2:] / 2, np.maximum(end_boxes[:, 2:], MIN_SIZE)
        )
        spectrum = self._spectra(end_frames, centres, self._search_windows(sizes)[:, None])[:, 0]
        return _EndFilter(
            self._filter(*filters.filter_terms(spectrum, self._label)),
            torch.as_tensor(np.maximum(ends.steps, 1), dtype=torch.float32, device=self.device),
            torch.as_tensor(known, device=self.device),
            start_sizes=self._sizes.copy(),
            end_sizes=sizes,
            start_centres=self._centres.copy(),
            end_centres=centres,
            weight=self.settings.end_weight,
            power=self.settings.end_power,
        )

    def _learn_memory(self, memory: KeyframeMemory) -> _MemoryFilter | None:
        """Each track's memory filter: learned on the mean filter terms of its memory keyframes, whose
        features are computed once for all tracks and weighted as each track's own (None when no track has
        any keyframe in memory)."""
        uses = np.asarray(memory.uses, dtype=bool)
        if len(uses) != self._count:
            raise TrackerInputError(f"keyframe memory for {len(uses)} tracks, not {self._count}")
        count = uses.sum(axis=1)
        if not count.any():
            return None
        boxes = np.asarray(memory.boxes, dtype=np.float64)
        sizes = np.maximum(boxes[:, 2:], MIN_SIZE)
        frames = [as_rgb(f) for f in memory.frames]
        windows = self._search_windows(sizes)[:, None]
        groups = self._features(self._patches(frames, boxes[:, :2] + boxes[:, 2:] / 2, windows))
        exact = self.settings.exact_solve
        known = torch.as_tensor(count > 0, device=self.device)
        share = torch.as_tensor(1.0 / np.maximum(count, 1), dtype=torch.float32, device=self.device)
        # column[i, k]: track i's k-th memory keyframe (0 past its count, where its weight is 0)
        column = np.zeros((len(uses), int(count.max())), dtype=np.int64)
        for i, u in enumerate(uses):
            column[i, : count[i]] = np.flatnonzero(u)
        mean: tuple[torch.Tensor, torch.Tensor] | None = None
        for slot in range(column.shape[1]):  # each track's slot-th keyframe; tracks with fewer weigh it 0
            has = torch.as_tensor(count > slot, device=self.device)
            pick = torch.as_tensor(column[:, slot])
            features = _weighted([g[pick.to(g.device)] for g in groups], self._group_scale)
            terms = filters.filter_terms(filters.sample_spectrum(features, self._window), self._label, exact)
            weight = torch.where(has, share, torch.zeros_like(share))
            terms = tuple(t * weight.view(-1, *([1] * (t.dim() - 1))) for t in terms)
            mean = terms if mean is None else (mean[0] + terms[0], mean[1] + terms[1])
        return _MemoryFilter(self._filter(*mean), known, self.settings.memory_share)

    def _wide_peaks(
        self,
        frames: Sequence[np.ndarray],
        filt: torch.Tensor,
        windows: np.ndarray,
        rows: np.ndarray,
        origins: np.ndarray,
    ) -> tuple[torch.Tensor, np.ndarray]:
        """Peak ``(b,)`` and move in px ``(b, 2)`` from ``origins`` of the tracks ``rows`` searched in a
        window ``REDETECT_AREA`` times larger (same pixels per cell, so the same filter, zero-padded)."""
        s = self.settings
        factor = REDETECT_AREA
        size, grid = s.template * factor, self.grid * factor
        index = torch.as_tensor(rows, device=self.device)
        wide = windows[rows] * factor
        patches = self._patches([frames[i] for i in rows], origins, wide[:, None], size)
        features = _weighted(self._features(patches), self._group_scale[index])
        spectra = filters.sample_spectrum(features, filters.cosine_window(grid, self.device))
        wide_filter = filters.pad_filter(filt[index], self.grid, grid)
        maps = filters.correlate(wide_filter, spectra[:, None], grid)
        if self._ends is not None and s.end_weight > 0:
            maps = self._ends.mix(maps, spectra[:, None], index)
        if self._memory is not None:
            maps = self._memory.mix(maps, spectra[:, None], index)
        value, shift, _ = filters.subpixel_peak(maps[:, 0])
        return value, shift.double().cpu().numpy() * (s.cell / s.template) * windows[rows]

    def _redetect(
        self,
        frames: Sequence[np.ndarray],
        filt: torch.Tensor,
        windows: np.ndarray,
        lost: np.ndarray,
        value: torch.Tensor,
        moves: np.ndarray,
    ) -> torch.Tensor:
        """Search the tracks in ``lost`` again in a wider window around their position and (``path_search``)
        around their point on the path between their human boxes; where a wider peak beats the best so far
        by ``redetect_margin``, ``moves`` is replaced in place. Returns which tracks moved ``(B,)``."""
        s = self.settings
        best = value.double().cpu().numpy()  # one copy on the host: no device sync per track
        found = np.zeros(len(best), dtype=bool)
        candidates = [(lost, self._centres[lost])]
        if self._ends is not None and s.path_search:
            rows = lost[self._ends.known.cpu().numpy()[lost]]
            if rows.size:
                candidates.append((rows, self._ends.path_centres()[rows]))
        for rows, origins in candidates:
            wide_value, shift_px = self._wide_peaks(frames, filt, windows, rows, origins)
            wide_value = wide_value.double().cpu().numpy()
            for k, i in enumerate(rows):
                if wide_value[k] > best[i] * s.redetect_margin:
                    best[i] = wide_value[k]
                    moves[i] = origins[k] + shift_px[k] - self._centres[i]
                    found[i] = True
        return torch.as_tensor(found, device=self.device)

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
        patches = self._patches(frames, self._centres, windows)
        spectra = self._spectra(frames, self._centres, windows, patches)  # (B, V, C, G, G')
        filt = self._filter(self._numerator, self._denominator)
        maps = filters.correlate(filt, spectra, self.grid)  # (B, V, G, G)
        if self._ends is not None:
            self._ends.advance()
            if s.end_weight > 0:
                maps = self._ends.mix(maps, spectra)
        if self._memory is not None:
            maps = self._memory.mix(maps, spectra)
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
        found = torch.zeros(batch, dtype=torch.bool, device=self.device)
        if s.redetect_below > 0:
            lost = np.flatnonzero(value.cpu().numpy() < s.redetect_below)
            if lost.size:
                found = self._redetect(frames, filt, windows[:, 0], lost, value, moves)
        factors = np.stack((factor_w.double().cpu().numpy(), factor_h.double().cpu().numpy()), axis=1)
        sizes = self._sizes * factors
        if self._ends is not None and s.size_prior > 0:
            sizes = self._ends.pull_size(sizes, s.size_prior)
        centres, sizes = self._clamp(self._centres + moves, sizes)
        self._centres, self._sizes = centres, sizes

        rate = torch.full((batch,), s.learning_rate, device=self.device, dtype=torch.float32)
        rate = torch.where(found, torch.zeros_like(rate), rate)  # a jump's sample is not centred: skip it
        # learn from the search sample re-centred on the peak: no second feature pass
        self._learn(filters.shift_spectrum(spectra[rows, best], shift), rate)

        boxes = np.concatenate((centres - sizes / 2, sizes), axis=1)
        response = filters.centred_map(best_maps.float(), self.response_size).cpu().numpy().astype(np.float32)
        return TrackBatch(boxes, value.double().cpu().numpy(), response)


@dataclass
class _MemoryFilter:
    """Each track's filter learned on the human's keyframes around its snippet (`KeyframeMemory`), mixed
    into every response with a fixed ``share``. The online filter follows the target's latest look and the
    end filter its look at arrival; this one remembers how it looked across the human's boxes, which keeps
    pulling the track back to the target when the online filter has learned part of the background."""

    spectrum: torch.Tensor  # (B, C, G, G') fixed filter
    known: torch.Tensor  # (B,) bool: tracks with at least one keyframe in memory
    share: float

    def mix(
        self, maps: torch.Tensor, spectra: torch.Tensor, rows: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Responses ``(b, V, g, g)`` of the tracks ``rows`` (all when ``None``) with the memory filter's
        response on the same samples mixed in; a wider grid ``g`` gets the filter zero-padded."""
        rows = torch.arange(len(self.known), device=maps.device) if rows is None else rows
        share = torch.where(self.known[rows], self.share, 0.0)
        return _mixed(maps, spectra, self.spectrum[rows], share)


def _mixed(
    maps: torch.Tensor, spectra: torch.Tensor, fixed: torch.Tensor, share: torch.Tensor
) -> torch.Tensor:
    """``(1 - share) * maps + share *`` the response of one fixed filter per track ``(b, C, G, G')`` on the
    same ``spectra``, ``share`` ``(b,)``; a wider grid than the filter's gets it zero-padded."""
    grid, own = maps.shape[-1], fixed.shape[-2]
    fixed = fixed if grid == own else filters.pad_filter(fixed, own, grid)
    share = share.to(maps.dtype).view(-1, 1, 1, 1)
    return (1 - share) * maps + share * filters.correlate(fixed, spectra, grid)


def _weighted(groups: list[torch.Tensor], scale: torch.Tensor) -> torch.Tensor:
    """Feature groups ``(N, C_g, G, G)`` each times its per-sample weight ``scale[:, g]``, concatenated."""
    return torch.cat([g * scale[:, i, None, None, None] for i, g in enumerate(groups)], dim=1)


@dataclass
class _EndFilter:
    """Each track's filter learned on its end keyframe, the sizes at both ends, and the track's progress.

    The end filter's share of the response grows from 0 to ``weight`` as ``progress ** power``: far from
    the end keyframe the target may look unlike it, close to it the human's box is the best model there is."""

    spectrum: torch.Tensor  # (B, C, G, G') fixed filter
    steps: torch.Tensor  # (B,) track calls to the end keyframe
    known: torch.Tensor  # (B,) bool: tracks that have an end box
    start_sizes: np.ndarray  # (B, 2) w, h on the start keyframe
    end_sizes: np.ndarray  # (B, 2) w, h on the end keyframe (the start's where unknown)
    start_centres: np.ndarray  # (B, 2) box centres on the start keyframe
    end_centres: np.ndarray  # (B, 2) box centres on the end keyframe (the start's where unknown)
    weight: float
    power: float
    done: int = 0

    def path_centres(self) -> np.ndarray:
        """Centres ``(B, 2)`` on the straight line from the start box to the end box, at each track's
        progress: where a target moving evenly between the two human boxes would be now."""
        progress = self._progress().cpu().numpy()[:, None]
        return self.start_centres + (self.end_centres - self.start_centres) * progress

    def advance(self) -> None:
        self.done += 1

    def _progress(self) -> torch.Tensor:
        return (self.done / self.steps).clamp(max=1.0)

    def mix(
        self, maps: torch.Tensor, spectra: torch.Tensor, rows: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Responses ``(b, V, g, g)`` of the tracks ``rows`` (all when ``None``) with the end filter's
        response on the same samples ``spectra`` mixed in; a wider grid ``g`` gets the filter zero-padded."""
        rows = torch.arange(len(self.known), device=maps.device) if rows is None else rows
        share = self.weight * self._progress()[rows] ** self.power
        return _mixed(maps, spectra, self.spectrum[rows], torch.where(self.known[rows], share, 0.0))

    def pull_size(self, sizes: np.ndarray, pull: float) -> np.ndarray:
        """Sizes ``(B, 2)`` moved by ``pull`` (in log space) towards the size interpolated geometrically from
        the start box to the end box at the track's progress: the human said how big the target ends up."""
        progress = self._progress().cpu().numpy()[:, None]
        prior = self.start_sizes * (self.end_sizes / self.start_sizes) ** progress
        pulled = np.exp((1 - pull) * np.log(sizes) + pull * np.log(prior))
        return np.where(self.known.cpu().numpy()[:, None], pulled, sizes)


TWO_ENDED: dict[str, Any] = {
    "end_weight": 0.6,
    "end_power": 0.5,
    "size_prior": 0.3,
    "redetect_below": 0.35,
    "redetect_margin": 1.2,
    "path_search": True,
}
"""How ``dcf-accurate`` uses both ends of its snippet: the end keyframe's filter grows to 0.6 of the response
on arrival, the size is pulled towards the start-to-end interpolation, and a lost track (peak below 0.35)
searches wider around itself and on the path between the two human boxes. Values chosen on real fold 0
(`vasr.data.folds`) and checked on fold 1 and the embedded data (``make bench-tracker``)."""

EXACT_FILTER: dict[str, Any] = {"exact_solve": True, "lam": 1.0, "sigma": 0.125}
"""How ``dcf-accurate`` learns its online filter: the exact multi-channel solution, which wants a stronger
ridge penalty and a wider label than the shared-denominator one (chosen on real fold 0)."""


KEYFRAME_MEMORY: dict[str, Any] = {"memory_reach": 4, "memory_share": 0.25}
"""How ``dcf-accurate`` remembers the human's other boxes: the keyframes up to 4 before and 4 after the
snippet, a quarter of every response (chosen on real fold 0)."""


class DCFAccurateTracker(DCFTracker):
    """``--tracker dcf-accurate``: `DCFTracker` that uses both ends of its snippet (the end keyframe's filter,
    the end box's size) and the human's keyframes around it (a memory filter), and, when its peak says it
    lost the target, searches a wider window around itself and around its point on the straight path
    between the two human boxes; its online filter is the exact multi-channel solution over its history
    (``exact_solve``)."""

    name = "dcf-accurate"
    preset = {**TWO_ENDED, **EXACT_FILTER, **KEYFRAME_MEMORY}


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
