"""Data sources as configs name them: two that overlap are an error naming the sequence and both."""

from __future__ import annotations

from pathlib import Path

import pytest

from datamodules.snippet_windows import SnippetDataModule
from vasr.data.sources import DataSource
from vasr.errors import VasrError


def test_a_sequence_in_two_sources_is_an_error_naming_it_and_both_sources(tiny_root: Path) -> None:
    everything = DataSource("lasot", str(tiny_root))
    half = DataSource("lasot", str(tiny_root), fold=0)
    name = half.load()[0].name
    data = SnippetDataModule(train=[everything, half], tracker="kcf")
    with pytest.raises(VasrError) as info:
        data.tracked(data.train_sources)
    message = str(info.value)
    assert repr(name) in message
    assert f"lasot data at {tiny_root} and in lasot data at {tiny_root} (fold 0 of 2)" in message
