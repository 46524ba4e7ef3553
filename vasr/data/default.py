"""The embedded default dataset: what every command uses when it is given no dataset.

It is generated (deterministically, see ``vasr.data.synth``) on first use into ``$VASR_DATA`` or
``./data/synth``, in LaSOT's layout, so the LaSOT reader serves it."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_ROOT = Path("data/synth")


def default_root() -> Path:
    """Where the default dataset lives: ``$VASR_DATA`` if set, else ``./data/synth``."""
    return Path(os.environ.get("VASR_DATA", DEFAULT_ROOT))


def ensure_default_dataset(root: Path | None = None, progress: bool = True) -> Path:
    """Generate the default dataset if it is missing or incomplete; return its root."""
    from vasr.data.synth import SynthConfig, generate_dataset

    root = default_root() if root is None else Path(root)
    generate_dataset(root, SynthConfig(), progress=progress)
    return root
