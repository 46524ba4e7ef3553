"""The target catalogue: one category per real object cut from a bundled photo, each able to produce a
sequence-specific instance and look-alike distractors (another coin, a recoloured horse...).

A sprite is float32 RGBA in [0, 1], cropped tight to its silhouette (alpha > 0.5), so a box that a sprite is
stretched to fill is exactly the box of the visible object."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from vasr.data.synth.textures import (
    hue_shift,
    load_grey,
    load_image,
    load_rgb,
    superellipse_alpha,
    tight_crop,
)

Sprite = np.ndarray


@dataclass(frozen=True)
class TargetSpec:
    """A category: its name (LaSOT-style folder name), the sentence written to ``nlp.txt``, the photo it comes
    from (never used as that sequence's background) and a maker ``(rng, jitter) -> sprite``; ``jitter`` 0 is
    the canonical object, larger values give more different instances of the same kind."""

    name: str
    sentence: str
    source: str
    make: Callable[[np.random.Generator, float], Sprite]


def _rgba(rgb: np.ndarray, alpha: np.ndarray) -> Sprite:
    return tight_crop(np.concatenate([rgb, alpha[..., None]], axis=2).astype(np.float32))


def _recolour(rng: np.random.Generator, rgb: np.ndarray, jitter: float) -> np.ndarray:
    return hue_shift(
        rgb,
        degrees=float(rng.uniform(-20, 20) * jitter),
        saturation=float(np.exp(rng.uniform(-0.25, 0.25) * jitter)),
        value=float(np.exp(rng.uniform(-0.2, 0.2) * jitter)),
    )


def _photo_crop(source: str, box: tuple[int, int, int, int], exponent: float) -> Callable:
    """A super-ellipse cut of a photo region; instances shift and rescale the cut and recolour it."""

    def make(rng: np.random.Generator, jitter: float) -> Sprite:
        image = load_rgb(source)
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        dx, dy = rng.uniform(-0.06, 0.06, size=2) * jitter * np.array([w, h])
        grow = float(np.exp(rng.uniform(-0.08, 0.08) * jitter))
        cx, cy = (x0 + x1) / 2 + dx, (y0 + y1) / 2 + dy
        w, h = w * grow, h * grow
        left = int(np.clip(round(cx - w / 2), 0, image.shape[1] - 8))
        top = int(np.clip(round(cy - h / 2), 0, image.shape[0] - 8))
        right = int(np.clip(round(cx + w / 2), left + 8, image.shape[1]))
        bottom = int(np.clip(round(cy + h / 2), top + 8, image.shape[0]))
        rgb = _recolour(rng, image[top:bottom, left:right], jitter)
        alpha = superellipse_alpha(right - left, bottom - top, exponent, feather=2.0)
        if rng.random() < 0.5 * min(jitter, 1.0):
            rgb, alpha = rgb[:, ::-1], alpha[:, ::-1]
        return _rgba(rgb, alpha)

    return make


# Centre x, centre y, radius of the coins in skimage.data.coins() (measured once by watershed segmentation).
_COINS = (
    (335, 44, 30),
    (155, 51, 23),
    (216, 51, 24),
    (276, 53, 21),
    (44, 54, 22),
    (100, 56, 19),
    (270, 119, 25),
    (46, 124, 21),
    (206, 124, 20),
    (336, 125, 19),
    (103, 126, 19),
    (153, 127, 19),
    (347, 187, 30),
    (213, 193, 24),
    (274, 194, 23),
    (102, 196, 22),
    (44, 198, 19),
    (154, 198, 19),
    (46, 260, 27),
    (172, 262, 27),
    (301, 264, 25),
    (244, 264, 24),
    (114, 266, 21),
    (359, 268, 23),
)
_METALS = np.array([[0.85, 0.68, 0.35], [0.75, 0.75, 0.78], [0.72, 0.48, 0.30]], dtype=np.float32)


def _coin(rng: np.random.Generator, jitter: float) -> Sprite:
    """One of the 24 real coins, in gold, silver or bronze: the other coins are natural look-alikes."""
    grey = load_grey("coins")
    cx, cy, r = _COINS[int(rng.integers(len(_COINS)))]
    r += 2
    patch = grey[max(cy - r, 0) : cy + r, max(cx - r, 0) : cx + r]
    metal = _METALS[int(rng.integers(len(_METALS)))] * np.float32(np.exp(rng.normal(0, 0.08 * jitter)))
    patch = patch / max(float(np.percentile(patch, 99)), 1e-3)
    rgb = np.clip(patch[..., None] * 1.1 * metal[None, None, :], 0, 1).astype(np.float32)
    alpha = superellipse_alpha(patch.shape[1], patch.shape[0], 2.0, feather=1.0)
    return _rgba(rgb, alpha)


_COATS = np.array(
    [[0.45, 0.27, 0.13], [0.12, 0.10, 0.09], [0.80, 0.76, 0.70], [0.62, 0.36, 0.16], [0.35, 0.33, 0.32]],
    dtype=np.float32,
)


def _horse(rng: np.random.Generator, jitter: float) -> Sprite:
    """The horse silhouette filled with a coat colour, fur-like texture and top-lit shading."""
    silhouette = load_image("horse") == 0  # the horse is black on white
    h, w = silhouette.shape
    coat = _COATS[int(rng.integers(len(_COATS)))] * np.float32(np.exp(rng.normal(0, 0.1 * jitter)))
    fur = cv2.resize(load_grey("gravel"), (w, h), interpolation=cv2.INTER_AREA)
    shade = np.linspace(1.15, 0.75, h, dtype=np.float32)[:, None]
    rgb = np.clip(coat[None, None, :] * (0.8 + 0.4 * fur[..., None]) * shade[..., None], 0, 1)
    alpha = cv2.GaussianBlur(silhouette.astype(np.float32), (3, 3), 0)
    if rng.random() < 0.5:
        rgb, alpha = rgb[:, ::-1], alpha[:, ::-1]
    return _rgba(rgb.astype(np.float32), alpha)


def _ball(rng: np.random.Generator, jitter: float) -> Sprite:
    """A colour-wheel ball, turned by a random angle: every turn is a convincing look-alike."""
    rgb = load_rgb("colorwheel")
    h, w = rgb.shape[:2]
    turn = cv2.getRotationMatrix2D((w / 2, h / 2), float(rng.uniform(0, 360)), 1.0)
    rgb = cv2.warpAffine(rgb, turn, (w, h), flags=cv2.INTER_LINEAR)
    alpha = superellipse_alpha(w - 6, h - 6, 2.0, feather=2.0)
    return _rgba(rgb[3:-3, 3:-3], alpha)


def _logo(rng: np.random.Generator, jitter: float) -> Sprite:
    """The round scikit-image logo (its disc spans pixels 11..490), recoloured per instance."""
    rgb = _recolour(rng, load_rgb("logo")[10:491, 10:491], 1.0 + jitter)
    alpha = superellipse_alpha(481, 481, 2.0, feather=2.0)
    if rng.random() < 0.5 * min(jitter, 1.0):
        rgb, alpha = rgb[:, ::-1], alpha[:, ::-1]
    return _rgba(rgb, alpha)


def _rocket(rng: np.random.Generator, jitter: float) -> Sprite:
    """The launcher of skimage.data.rocket(): its body (x 310..336, y 126..405) under an ogive nose."""
    rgb = _recolour(rng, load_rgb("rocket")[126:406, 310:337], 0.5 * jitter)
    h, w = rgb.shape[:2]
    nose = 42
    ys = np.arange(h, dtype=np.float32) + 0.5
    half = np.where(ys < nose, np.sqrt(np.clip(1 - ((nose - ys) / nose) ** 2, 0, 1)), 1.0) * w / 2
    xs = np.abs(np.arange(w, dtype=np.float32) + 0.5 - w / 2)
    alpha = np.clip(half[:, None] - xs[None, :] + 0.5, 0, 1).astype(np.float32)
    return _rgba(rgb, alpha)


TARGETS: tuple[TargetSpec, ...] = (
    TargetSpec(
        "cat",
        "the face of a tabby cat with green eyes",
        "chelsea",
        _photo_crop("chelsea", (105, 10, 405, 300), 2.2),
    ),
    TargetSpec(
        "astronaut",
        "an astronaut in an orange suit, head and shoulders",
        "astronaut",
        _photo_crop("astronaut", (140, 0, 355, 330), 2.4),
    ),
    TargetSpec(
        "coffee",
        "a cup of espresso on a red saucer",
        "coffee",
        _photo_crop("coffee", (20, 35, 480, 395), 2.0),
    ),
    TargetSpec("coin", "an old metal coin", "coins", _coin),
    TargetSpec("horse", "a horse walking", "horse", _horse),
    TargetSpec("ball", "a ball painted with a colour wheel", "colorwheel", _ball),
    TargetSpec("logo", "the round scikit-image logo with a snake", "logo", _logo),
    TargetSpec(
        "motorcycle", "a red motorcycle", "motorcycle", _photo_crop("motorcycle", (95, 70, 690, 460), 3.0)
    ),
    TargetSpec("rocket", "a tall white rocket", "rocket", _rocket),
)
