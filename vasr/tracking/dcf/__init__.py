"""vasr's built-in tracker: a batched discriminative correlation filter in torch.

Two presets, one registry name each: ``dcf`` (fast, one-ended) and ``dcf-accurate`` (uses both ends of its
snippet and the keyframes around it, re-detects a lost target, solves its filter exactly).

One module per job: `crops` (search windows out of frames), `features` (HOG-like and colour), `filters`
(Fourier-domain ridge regression, peaks, maps), `scale` (size and aspect search), `tracker` (`DCFTracker`,
batched, its presets, and `DCFSingleTracker`)."""

from vasr.tracking.dcf.tracker import DCFAccurateTracker, DCFConfig, DCFSingleTracker, DCFTracker

__all__ = ["DCFAccurateTracker", "DCFConfig", "DCFSingleTracker", "DCFTracker"]
