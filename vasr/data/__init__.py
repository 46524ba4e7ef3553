"""Sequences and the readers that load them exactly as the datasets lie on disk."""

from vasr.data.frames import ArrayFrames, FrameSource, ImageFolderFrames, VideoFileFrames
from vasr.data.sequence import Sequence

__all__ = ["ArrayFrames", "FrameSource", "ImageFolderFrames", "Sequence", "VideoFileFrames"]
