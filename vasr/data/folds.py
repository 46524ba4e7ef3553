"""Cross-validation folds that keep categories balanced (the paper's two halves of LaSOT)."""

from __future__ import annotations

import numpy as np


def category_fold(names: list[str], fold: int, folds: int = 2) -> list[str]:
    """The names of fold ``fold`` when every category is cut into ``folds`` consecutive parts.

    The category is the name before its last ``-`` (LaSOT's ``airplane-3``); names without one form a
    category of their own kind and are dealt round-robin in sorted order. This is the paper's protocol of
    training on one half of LaSOT's categories' sequences and annotating the other."""
    if not 0 <= fold < folds:
        raise ValueError(f"fold must be in [0, {folds}), got {fold}")
    groups: dict[str, list[str]] = {}
    loose: list[str] = []
    for name in sorted(names):
        category, sep, index = name.rpartition("-")
        if sep and index.isdigit():
            groups.setdefault(category, []).append(name)
        else:
            loose.append(name)
    chosen: list[str] = [name for i, name in enumerate(loose) if i % folds == fold]
    for members in groups.values():
        members.sort(key=lambda n: int(n.rpartition("-")[2]))
        parts = np.array_split(np.arange(len(members)), folds)
        chosen += [members[i] for i in parts[fold]]
    return sorted(chosen)
