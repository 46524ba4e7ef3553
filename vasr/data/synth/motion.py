"""Smooth, non-linear 1-D signals: the raw material of every trajectory, scale, lighting and shake curve.

Real objects accelerate, turn and stop; a sum of a few sinusoids of random period plus low-passed noise gives
that (linear interpolation between keyframes 30 frames apart visibly fails on it), while staying smooth
enough for a tracker to follow."""

from __future__ import annotations

import numpy as np


def gaussian_kernel(sigma: float) -> np.ndarray:
    radius = max(1, int(np.ceil(3 * sigma)))
    x = np.arange(-radius, radius + 1, dtype=np.float64)
    kernel = np.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


def smooth_noise(rng: np.random.Generator, n: int, sigma: float) -> np.ndarray:
    """White noise low-passed with a Gaussian of ``sigma`` frames, scaled to unit standard deviation."""
    kernel = gaussian_kernel(sigma)
    white = rng.standard_normal(n + len(kernel) - 1)
    smooth = np.convolve(white, kernel, mode="valid")
    return smooth / max(float(smooth.std()), 1e-9)


def wander(
    rng: np.random.Generator,
    n: int,
    periods: tuple[float, float],
    noise_sigma: float,
    noise_share: float = 0.4,
) -> np.ndarray:
    """A smooth signal in [-1, 1]: three sinusoids with log-uniform periods in ``periods`` (frames) plus a
    share of smoothed noise (irregular accelerations); the peak absolute value is exactly 1."""
    t = np.arange(n, dtype=np.float64)
    lo, hi = np.log(periods[0]), np.log(periods[1])
    signal = np.zeros(n)
    for _ in range(3):
        period = np.exp(rng.uniform(lo, hi))
        signal += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * t / period + rng.uniform(0, 2 * np.pi))
    signal /= max(float(np.abs(signal).max()), 1e-9)
    signal = (1 - noise_share) * signal + noise_share * smooth_noise(rng, n, noise_sigma) / 2.5
    return signal / max(float(np.abs(signal).max()), 1e-9)


def span_normalise(signal: np.ndarray) -> np.ndarray:
    """Map a signal onto exactly [-1, 1] (min to -1, max to 1), so a range parameter is met exactly."""
    lo, hi = float(signal.min()), float(signal.max())
    if hi - lo < 1e-12:
        return np.zeros_like(signal)
    return 2 * (signal - lo) / (hi - lo) - 1


def window(n: int, start: float, ramp: float, hold: float) -> np.ndarray:
    """0 -> 1 over ``ramp`` frames (smoothstep) from ``start``, 1 for ``hold`` frames, then back to 0."""
    t = np.arange(n, dtype=np.float64)
    up = np.clip((t - start) / max(ramp, 1e-9), 0, 1)
    down = np.clip((start + ramp + hold + ramp - t) / max(ramp, 1e-9), 0, 1)
    x = np.minimum(up, down)
    return x * x * (3 - 2 * x)


def limit_speed(offsets: np.ndarray, max_speed: float) -> np.ndarray:
    """Scale an (n, 2) displacement path about its start so its fastest step is at most ``max_speed``."""
    if len(offsets) < 2:
        return offsets
    fastest = float(np.linalg.norm(np.diff(offsets, axis=0), axis=1).max())
    return offsets if fastest <= max_speed else offsets * (max_speed / fastest)


def episodes(
    rng: np.random.Generator, n: int, count: int, length: tuple[float, float], ramp: float
) -> np.ndarray:
    """Envelope in [0, 1] made of ``count`` smooth bumps of random position and length (shaky or blurry
    stretches of a video)."""
    envelope = np.zeros(n)
    for _ in range(count):
        hold = rng.uniform(*length)
        start = rng.uniform(-ramp, max(n - hold - ramp, 0))
        envelope = np.maximum(envelope, window(n, start, ramp, hold))
    return envelope
