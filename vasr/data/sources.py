"""A dataset selection as one value: which reader, which root, which split, sequences and fold.

Configs (LightningCLI YAML, W&B sweeps) name their training and validation data with these, e.g. "the
synthetic default plus fold 0 of the real sequences"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from vasr.data.default import ensure_default_dataset
from vasr.data.folds import category_fold
from vasr.data.readers import load_dataset
from vasr.data.sequence import Sequence
from vasr.errors import VasrError


@dataclass(frozen=True)
class DataSource:
    """Sequences of one dataset on disk.

    Args:
        dataset: reader name (lasot, trackingnet, got10k, otb; the default data uses lasot).
        root: dataset root as it lies on disk; None: the embedded default dataset (generated on first use).
        split: dataset split (LaSOT train/test, GOT-10k train/val/test), None for all.
        names: only these sequences.
        fold: keep only fold ``fold`` of ``folds`` (every category cut in consecutive parts), None for all.
        folds: number of folds (2: the paper's two halves).
    """

    dataset: str = "lasot"
    root: str | None = None
    split: str | None = None
    names: list[str] | None = None
    fold: int | None = None
    folds: int = 2

    def describe(self) -> str:
        """How a message names this selection: ``otb data at ../clips (fold 0 of 2)``."""
        where = "the embedded default data" if self.root is None else f"{self.dataset} data at {self.root}"
        parts = [f"split {self.split}"] if self.split else []
        if self.names is not None:
            parts.append(f"{len(self.names)} named sequences")
        if self.fold is not None:
            parts.append(f"fold {self.fold} of {self.folds}")
        return where + (f" ({', '.join(parts)})" if parts else "")

    def load(self) -> list[Sequence]:
        """The selected sequences, sorted by name; an error when nothing matches."""
        if self.root is None:
            if self.dataset != "lasot":
                raise VasrError(f"dataset {self.dataset!r} needs a root")
            root = ensure_default_dataset()
        else:
            root = Path(self.root)
        options: dict[str, object] = {}
        if self.split is not None:
            options["split"] = self.split
        if self.names is not None:
            options["names"] = list(self.names)
        sequences = load_dataset(self.dataset, root, **options)
        if self.fold is not None:
            keep = set(category_fold([s.name for s in sequences], self.fold, self.folds))
            sequences = [s for s in sequences if s.name in keep]
        if not sequences:
            raise VasrError(f"no sequence selected by {self.describe()}")
        return sorted(sequences, key=lambda s: s.name)
