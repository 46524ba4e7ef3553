"""Draw one frame of a scene: pan the background, paste distractors, target and occluders (each motion-blurred
by its own image velocity), then light, defocus and sensor noise. Vectorised OpenCV/numpy on small regions
only; no per-pixel Python.

Besides the image, a frame reports what the annotation files need: how much of the target's in-view
silhouette the occluders hide, and the silhouette itself (the box checks in the tests)."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from vasr.data.synth.scene import Layer, Scene
from vasr.data.synth.textures import tight_crop


@dataclass
class RenderedFrame:
    """``image``: RGB uint8 (H, W, 3). ``silhouette``: bool (H, W), the target's in-view pixels (alpha >
    0.5, before blur), occluded or not. ``hidden``: share of those pixels covered by occluders (1.0 when
    none is in view)."""

    image: np.ndarray
    silhouette: np.ndarray
    hidden: float


def sway_sprite(sprite: np.ndarray, sway: np.ndarray) -> np.ndarray:
    """Non-rigid travelling-wave warp: rows shift sideways and columns up/down by a sine of the other
    coordinate (``sway`` = amplitude x, amplitude y as a share of the size, phase x, phase y)."""
    ax, ay, px, py = (float(v) for v in sway)
    sh, sw = sprite.shape[:2]
    pad = int(np.ceil(max(ax * sw, ay * sh))) + 1
    sprite = cv2.copyMakeBorder(sprite, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    ys = np.arange(sh + 2 * pad, dtype=np.float32)[:, None]
    xs = np.arange(sw + 2 * pad, dtype=np.float32)[None, :]
    map_x = xs + np.float32(ax * sw) * np.sin(np.float32(np.pi / sh) * ys + np.float32(px))
    map_y = ys + np.float32(ay * sh) * np.sin(np.float32(np.pi / sw) * xs + np.float32(py))
    return tight_crop(cv2.remap(sprite, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT))


def fit_sprite(sprite: np.ndarray, width: int, height: int, angle: float) -> np.ndarray:
    """Rotate a premultiplied RGBA sprite, re-crop it to its silhouette, stretch it to exactly
    ``width`` x ``height``: the silhouette then spans the box, which is the ground truth."""
    if abs(angle) > 0.05:
        sh, sw = sprite.shape[:2]
        cos, sin = abs(np.cos(np.radians(angle))), abs(np.sin(np.radians(angle)))
        nw, nh = int(np.ceil(sw * cos + sh * sin)) + 2, int(np.ceil(sw * sin + sh * cos)) + 2
        matrix = cv2.getRotationMatrix2D((sw / 2, sh / 2), angle, 1.0)
        matrix[:, 2] += ((nw - sw) / 2, (nh - sh) / 2)
        sprite = tight_crop(cv2.warpAffine(sprite, matrix, (nw, nh), flags=cv2.INTER_LINEAR))
    shrink = width < sprite.shape[1] or height < sprite.shape[0]
    return cv2.resize(sprite, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


def motion_kernel(velocity: np.ndarray, exposure: float) -> np.ndarray | None:
    """Line kernel along the image velocity, ``exposure`` x speed pixels long; None when under 1.5 px."""
    length = exposure * float(np.hypot(*velocity))
    if length < 1.5:
        return None
    radius = int(np.ceil(length / 2))
    size = 2 * radius + 1
    canvas = np.zeros((size * 4, size * 4), np.float32)  # drawn at 4x, then averaged: anti-aliased
    dx, dy = velocity / np.hypot(*velocity) * length / 2 * 4
    centre = size * 2
    cv2.line(
        canvas, (round(centre - dx), round(centre - dy)), (round(centre + dx), round(centre + dy)), 1.0, 4
    )
    kernel = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)
    return kernel / kernel.sum()


def _paste(frame: np.ndarray, layer: np.ndarray, x: int, y: int) -> None:
    """Premultiplied 'over' of ``layer`` with its top-left at (x, y), clipped to the frame, in place."""
    height, width = frame.shape[:2]
    lh, lw = layer.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + lw, width), min(y + lh, height)
    if x0 >= x1 or y0 >= y1:
        return
    patch = layer[y0 - y : y1 - y, x0 - x : x1 - x]
    region = frame[y0:y1, x0:x1]
    region *= 1.0 - patch[..., 3:4]
    region += patch[..., :3]


def _fitted(layer: Layer, t: int, width: int, height: int) -> np.ndarray:
    """The sharp sprite of ``layer`` at frame ``t`` (all transparent when wholly outside the frame)."""
    x, y, w, h = (int(v) for v in layer.boxes[t])
    if x >= width or y >= height or x + w <= 0 or y + h <= 0:
        return np.zeros((h, w, 4), np.float32)
    sprite = layer.sprite_at(t)
    if layer.sway is not None:
        sprite = sway_sprite(sprite, layer.sway[t])
    fitted = fit_sprite(sprite, w, h, float(layer.angles[t]))
    if layer.brightness is not None:
        fitted[..., :3] *= np.float32(layer.brightness[t])
    return fitted


def _draw(frame: np.ndarray, layer: Layer, t: int, exposure: float) -> np.ndarray:
    """Draw ``layer`` at frame ``t``, motion-blurred; return its sharp fitted sprite (for the masks)."""
    x, y = (int(v) for v in layer.boxes[t, :2])
    fitted = _fitted(layer, t, frame.shape[1], frame.shape[0])
    if not fitted[..., 3].any():
        return fitted
    kernel = motion_kernel(layer.velocity[t], exposure)
    if kernel is None:
        _paste(frame, fitted, x, y)
    else:
        r = kernel.shape[0] // 2
        padded = cv2.copyMakeBorder(fitted, r, r, r, r, cv2.BORDER_CONSTANT, value=0)
        _paste(frame, cv2.filter2D(padded, -1, kernel, borderType=cv2.BORDER_CONSTANT), x - r, y - r)
    return fitted


def _mask(fitted: np.ndarray, box: np.ndarray, width: int, height: int) -> np.ndarray:
    """The fitted sprite's silhouette (alpha > 0.5) placed at ``box`` in a frame-sized bool mask."""
    mask = np.zeros((height, width), bool)
    x, y, w, h = (int(v) for v in box)
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
    if x0 < x1 and y0 < y1:
        mask[y0:y1, x0:x1] = fitted[y0 - y : y1 - y, x0 - x : x1 - x, 3] > 0.5
    return mask


