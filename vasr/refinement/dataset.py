"""Training material for VG-Refine: L-frame windows of one tracking direction, with image crops made lazily.

`RefineSequence` holds what is cheap and per sequence (tracks, T-Assess-style geometry inputs, the ground
truth, the distance-blended box, each frame's start keyframe); `RefineWindows` serves windows of one direction
and decodes frames only in ``__getitem__`` (so DataLoader workers do it): the search crop around each chosen
frame's tracked box and the template around that frame's start keyframe (a window may span two snippets).

CPU economy: only ``frames`` of the L frames get crops (chosen among the frames with a target; the G-Module
still reads the geometry of all L), crops are small, and a frame is decoded once per item. Training
augmentation: a box-consistent jitter of the tracked box (shift and per-axis scale; the crop, the geometry
inputs and the fallback box all follow the jittered box, as if the tracker had returned it) and photometric
changes of the crops (albumentations). Validation is deterministic: no jitter, no augmentation, evenly spaced
frames."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import Dataset

from vasr.baselines.blend import blend_by_distance
from vasr.data.keyframes import Keyframes
from vasr.data.sequence import Sequence
from vasr.directions import DIRECTIONS
from vasr.refinement.crops import (
    context_regions,
    crop_frame,
    image_to_crop,
    template_crop,
    template_size,
)
from vasr.refinement.gmodule import extra_features
from vasr.selection.inputs import DirectionInputs, direction_inputs, normalised_corners
from vasr.selection.windows import window_index, window_starts
from vasr.tracking.snippets import SequenceTracks


@dataclass(frozen=True)
class DirectionGeometry:
    """One direction of a sequence: tracked boxes, T-Assess inputs, start keyframe and phase per frame."""

    boxes: np.ndarray  # (N, 4) image pixels, NaN where invalid
    valid: np.ndarray  # (N,) bool
    inputs: DirectionInputs  # maps, normalised corners, confidences
    start: np.ndarray  # (N,) int64 keyframe the tracker started from (-1: none)
    phase: np.ndarray  # (N,) float: frames since the start over the snippet length, in [0, 1]


@dataclass(frozen=True)
class RefineSequence:
    """A sequence with its tracks, ready to be cut into refinement windows."""

    sequence: Sequence
    gt: np.ndarray  # (N, 4), NaN where not visible
    is_key: np.ndarray  # (N,) bool
    prior: np.ndarray  # (N, 4) distance-blended forward/backward boxes (NaN where none)
    forward: DirectionGeometry
    backward: DirectionGeometry

    def __len__(self) -> int:
        return len(self.gt)

    def direction(self, name: str) -> DirectionGeometry:
        return self.forward if name == "forward" else self.backward

    @classmethod
    def from_tracks(
        cls,
        sequence: Sequence,
        tracks: SequenceTracks,
        response_size: int = 19,
        keyframes: Keyframes | None = None,
    ) -> RefineSequence:
        """The tracks' geometry with the ground truth (training) or, where ``keyframes`` are given, the
        human's boxes on them (annotation: a video has no ground truth beyond them)."""
        n = len(sequence)
        if len(tracks) != n:
            raise ValueError(f"{sequence.name}: {len(tracks)} tracked frames but {n} frames")
        keys = np.asarray(tracks.keyframes, dtype=np.int64)
        is_key = np.zeros(n, bool)
        is_key[keys] = True
        frames = np.arange(n)
        left_i = np.searchsorted(keys, frames, side="right") - 1
        right_i = np.searchsorted(keys, frames, side="left")
        left = np.where(left_i >= 0, keys[np.clip(left_i, 0, len(keys) - 1)], -1)
        right = np.where(right_i < len(keys), keys[np.clip(right_i, 0, len(keys) - 1)], -1)
        span_left = np.maximum(np.where(right >= 0, right, n - 1) - left, 1)  # tail: up to the last frame
        span_right = np.maximum(right - np.where(left >= 0, left, 0), 1)  # head: from frame 0
        geometry = {}
        for name, start, phase in (
            ("forward", left, (frames - left) / span_left),
            ("backward", right, (right - frames) / span_right),
        ):
            d = getattr(tracks, name)
            ok = np.asarray(d.valid, bool) & np.isfinite(d.boxes).all(1)
            geometry[name] = DirectionGeometry(
                boxes=np.where(ok[:, None], d.boxes, np.nan),
                valid=ok,
                inputs=direction_inputs(d, sequence.image_size, response_size),
                start=np.where(ok & (start >= 0), start, -1),
                phase=np.clip(np.where(start >= 0, phase, 0.0), 0.0, 1.0),
            )
        gt = np.where(sequence.visible[:, None], sequence.boxes, np.nan)
        if keyframes is not None:
            gt[keyframes.indices] = keyframes.boxes
        return cls(sequence, gt, is_key, blend_by_distance(tracks), geometry["forward"], geometry["backward"])


