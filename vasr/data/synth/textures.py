"""Real pixels for the synthetic scenes: scikit-image's bundled photos and textures (no download), and the
few image operations that turn them into sprites, backgrounds and occluders."""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
import skimage.data

# Every name here ships inside the scikit-image wheel (skimage/data/*.png|jpg): nothing is fetched.
_LOADERS = {
    "astronaut": skimage.data.astronaut,
    "brick": skimage.data.brick,
    "camera": skimage.data.camera,
    "chelsea": skimage.data.chelsea,
    "coffee": skimage.data.coffee,
    "coins": skimage.data.coins,
    "colorwheel": skimage.data.colorwheel,
    "grass": skimage.data.grass,
    "gravel": skimage.data.gravel,
    "horse": skimage.data.horse,
    "immunohistochemistry": skimage.data.immunohistochemistry,
    "logo": skimage.data.logo,
    "motorcycle": lambda: skimage.data.stereo_motorcycle()[0],
    "rocket": skimage.data.rocket,
}

# Grey textures: tinted and mirror-tiled (sharp at any size) rather than stretched.
TEXTURES = ("brick", "grass", "gravel")
# Plausible colours for each grey texture (brick, lawn, path...), jittered per use.
_PALETTES = {
    "brick": ((0.58, 0.32, 0.24), (0.62, 0.48, 0.38), (0.46, 0.44, 0.42)),
    "grass": ((0.34, 0.50, 0.20), (0.46, 0.52, 0.26), (0.56, 0.50, 0.30)),
    "gravel": ((0.56, 0.53, 0.48), (0.62, 0.56, 0.45), (0.40, 0.40, 0.43)),
}
# Photos that make plausible scenes behind a moving object.
SCENES = ("rocket", "coffee", "astronaut", "motorcycle", "camera", "chelsea", "immunohistochemistry")


@cache
def load_image(name: str) -> np.ndarray:
    """A bundled image as uint8, read-only (shared by every caller of the cache)."""
    image = np.asarray(_LOADERS[name]())
    if image.dtype == bool:
        image = image.astype(np.uint8) * 255
    image = np.ascontiguousarray(image, dtype=np.uint8)
    image.setflags(write=False)
    return image


def load_rgb(name: str) -> np.ndarray:
    """A bundled image as float32 RGB in [0, 1] (grey images repeated on three channels)."""
    image = load_image(name)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=2)
    return image[..., :3].astype(np.float32) / 255.0


def load_grey(name: str) -> np.ndarray:
    """A bundled image as float32 grey in [0, 1]."""
    image = load_image(name)
    if image.ndim == 3:
        image = cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)
    return image.astype(np.float32) / 255.0


def tint(grey: np.ndarray, colour: np.ndarray, contrast: float = 1.0) -> np.ndarray:
    """Colour a grey texture: mean level mapped to ``colour``, deviations kept (scaled by ``contrast``)."""
    centred = (grey - grey.mean()) * contrast
    return np.clip(colour[None, None, :] * (1.0 + 1.6 * centred[..., None]), 0.0, 1.0).astype(np.float32)


def natural_colour(rng: np.random.Generator, texture: str) -> np.ndarray:
    """A believable mean colour for ``texture`` (no purple lawns)."""
    palette = _PALETTES[texture]
    base = np.asarray(palette[int(rng.integers(len(palette)))], dtype=np.float32)
    return np.clip(
        base * np.float32(rng.uniform(0.75, 1.2)) + rng.normal(0, 0.03, 3).astype(np.float32), 0, 1
    )


def mirror_tile(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Cover ``width`` x ``height`` by mirrored copies: seamless, unlike plain tiling."""
    h, w = image.shape[:2]
    reps_y, reps_x = -(-height // h) + 1, -(-width // w) + 1
    row = [image if i % 2 == 0 else image[:, ::-1] for i in range(reps_x)]
    strip = np.concatenate(row, axis=1)
    rows = [strip if j % 2 == 0 else strip[::-1] for j in range(reps_y)]
    return np.ascontiguousarray(np.concatenate(rows, axis=0)[:height, :width])


def cover_resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale to cover ``width`` x ``height`` keeping the aspect ratio, then centre-crop."""
    h, w = image.shape[:2]
    scale = max(width / w, height / h)
    size = (max(width, round(w * scale)), max(height, round(h * scale)))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC)
    y0, x0 = (size[1] - height) // 2, (size[0] - width) // 2
    return np.ascontiguousarray(resized[y0 : y0 + height, x0 : x0 + width])


def hue_shift(rgb: np.ndarray, degrees: float, saturation: float = 1.0, value: float = 1.0) -> np.ndarray:
    """Recolour float RGB: rotate the hue, scale saturation and brightness (look-alikes, instances)."""
    hsv = cv2.cvtColor(np.clip(rgb, 0, 1).astype(np.float32), cv2.COLOR_RGB2HSV)
    hsv[..., 0] = (hsv[..., 0] + degrees) % 360.0
    hsv[..., 1] = np.clip(hsv[..., 1] * saturation, 0, 1)
    hsv[..., 2] = np.clip(hsv[..., 2] * value, 0, 1)
    return cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)


def superellipse_alpha(width: int, height: int, exponent: float = 2.0, feather: float = 1.5) -> np.ndarray:
    """Soft mask of the super-ellipse inscribed in a width x height box (2: ellipse, large: rounded
    rectangle), ``feather`` pixels of soft edge, so pasted photo crops have no rectangular seams."""
    ys = (np.arange(height, dtype=np.float32) + 0.5 - height / 2) / (height / 2)
    xs = (np.arange(width, dtype=np.float32) + 0.5 - width / 2) / (width / 2)
    radius = (np.abs(xs)[None, :] ** exponent + np.abs(ys)[:, None] ** exponent) ** (1.0 / exponent)
    edge = feather / (0.5 * min(width, height))
    return np.clip((1.0 - radius) / edge + 0.5, 0.0, 1.0).astype(np.float32)


def tight_crop(rgba: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Crop an RGBA sprite to the box of its silhouette (alpha > threshold): the box the GT describes."""
    mask = rgba[..., 3] > threshold
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        raise ValueError("sprite has an empty silhouette")
    return np.ascontiguousarray(rgba[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1])
