"""Everything about one sequence decided up front, before any pixel is drawn: sprites, background, and the
per-frame boxes of the target, distractors and occluders, camera, lighting and blur.

Boxes are rounded to integer pixels here, and the renderer stretches each sprite to fill its box exactly, so
the written ground truth is the rendered silhouette's box. Every frame is a pure function of the scene, so any
frame can be re-rendered alone (tests compare it with and without the target)."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from vasr.data.synth.config import SynthConfig
from vasr.data.synth.motion import episodes, limit_speed, smooth_noise, span_normalise, wander, window
from vasr.data.synth.targets import TARGETS, TargetSpec
from vasr.data.synth.textures import (
    SCENES,
    TEXTURES,
    cover_resize,
    hue_shift,
    load_grey,
    load_rgb,
    mirror_tile,
    natural_colour,
    superellipse_alpha,
    tint,
)

_PROFILE_STREAM = 1  # keeps the profile's random stream apart from the sequence's own
NOISE_MARGIN = 32  # the noise bank is this much larger than a frame; each frame reads a random window


@dataclass(frozen=True)
class Profile:
    """The difficulty events of a sequence. Sequence i and i + ceil(n/2) of a category share one, so the two
    halves of a category (the paper's cross-validation split) hold the same mix of hard cases."""

    occluders: tuple[bool, ...]  # one entry per occluder pass: True = big enough to hide the target
    out_of_view: bool
    distractors: int
    absent_zeros: bool  # boxes of out-of-view frames: 0,0,0,0 (True) or the last in-view box (False)
    light_switch: bool
    defocus: bool
    shadows: bool


@dataclass
class Layer:
    """A sprite (premultiplied RGBA float32) and where it is in every frame: integer ``x, y, w, h`` boxes in
    image pixels (not clipped to the image), in-plane angles (degrees), image velocity (px/frame, for
    motion blur); optionally whether it is seen mirrored (after an out-of-plane turn), its own brightness
    (turning to the light), a non-rigid sway (amplitude x, y as a share of the size, phase x, y) and whether
    it passes in front of the target."""

    sprite: np.ndarray
    boxes: np.ndarray
    angles: np.ndarray
    velocity: np.ndarray
    flip: np.ndarray | None = None
    brightness: np.ndarray | None = None
    sway: np.ndarray | None = None
    front: bool = False
    mirrored: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.mirrored = np.ascontiguousarray(self.sprite[:, ::-1])

    def sprite_at(self, t: int) -> np.ndarray:
        return self.mirrored if self.flip is not None and self.flip[t] else self.sprite


@dataclass
class Scene:
    """One sequence, fully decided. ``view`` is the top-left corner of the frame in background pixels."""

    name: str
    category: TargetSpec
    size: tuple[int, int]
    background: np.ndarray
    view: np.ndarray
    target: Layer
    distractors: list[Layer]
    occluders: list[Layer]
    shade: np.ndarray | None  # world-attached shadow multiplier, background-sized, or None
    gain: np.ndarray
    gamma: np.ndarray
    defocus: np.ndarray
    noise: np.ndarray
    noise_offsets: np.ndarray
    absent_zeros: bool
    exposure: float  # motion-blur length per pixel of image motion

    @property
    def frames(self) -> int:
        return len(self.view)


def draw_profile(config: SynthConfig, category_index: int, index: int) -> Profile:
    """The difficulty events of sequence ``index`` (1-based), shared with its twin in the other half."""
    half = -(-config.sequences_per_category // 2)
    rank = (index - 1) % half
    rng = np.random.default_rng([config.seed, category_index, rank, _PROFILE_STREAM])
    count = int(rng.poisson(config.occlusion_rate * config.frames / 100))
    full = tuple(bool(x) for x in rng.random(count) < config.full_occlusion_share)
    return Profile(
        occluders=full,
        out_of_view=bool(rng.random() < config.out_of_view_prob),
        distractors=int(rng.integers(0, config.distractors + 1)),
        absent_zeros=bool(rng.random() < 0.5),
        light_switch=bool(rng.random() < 0.5),
        defocus=bool(rng.random() < 0.4),
        shadows=bool(rng.random() < 0.5 * min(config.illumination, 1.0)),
    )


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Premultiplied alpha: resizing, rotating and blurring it never leaks the transparent pixels' colour."""
    out = rgba.copy()
    out[..., :3] *= out[..., 3:4]
    return out


def _shrink(sprite: np.ndarray, longest: float) -> np.ndarray:
    """Downscale a sprite once so its longest side is about ``longest``: per-frame fitting stays cheap."""
    scale = 1.25 * longest / max(sprite.shape[:2])
    if scale >= 1:
        return sprite
    size = (max(1, round(sprite.shape[1] * scale)), max(1, round(sprite.shape[0] * scale)))
    return cv2.resize(sprite, size, interpolation=cv2.INTER_AREA)


def _boxes(centre: np.ndarray, w: np.ndarray, h: np.ndarray) -> np.ndarray:
    wi = np.maximum(np.rint(w), 3).astype(np.int64)
    hi = np.maximum(np.rint(h), 3).astype(np.int64)
    x = np.rint(centre[:, 0] - wi / 2).astype(np.int64)
    y = np.rint(centre[:, 1] - hi / 2).astype(np.int64)
    return np.stack([x, y, wi, hi], axis=1)


def _overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3])