def default_augmentation():  # noqa: ANN201 - albumentations' Compose, imported lazily
    """Photometric changes only (geometry is jittered on the box, so masks and boxes stay consistent)."""
    import albumentations as A

    return A.Compose(
        [
            A.ColorJitter(brightness=0.25, contrast=0.25, saturation=0.25, hue=0.03, p=0.8),
            A.GaussNoise(std_range=(0.01, 0.05), p=0.3),
            A.MotionBlur(blur_limit=(3, 5), p=0.1),
        ]
    )


def jitter_boxes(
    boxes: np.ndarray, shift: float, scale: float, prob: float, generator: torch.Generator
) -> np.ndarray:
    """Per frame, with probability ``prob``: move the centre by N(0, shift * size) and scale each side by
    exp(N(0, scale)). NaN rows stay NaN."""
    n = len(boxes)
    noise = torch.randn(n, 4, generator=generator, dtype=torch.float64).numpy()
    apply = (torch.rand(n, generator=generator, dtype=torch.float64).numpy() < prob)[:, None]
    w, h = boxes[:, 2:3], boxes[:, 3:4]
    centre = boxes[:, :2] + boxes[:, 2:] / 2 + noise[:, :2] * shift * np.concatenate([w, h], 1)
    size = boxes[:, 2:] * np.exp(noise[:, 2:] * scale)
    jittered = np.concatenate([centre - size / 2, size], 1)
    return np.where(apply, jittered, boxes)