def render_frame(scene: Scene, t: int, hide_target: bool = False) -> RenderedFrame:
    """Frame ``t`` of ``scene``; ``hide_target`` leaves the target's pixels out and changes nothing else (the
    difference between the two renders is exactly what the target contributes)."""
    width, height = scene.size
    vx, vy = scene.view[t]
    centre = (vx + (width - 1) / 2, vy + (height - 1) / 2)  # getRectSubPix wants the patch centre
    frame = cv2.getRectSubPix(scene.background, (width, height), centre)
    camera = scene.view[min(t + 1, scene.frames - 1)] - scene.view[max(t - 1, 0)]
    kernel = motion_kernel(camera / 2, scene.exposure)
    if kernel is not None:
        frame = cv2.filter2D(frame, -1, kernel, borderType=cv2.BORDER_REFLECT)

    for layer in scene.distractors:
        if not layer.front:
            _draw(frame, layer, t, scene.exposure)
    if hide_target:
        fitted = _fitted(scene.target, t, width, height)
    else:
        fitted = _draw(frame, scene.target, t, scene.exposure)
    silhouette = _mask(fitted, scene.target.boxes[t], width, height)
    covered = np.zeros((height, width), bool)
    for layer in [d for d in scene.distractors if d.front] + scene.occluders:
        covered |= _mask(_draw(frame, layer, t, scene.exposure), layer.boxes[t], width, height)
    in_view = int(silhouette.sum())
    hidden = float((silhouette & covered).sum()) / in_view if in_view else 1.0
    if scene.shade is not None:
        frame *= cv2.getRectSubPix(scene.shade, (width, height), centre)[..., None]

    image = np.clip(frame * 255.0 + 0.5, 0, 255).astype(np.uint8)
    levels = np.arange(256, dtype=np.float64)[:, None] / 255.0
    table = 255.0 * np.clip(levels * scene.gain[t][None, :], 0, 1) ** scene.gamma[t]
    image = cv2.LUT(image, np.rint(table).astype(np.uint8).reshape(1, 256, 3))
    if scene.defocus[t] > 0.3:
        image = cv2.GaussianBlur(image, (0, 0), float(scene.defocus[t]))
    ox, oy = (int(v) for v in scene.noise_offsets[t])
    noisy = image.astype(np.int16) + scene.noise[oy : oy + height, ox : ox + width]
    return RenderedFrame(np.clip(noisy, 0, 255).astype(np.uint8), silhouette, hidden)