def _soft_limit(offsets: np.ndarray, limit: np.ndarray, knee: float = 0.8) -> np.ndarray:
    """Keep offsets within +-limit (per column): identity up to ``knee`` x limit, then a smooth tanh
    shoulder, so a pushed path slows down at the border instead of bouncing."""
    scaled = np.abs(offsets) / limit
    shoulder = knee + (1 - knee) * np.tanh((scaled - knee) / (1 - knee))
    return np.sign(offsets) * np.where(scaled <= knee, scaled, shoulder) * limit


def _soft_clamp(values: np.ndarray, lo: float, hi: float) -> np.ndarray:
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    return mid + half * np.tanh((values - mid) / half)


def _sway(rng: np.random.Generator, n: int, strength: float) -> np.ndarray | None:
    """Per-frame (amplitude x, amplitude y, phase x, phase y) of a travelling sine warp: a swaying,
    breathing, non-rigid object; None when ``strength`` is 0."""
    if strength <= 0:
        return None
    amplitude = (
        strength * 0.05 * (0.5 + 0.5 * np.abs(np.stack([wander(rng, n, (60, 240), 15) for _ in range(2)], 1)))
    )
    phase = np.outer(np.arange(n), 2 * np.pi / rng.uniform(25, 70, size=2)) + rng.uniform(
        0, 2 * np.pi, size=2
    )
    return np.concatenate([amplitude, phase], axis=1)


