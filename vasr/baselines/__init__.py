"""Annotators that learn nothing: the floors the learned pipeline must beat."""

from vasr.baselines.interpolation import LinearInterpolationAnnotator, interpolate_keyframes

__all__ = ["LinearInterpolationAnnotator", "interpolate_keyframes"]
