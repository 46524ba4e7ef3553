"""vasr's built-in tracker: a batched discriminative correlation filter in torch.

Three presets, one registry name each: ``dcf`` (fast, one-ended), ``dcf-accurate`` (uses both ends of its
snippet and re-detects a lost target) and ``dcf-deep`` (``dcf-accurate`` plus CNN-feature filters).

One module per job: `crops` (search windows out of frames), `features` (HOG-like and colour), `deep`
(filters on EfficientNet-Lite0 layers), `filters` (Fourier-domain ridge regression, peaks, maps), `scale`
(size and aspect search), `tracker` (`DCFTracker`, batched, its presets, and `DCFSingleTracker`)."""

from vasr.tracking.dcf.tracker import (
    DCFAccurateTracker,
    DCFConfig,
    DCFDeepTracker,
    DCFSingleTracker,
    DCFTracker,
)

__all__ = ["DCFAccurateTracker", "DCFConfig", "DCFDeepTracker", "DCFSingleTracker", "DCFTracker"]
