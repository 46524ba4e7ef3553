"""The embedded default dataset: deterministic synthetic tracking videos in LaSOT's exact on-disk layout.

Real objects cut from scikit-image's bundled photos move over real backgrounds with the difficulties of real
video (non-linear motion, scale and aspect change, occlusion, look-alikes, out-of-view, blur, lighting
change, camera shake), so trackers fail sometimes and selection/refinement has something to fix.
``generate_dataset(root, SynthConfig())`` writes it; the LaSOT reader loads it."""

from vasr.data.synth.config import GENERATOR_VERSION, SynthConfig
from vasr.data.synth.targets import TARGETS
from vasr.data.synth.writer import SynthRootError, generate_dataset

CATEGORIES: tuple[str, ...] = tuple(spec.name for spec in TARGETS)

__all__ = ["CATEGORIES", "GENERATOR_VERSION", "SynthConfig", "SynthRootError", "generate_dataset"]
