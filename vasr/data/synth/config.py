"""What a synthetic dataset is made of: one flat dataclass, so the CLI builds its flags from it and a dataset
on disk records exactly how it was made (``synth_config.json``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from vasr.data.synth.targets import TARGETS


def knob(default: Any, help_text: str) -> Any:
    """A setting with the help text its command-line flag shows (`vasr.cli.dataclass_args`)."""
    return field(default=default, metadata={"help": help_text})


# Bump whenever the same config would render different bytes: an old dataset then no longer matches.
GENERATOR_VERSION = "1"


@dataclass(frozen=True)
class SynthConfig:
    """Size and difficulty of the generated dataset. Pixel amounts are for a 320-pixel-wide frame and scale
    with ``width``, so a small test config is the same video, smaller."""

    categories: int = knob(
        8,
        "number of object categories (cat, astronaut, coffee, rocket, coin, horse, "
        "ball, logo, motorcycle; at most 9), taken in that order",
    )
    sequences_per_category: int = knob(
        4,
        "sequences per category; sequences i and i + n/2 share a "
        "difficulty profile, so the first and second halves (LaSOT-style "
        "split) are equally hard",
    )
    frames: int = knob(300, "frames per sequence")
    width: int = knob(320, "frame width in pixels")
    height: int = knob(240, "frame height in pixels")
    seed: int = knob(0, "master seed; each sequence is seeded from (seed, category, index) alone")
    jpeg_quality: int = knob(90, "JPEG quality of the frames (1-100)")
    speed: float = knob(
        1.0,
        "target speed multiplier; 1.0 moves the target up to about 4 px per frame (320 "
        "px wide), sudden jumps aside",
    )
    scale_range: float = knob(
        2.2,
        "largest ratio between the biggest and smallest target size within a "
        "sequence (each sequence draws its own ratio, up to this)",
    )
    aspect_range: float = knob(
        1.5,
        "largest ratio between the widest and narrowest aspect ratio of the "
        "target within a sequence (deformation, out-of-plane rotation)",
    )
    rotation_deg: float = knob(12.0, "largest in-plane rotation of the target, in degrees")
    deformation: float = knob(
        1.0, "strength of the target's non-rigid sway (about 5 percent of its size at 1.0); 0 keeps it rigid"
    )
    turn_rate: float = knob(
        0.5,
        "expected out-of-plane turns of the target per 100 frames (its width folds "
        "to a sliver and it comes back mirrored)",
    )
    abrupt_motion: float = knob(
        0.2, "expected sudden jumps of the target (about its own size in 3-7 frames) per 100 frames"
    )
    occlusion_rate: float = knob(0.5, "expected occluders passing in front of the target per 100 frames")
    full_occlusion_share: float = knob(
        0.35,
        "share of occluders large enough to hide the target completely "
        "(sets full_occlusion where more than 90 percent of its in-view "
        "pixels are hidden)",
    )
    distractors: int = knob(
        2,
        "most look-alike distractors (recoloured copies or other crops of the "
        "target's photo) moving near the target; each sequence draws 0 to this many",
    )
    out_of_view_prob: float = knob(
        0.3,
        "probability that a sequence has an episode where the target leaves "
        "the frame completely (out_of_view) and comes back",
    )
    motion_blur: float = knob(
        1.0,
        "exposure as a fraction of the frame interval: blur length = this x "
        "speed; 0 disables motion blur and defocus",
    )
    illumination: float = knob(
        1.0,
        "strength of global lighting change (gain, gamma, colour cast drift and "
        "sudden switches); 0 disables it",
    )
    camera_shake: float = knob(1.0, "strength of hand-held camera jitter (about 3 px at 1.0); 0 disables it")
    noise: float = knob(2.0, "standard deviation of the sensor noise, in 8-bit grey levels")

    def __post_init__(self) -> None:
        checks = {
            "categories": 1 <= self.categories <= len(TARGETS),
            "sequences_per_category": self.sequences_per_category >= 1,
            "frames": self.frames >= 2,
            "width": self.width >= 32,
            "height": self.height >= 24,
            "jpeg_quality": 1 <= self.jpeg_quality <= 100,
            "speed": self.speed >= 0,
            "scale_range": self.scale_range >= 1,
            "aspect_range": self.aspect_range >= 1,
            "rotation_deg": 0 <= self.rotation_deg <= 45,
            "deformation": self.deformation >= 0,
            "turn_rate": self.turn_rate >= 0,
            "abrupt_motion": self.abrupt_motion >= 0,
            "occlusion_rate": self.occlusion_rate >= 0,
            "full_occlusion_share": 0 <= self.full_occlusion_share <= 1,
            "distractors": self.distractors >= 0,
            "out_of_view_prob": 0 <= self.out_of_view_prob <= 1,
            "motion_blur": self.motion_blur >= 0,
            "illumination": self.illumination >= 0,
            "camera_shake": self.camera_shake >= 0,
            "noise": self.noise >= 0,
        }
        bad = [name for name, ok in checks.items() if not ok]
        if bad:
            values = ", ".join(f"{name}={getattr(self, name)!r}" for name in bad)
            raise ValueError(f"invalid SynthConfig value(s): {values}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SynthConfig:
        """Inverse of ``to_dict``; unknown keys are an error, so a stale file is never half-read."""
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ValueError(f"unknown SynthConfig field(s): {', '.join(unknown)}")
        return cls(**values)
