"""vasr's built-in tracker: a batched discriminative correlation filter in torch (``--tracker dcf``).

One module per job: `crops` (search windows out of frames), `features` (HOG-like, colour, optional
EfficientNet), `filters` (Fourier-domain ridge regression, peaks, maps), `scale` (size and aspect search),
`tracker` (`DCFTracker`, batched, and `DCFSingleTracker`, one track)."""

from vasr.tracking.dcf.tracker import DCFConfig, DCFSingleTracker, DCFTracker

__all__ = ["DCFConfig", "DCFSingleTracker", "DCFTracker"]