class RefineWindows(Dataset):
    """Windows of ``length`` frames of one direction (``stride`` apart) with at least one target frame.

    Args:
        sequences: the material.
        length: L.
        stride: frames between window starts.
        frames: crops per window (None: all L frames).
        crop_size, context, template_context: the crops (see ``vasr.refinement.crops``).
        train: random frame choice, box jitter and photometric augmentation; else deterministic.
        jitter_shift, jitter_scale, jitter_prob: the box jitter (training).
        augment: photometric augmentation in training.
        require_target: keep only windows with a target frame (training, validation); False keeps every
            window with a tracked box (annotation, where the ground truth is unknown).
        crop_frames: ``{direction: (N,) bool}``, for annotation: crop exactly these frames (tracked ones)
            of each window, and keep only the windows that have one; ``frames`` is then ignored.

    Items are dicts of tensors (see ``vasr.refinement.model`` for the keys the net reads), plus
    ``tracked (L, 4)`` (the unjittered tracker boxes), ``gt (L, 4)``, ``gt_crop (L, 4)`` and
    ``target (L,)`` (frames the loss and the metrics count: a tracked box, a visible ground truth, not a
    keyframe).
    """

    def __init__(
        self,
        sequences: list[RefineSequence],
        length: int = 20,
        stride: int = 1,
        frames: int | None = 4,
        crop_size: int = 64,
        context: float = 2.0,
        template_context: float = 1.0,
        train: bool = True,
        jitter_shift: float = 0.1,
        jitter_scale: float = 0.1,
        jitter_prob: float = 0.0,
        augment: bool = True,
        require_target: bool = True,
        crop_frames: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.sequences = sequences
        self.length, self.frames = length, frames
        self.size = (crop_size, crop_size)
        self.context, self.template_context = context, template_context
        self.template_size = template_size(self.size, context, template_context)
        self.train = train
        self.jitter = (jitter_shift, jitter_scale, jitter_prob)
        self.augment = augment
        # built here, in the process that makes the DataLoader: importing albumentations first inside a
        # forked worker can wait forever on a lock another thread of the parent held at the fork
        self._augmentation = default_augmentation() if train and augment else None
        self.crop_frames = crop_frames
        if crop_frames is not None and len(sequences) != 1:
            raise ValueError("crop_frames names the frames of one sequence")
        self.entries: list[tuple[int, int, int]] = []
        for s, item in enumerate(sequences):
            starts = window_starts(len(item), length, stride)
            index, real = window_index(len(item), starts, length)
            for d, name in enumerate(DIRECTIONS):
                usable = self._targets(item, name) if require_target else item.direction(name).valid
                if crop_frames is not None:
                    usable = usable & np.asarray(crop_frames[name], bool)
                has = usable[index] & real
                self.entries += [
                    (s, d, int(start)) for start, keep in zip(starts, has.any(1), strict=True) if keep
                ]

    @staticmethod
    def _targets(item: RefineSequence, name: str) -> np.ndarray:
        return item.direction(name).valid & np.isfinite(item.gt).all(1) & ~item.is_key

    def __len__(self) -> int:
        return len(self.entries)

    def _choose(self, target: np.ndarray, generator: torch.Generator) -> np.ndarray:
        candidates = np.flatnonzero(target)
        if self.frames is None:
            return np.arange(self.length)
        if len(candidates) == 0:  # only without require_target: any frames will do
            candidates = np.arange(self.length)
        k = self.frames
        if not self.train:
            picks = np.linspace(0, len(candidates) - 1, k).round().astype(np.int64)
            return candidates[picks]
        order = torch.randperm(len(candidates), generator=generator).numpy()
        if len(candidates) < k:
            extra = torch.randint(len(candidates), (k - len(candidates),), generator=generator)
            order = np.concatenate([order, extra.numpy()])
        return np.sort(candidates[order[:k]])

    def _augment(self, crops: Tensor, generator: torch.Generator) -> Tensor:
        # albumentations draws from its own generator, seeded from the OS unless told: seeded from the item's
        # generator, a seeded run augments (and so trains) the same way every time
        self._augmentation.set_random_seed(int(torch.randint(2**31, (), generator=generator)))
        images = crops.permute(0, 2, 3, 1).contiguous().numpy()
        out = [self._augmentation(image=np.ascontiguousarray(im))["image"] for im in images]
        return torch.from_numpy(np.stack(out)).permute(0, 3, 1, 2).clamp_(0.0, 1.0)

    def __getitem__(self, i: int) -> dict[str, Tensor]:
        s, d, start = self.entries[i]
        item = self.sequences[s]
        name = DIRECTIONS[d]
        geo, other = item.direction(name), item.direction(DIRECTIONS[1 - d])
        index, real = window_index(len(item), np.array([start]), self.length)
        index, real = index[0], real[0]
        generator = torch.Generator().manual_seed(int(torch.randint(2**62, ())) if self.train else i)
        tracked = geo.boxes[index]
        valid = geo.valid[index] & real
        target = valid & self._targets(item, name)[index]
        inputs = tracked
        if self.train and self.jitter[2] > 0:
            inputs = jitter_boxes(tracked, *self.jitter, generator=generator)
        width, height = item.sequence.image_size
        w_box, h_box = width / self.context, height / self.context  # its region is the whole frame
        whole = np.array([(width - w_box) / 2, (height - h_box) / 2, w_box, h_box])
        prior = item.prior[index]
        base = np.where(valid[:, None], inputs, np.where(np.isfinite(prior).all(1)[:, None], prior, whole))
        regions = context_regions(torch.from_numpy(base), self.context)
        to_crop = lambda boxes: image_to_crop(torch.from_numpy(boxes), regions, self.size)  # noqa: E731
        prior_crop, gt_crop = to_crop(prior), to_crop(item.gt[index])
        extras = extra_features(
            to_crop(other.boxes[index]),
            prior_crop,
            torch.from_numpy(geo.phase[index]),
            torch.full((self.length,), float(d), dtype=torch.float64),
            self.size,
        )
        if self.crop_frames is None:
            chosen = self._choose(target, generator)
        else:
            chosen = np.flatnonzero(valid & self.crop_frames[name][index])
        search, template = self._crops(item, index[chosen], regions[chosen], geo.start[index[chosen]])
        if self.train and self.augment:
            search, template = self._augment(search, generator), self._augment(template, generator)
        maps, _, conf = geo.inputs.window(index)
        corners = normalised_corners(np.where(valid[:, None], inputs, np.nan), item.sequence.image_size)
        return {
            "search": search,
            "template": template,
            "frames": torch.from_numpy(chosen).long(),
            "maps": maps,
            "boxes": torch.from_numpy(corners).float(),
            "conf": conf,
            "extras": extras.float(),
            "backward": torch.tensor(bool(d)),
            "regions": regions.float(),
            "input_boxes": torch.from_numpy(np.where(valid[:, None], inputs, base)).float(),
            "tracked": torch.from_numpy(tracked).float(),
            "prior_crop": prior_crop.float(),
            "gt": torch.from_numpy(item.gt[index]).float(),
            "gt_crop": gt_crop.float(),
            "target": torch.from_numpy(target),
        }

    def _crops(
        self, item: RefineSequence, frames: np.ndarray, regions: Tensor, starts: np.ndarray
    ) -> tuple[Tensor, Tensor]:
        """Search crops of ``frames`` and the templates of their start keyframes (each decoded once)."""
        decoded: dict[int, np.ndarray] = {}

        def frame(index: int) -> np.ndarray:
            if index not in decoded:
                decoded[index] = np.asarray(item.sequence.frame(index))
            return decoded[index]

        pairs = zip(frames, regions, strict=True)
        search = torch.stack([crop_frame(frame(int(f)), r, self.size) for f, r in pairs])
        templates: dict[int, Tensor] = {}
        out = []
        for key in starts.tolist():
            if key not in templates:
                box = item.gt[key] if key >= 0 else np.full(4, np.nan)
                if np.isfinite(box).all():
                    templates[key] = template_crop(frame(key), box, self.template_context, self.template_size)
                else:
                    templates[key] = torch.full((3, *self.template_size), 0.5)
            out.append(templates[key])
        return search.float(), torch.stack(out).float()