def _shadows(rng: np.random.Generator, width: int, height: int, depth: float) -> np.ndarray:
    """Large soft shadows on the scene (clouds, buildings, trees): a multiplier in [1 - depth, 1], about a
    third of the area in shade with edges ~10 px soft; world-attached, so the target darkens as it moves
    through them."""
    coarse = rng.standard_normal((max(height // 80, 2), max(width // 80, 2))).astype(np.float32)
    smooth = cv2.GaussianBlur(cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC), (0, 0), 8)
    level = float(np.quantile(smooth, 0.65))
    inside = np.clip((smooth - level) / (0.3 * float(smooth.std())) + 0.5, 0, 1)
    return (1.0 - depth * rng.uniform(0.6, 1.0) * inside).astype(np.float32)


def _background(rng: np.random.Generator, avoid: str, width: int, height: int) -> np.ndarray:
    """A large real image for the camera to pan over: a tinted texture or a photo (never the target's)."""
    choices = [name for name in TEXTURES + SCENES if name != avoid]
    name = choices[int(rng.integers(len(choices)))]
    if name in TEXTURES:
        grey = load_grey(name)
        scale = rng.uniform(0.6, 1.2) * min(width, height) / 240
        grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        image = tint(mirror_tile(grey, width, height), natural_colour(rng, name))
    else:
        image = cover_resize(load_rgb(name), width, height)
    if rng.random() < 0.5:
        image = image[:, ::-1]
    return np.ascontiguousarray(image, dtype=np.float32)


def _occluder_sprite(rng: np.random.Generator, avoid: str, w: int, h: int, pole: bool) -> np.ndarray:
    """A textured foreground object: a shaded pole (tree, post) or a rounded slab cut from a real image."""
    if pole or rng.random() < 0.5:
        texture = TEXTURES[int(rng.integers(len(TEXTURES)))]
        grey = cv2.resize(load_grey(texture), None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        rgb = tint(mirror_tile(grey, w, h), natural_colour(rng, texture) * np.float32(0.8), contrast=1.3)
    else:
        choices = [name for name in SCENES if name != avoid]
        photo = load_rgb(choices[int(rng.integers(len(choices)))])
        ph, pw = photo.shape[:2]
        cw, ch = min(pw, max(8, int(w * rng.uniform(1, 2.5)))), min(ph, max(8, int(h * rng.uniform(1, 2.5))))
        x0, y0 = int(rng.integers(0, pw - cw + 1)), int(rng.integers(0, ph - ch + 1))
        rgb = cv2.resize(photo[y0 : y0 + ch, x0 : x0 + cw], (w, h), interpolation=cv2.INTER_AREA)
        rgb = hue_shift(rgb, float(rng.uniform(-40, 40)), 0.8)
    if pole:  # cylinder shading across the width
        across = np.cos(np.linspace(-1.2, 1.2, w, dtype=np.float32))
        rgb = rgb * (0.45 + 0.65 * across)[None, :, None]
        alpha = superellipse_alpha(w, h, 12.0, feather=1.0)
    else:
        alpha = superellipse_alpha(w, h, float(rng.uniform(2.5, 8.0)), feather=1.5)
    return premultiply(np.concatenate([np.clip(rgb, 0, 1), alpha[..., None]], axis=2).astype(np.float32))


def build_scene(config: SynthConfig, category_index: int, index: int) -> Scene:
    """Decide sequence ``index`` (1-based) of category ``category_index`` from (seed, category, index) alone:
    it does not depend on which other sequences are generated, nor in which order. Each part draws from one
    generator in a fixed order (target, path, camera, excursion, look-alikes, occluders, light)."""
    rng = np.random.default_rng([config.seed, category_index, index])
    profile = draw_profile(config, category_index, index)
    spec = TARGETS[category_index]
    n, width, height = config.frames, config.width, config.height
    unit = min(width / 320, height / 240)  # pixel amounts below are for 320x240
    look = _target_look(rng, config, spec, n)
    base = _target_path(rng, config, look, unit)
    camera = _camera(rng, config, spec, n, unit)
    excursion = _excursion(rng, config, profile, base, look) if profile.out_of_view else np.zeros((n, 2))
    centre = base + excursion - camera.shake
    target = Layer(
        premultiply(_shrink(look.sprite, max(look.w.max(), look.h.max()))),
        _boxes(centre, look.w, look.h),
        look.angles,
        np.gradient(centre, axis=0),
        look.flip,
        np.exp(config.illumination * 0.2 * wander(rng, n, (60, 300), 15)),
        _sway(rng, n, config.deformation),
    )
    distractors = [
        _distractor(rng, config, spec, look, base, camera, target.boxes) for _ in range(profile.distractors)
    ]
    occluders = _occluders(rng, config, profile, spec, target.boxes, centre, base + excursion, camera, unit)
    gain, gamma, defocus = _lighting(rng, config, profile, n, unit)
    shade = _shadows(rng, *camera.size, 0.35 * config.illumination) if profile.shadows else None
    noise_shape = (height + NOISE_MARGIN, width + NOISE_MARGIN, 3)
    noise = np.rint(rng.standard_normal(noise_shape, dtype=np.float32) * config.noise).astype(np.int16)
    return Scene(
        name=f"{spec.name}-{index}",
        category=spec,
        size=(width, height),
        background=camera.background,
        view=camera.view,
        target=target,
        distractors=distractors,
        occluders=occluders,
        shade=shade,
        gain=gain,
        gamma=gamma,
        defocus=defocus,
        noise=noise,
        noise_offsets=rng.integers(0, NOISE_MARGIN + 1, size=(n, 2)),
        absent_zeros=profile.absent_zeros,
        exposure=config.motion_blur,
    )


@dataclass(frozen=True)
class _Look:
    """The target's own appearance over time: its sprite, size, aspect drift, rotation and turns."""

    sprite: np.ndarray
    size: np.ndarray  # (N,) sqrt(w * h) before the turns fold the width
    stretch: float
    shape: np.ndarray  # (N,) the aspect drift look-alikes share
    w: np.ndarray
    h: np.ndarray
    angles: np.ndarray
    flip: np.ndarray


def _target_look(rng: np.random.Generator, config: SynthConfig, spec: TargetSpec, n: int) -> _Look:
    """Size, shape, rotation, out-of-plane turns (the width folds to a sliver and the object comes back
    mirrored)."""
    width, height, t = config.width, config.height, np.arange(n, dtype=np.float64)
    sprite = spec.make(rng, 0.35)
    aspect0 = sprite.shape[1] / sprite.shape[0]
    size = np.exp(rng.uniform(np.log(0.12), np.log(0.28))) * min(width, height)
    ratio = config.scale_range ** rng.uniform(0.45, 1.0)
    zoom = span_normalise(wander(rng, n, (120, 500), 25))
    size = size * ratio ** (zoom / 2)
    stretch = config.aspect_range ** rng.uniform(0.3, 1.0)
    shape = span_normalise(wander(rng, n, (80, 300), 15))
    aspect = aspect0 * stretch ** (shape / 2)
    w, h = size * np.sqrt(aspect), size / np.sqrt(aspect)
    fit = min(1.0, 0.6 * width / w.max(), 0.6 * height / h.max())
    w, h, size = w * fit, h * fit, size * fit
    angles = config.rotation_deg * rng.uniform(0.3, 1.0) * wander(rng, n, (60, 240), 10)
    fold, flip = np.ones(n), np.zeros(n, bool)
    for start in np.sort(rng.uniform(0, n, size=rng.poisson(config.turn_rate * n / 100))):
        phase = np.clip((t - start) / rng.uniform(8, 20), 0, 1) * np.pi
        fold = np.minimum(fold, np.maximum(np.abs(np.cos(phase)), 0.2))
        flip ^= phase > np.pi / 2
    return _Look(sprite, size, stretch, shape, w * fold, h, angles, flip)


def _target_path(rng: np.random.Generator, config: SynthConfig, look: _Look, unit: float) -> np.ndarray:
    """Centres ``(N, 2)`` in the image: smooth, accelerating, speed-limited, with sudden jumps, inside the
    frame."""
    n, width, height, w, h = len(look.w), config.width, config.height, look.w, look.h
    room = np.array(
        [max(width / 2 - w.max() / 2 - 0.03 * width, 1), max(height / 2 - h.max() / 2 - 0.03 * height, 1)]
    )
    path = np.stack([wander(rng, n, (80, 400), 10), wander(rng, n, (80, 400), 10)], axis=1)
    path = limit_speed(path * room * rng.uniform(0.6, 1.0, size=2), 4.0 * unit * config.speed)
    for start in rng.uniform(0, n, size=rng.poisson(config.abrupt_motion * n / 100)):
        heading = rng.uniform(0, 2 * np.pi)
        reach = rng.uniform(0.6, 1.2) * np.sqrt(w[int(start)] * h[int(start)])
        path += np.outer(
            window(n, start, rng.uniform(3, 7), n), reach * np.array([np.cos(heading), np.sin(heading)])
        )
    return np.array([width / 2, height / 2]) + _soft_limit(path, room)


@dataclass(frozen=True)
class _Camera:
    background: np.ndarray
    size: tuple[int, int]  # the background's width and height
    pan: np.ndarray  # (N, 2) the slow pan's view corner
    view: np.ndarray  # (N, 2) the view corner with the shake
    shake: np.ndarray  # (N, 2) view - pan


def _camera(rng: np.random.Generator, config: SynthConfig, spec: TargetSpec, n: int, unit: float) -> _Camera:
    """A slow pan over a large background plus hand-held jitter in bursts."""
    width, height = config.width, config.height
    bg_w, bg_h = int(width * rng.uniform(1.5, 1.9)), int(height * rng.uniform(1.5, 1.9))
    background = _background(rng, spec.source, bg_w, bg_h)
    slack = np.array([bg_w - width, bg_h - height], dtype=np.float64)
    pan = np.stack([wander(rng, n, (100, 400), 30), wander(rng, n, (100, 400), 30)], axis=1)
    pan = slack / 2 + limit_speed(pan * slack / 2 * 0.85, 3.0 * unit)
    envelope = 0.25 + 0.75 * episodes(rng, n, int(rng.integers(1, 3)), (0.05 * n, 0.2 * n), 5)
    jitter = np.stack([smooth_noise(rng, n, 0.8), smooth_noise(rng, n, 0.8)], axis=1)
    shake = 3.0 * unit * config.camera_shake * envelope[:, None] * jitter
    view = np.clip(pan + shake, 0, slack)
    return _Camera(background, (bg_w, bg_h), pan, view, view - pan)


def _excursion(
    rng: np.random.Generator, config: SynthConfig, profile: Profile, base: np.ndarray, look: _Look
) -> np.ndarray:
    """Out-of-view episode ``(N, 2)``: the target leaves through an edge, stays out, comes back."""
    n, width, height, w, h = len(base), config.width, config.height, look.w, look.h
    excursion = np.zeros((n, 2))
    edge = int(rng.choice(4, p=np.array([width, width, height, height]) / (2 * (width + height))))
    ramp = float(np.clip(40 / max(config.speed, 0.5), 6, n / 5))
    hold = float(np.clip(rng.uniform(0.04, 0.1) * n, 3, n / 4))
    start = rng.uniform(0.1 * n, max(0.9 * n - 2 * ramp - hold, 0.1 * n))
    margin = 0.04 * width + 2
    needed = [
        base[:, 0] + w / 2 + margin,
        width - base[:, 0] + w / 2 + margin,
        base[:, 1] + h / 2 + margin,
        height - base[:, 1] + h / 2 + margin,
    ][edge]
    sign = -1.0 if edge in (0, 2) else 1.0
    excursion[:, edge // 2] = sign * needed * window(n, start, ramp, hold)
    return excursion


def _distractor(
    rng: np.random.Generator,
    config: SynthConfig,
    spec: TargetSpec,
    look: _Look,
    base: np.ndarray,
    camera: _Camera,
    boxes: np.ndarray,
) -> Layer:
    """A look-alike: another instance of the category near the target, passing behind or in front of it,
    and staying when it leaves."""
    n, width, height, size = len(base), config.width, config.height, look.size
    other = spec.make(rng, 1.0)
    factor = rng.uniform(0.8, 1.2)
    d_aspect = other.shape[1] / other.shape[0] * look.stretch ** (look.shape / 2)
    d_w, d_h = factor * size * np.sqrt(d_aspect), factor * size / np.sqrt(d_aspect)
    sides = [
        rng.choice([-1, 1]) * rng.uniform(0.5, 1.6) + rng.uniform(0.6, 1.5) * wander(rng, n, (60, 250), 10)
        for _ in range(2)
    ]
    d_centre = base + np.stack(sides, axis=1) * size[:, None]
    d_centre[:, 0] = _soft_clamp(d_centre[:, 0], -0.1 * width, 1.1 * width)
    d_centre[:, 1] = _soft_clamp(d_centre[:, 1], -0.1 * height, 1.1 * height)
    d_centre -= camera.shake
    d_angles = config.rotation_deg * rng.uniform(0.3, 1.0) * wander(rng, n, (60, 240), 10)
    d_boxes = _boxes(d_centre, d_w, d_h)
    front = bool(rng.random() < 0.4) and not _overlap(d_boxes[0], boxes[0])  # frame 1 shows the target
    sprite = premultiply(_shrink(other, max(d_w.max(), d_h.max())))
    return Layer(sprite, d_boxes, d_angles, np.gradient(d_centre, axis=0), front=front)


def _occluders(
    rng: np.random.Generator,
    config: SynthConfig,
    profile: Profile,
    spec: TargetSpec,
    boxes: np.ndarray,
    centre: np.ndarray,
    world: np.ndarray,
    camera: _Camera,
    unit: float,
) -> list[Layer]:
    """World objects crossing in front of the target; the big ones hide it for a while. None touches the
    target in the first frame, where a tracker (and an annotator) starts."""
    n, width, height = len(boxes), config.width, config.height
    t = np.arange(n, dtype=np.float64)
    inside = (
        (boxes[:, 0] >= 0)
        & (boxes[:, 1] >= 0)
        & (boxes[:, 0] + boxes[:, 2] <= width)
        & (boxes[:, 1] + boxes[:, 3] <= height)
    )
    occluders = []
    velocity_world, pan_velocity = np.gradient(world, axis=0), np.gradient(camera.pan, axis=0)
    count = len(profile.occluders)
    for k, full in enumerate(profile.occluders):
        pole = bool(rng.random() < (0.5 if full else 0.3))
        if pole:
            direction = np.array([rng.choice([-1.0, 1.0]), rng.uniform(-0.2, 0.2)])
            grow = np.array([rng.uniform(1.4, 1.9) if full else rng.uniform(0.25, 0.45), 0.0])
        else:
            heading = rng.uniform(0, 2 * np.pi)
            direction = np.array([np.cos(heading), np.sin(heading)])
            grow = rng.uniform(1.4, 1.9, size=2) if full else rng.uniform(0.4, 0.9, size=2)
        direction /= np.linalg.norm(direction)
        speed = rng.uniform(2.5, 5.0) * unit * max(config.speed, 0.3)
        lateral = 0.0 if full else rng.uniform(-0.4, 0.4)
        candidates = np.flatnonzero(inside[1:]) + 1
        stratum = candidates[(candidates >= k * n / count) & (candidates < (k + 1) * n / count)]
        pool = stratum if len(stratum) else candidates
        for _ in range(8 if len(pool) else 0):  # a few tries at a pass that leaves frame 1 clear
            te = int(pool[int(rng.integers(len(pool)))])
            tw, th = float(boxes[te, 2]), float(boxes[te, 3])
            ow_i = max(round(tw * grow[0] + 4 * unit), 3)
            oh_i = max(round(height * rng.uniform(1.3, 1.6) if pole else th * grow[1] + 4 * unit), 3)
            own = speed * direction + velocity_world[te] + pan_velocity[te]  # image velocity = own - pan's
            start = centre[te] + lateral * np.sqrt(tw * th) * np.array([-direction[1], direction[0]])
            o_centre = start + np.outer(t - te, own) - (camera.view - camera.view[te])
            o_boxes = _boxes(o_centre, np.full(n, ow_i), np.full(n, oh_i))
            if not _overlap(o_boxes[0], boxes[0]):
                sprite = _occluder_sprite(rng, spec.source, ow_i, oh_i, pole)
                occluders.append(Layer(sprite, o_boxes, np.zeros(n), np.gradient(o_centre, axis=0)))
                break
    return occluders


def _lighting(
    rng: np.random.Generator, config: SynthConfig, profile: Profile, n: int, unit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gain ``(N, 3)``, gamma and defocus ``(N,)``: slow gain / gamma / colour-cast drift, sometimes a
    light switched on or off, and defocus episodes."""
    strength = config.illumination
    log_gain = strength * 0.18 * wander(rng, n, (100, 400), 30)
    cast = strength * 0.04 * np.stack([wander(rng, n, (150, 500), 40) for _ in range(3)], axis=1)
    if profile.light_switch and strength > 0:
        switch = rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 0.35) * strength
        log_gain = log_gain + switch * window(
            n, rng.uniform(0.15 * n, 0.85 * n), rng.uniform(2, 6), rng.uniform(0.1 * n, 0.5 * n)
        )
    gain = np.exp(log_gain[:, None] + cast)
    gamma = np.exp(strength * 0.1 * wander(rng, n, (100, 400), 30))
    defocus = np.zeros(n)
    if profile.defocus and config.motion_blur > 0:
        defocus = (
            config.motion_blur * unit * rng.uniform(0.8, 1.6) * episodes(rng, n, 1, (0.05 * n, 0.15 * n), 6)
        )
    return gain, gamma, defocus
