"""The dataset registry: one entry point, clear errors for unknown layouts and options."""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from fixtures_layouts import (
    write_got10k_sequence,
    write_lasot_sequence,
    write_otb_sequence,
    write_trackingnet_sequence,
)
from PIL import Image

from vasr.data.readers import DATASETS, load_dataset, load_got10k, load_lasot, load_otb, load_trackingnet


def test_registry_maps_every_layout_to_its_reader() -> None:
    assert dict(DATASETS) == {
        "lasot": load_lasot,
        "trackingnet": load_trackingnet,
        "got10k": load_got10k,
        "otb": load_otb,
    }


def test_load_dataset_passes_options_to_the_reader(tmp_path: Path) -> None:
    write_lasot_sequence(tmp_path, "airplane-1", ["1,1,5,5"])  # official test sequence
    write_lasot_sequence(tmp_path, "airplane-2", ["1,1,5,5"])  # official train sequence
    assert [s.name for s in load_dataset("lasot", tmp_path, split="train")] == ["airplane-2"]
    assert [s.name for s in load_dataset("LaSOT", str(tmp_path), names=["airplane-1"])] == ["airplane-1"]


def test_unknown_dataset_lists_the_valid_names(tmp_path: Path) -> None:
    with pytest.raises(
        ValueError, match="unknown dataset 'vot'; valid names: got10k, lasot, otb, trackingnet"
    ):
        load_dataset("vot", tmp_path)


def test_option_a_reader_does_not_take_is_named(tmp_path: Path) -> None:
    write_otb_sequence(tmp_path, "Toy", "1,1,5,5\n", ["0001.jpg"])
    with pytest.raises(TypeError, match="dataset 'otb' does not take option\\(s\\) split; it takes names"):
        load_dataset("otb", tmp_path, split="train")


def test_no_reader_opens_an_image_while_listing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_lasot_sequence(tmp_path / "lasot", "airplane-1", ["1,1,5,5"] * 3)
    write_trackingnet_sequence(tmp_path / "trackingnet", "TRAIN_0", "a_0", ["1,1,5,5"] * 3, 3)
    write_trackingnet_sequence(tmp_path / "trackingnet", "TEST", "b_0", ["1,1,5,5"], 3)
    write_got10k_sequence(tmp_path / "got10k", "train", 1, ["1,1,5,5"] * 3)
    write_got10k_sequence(tmp_path / "got10k", "test", 1, ["1,1,5,5"], num_frames=3)
    write_otb_sequence(tmp_path / "otb", "Toy", "1,1,5,5\n" * 3, ["0001.jpg", "0002.jpg", "0003.jpg"])

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an image was opened while listing")

    monkeypatch.setattr(Image, "open", refuse)
    monkeypatch.setattr(cv2, "imread", refuse)
    for name in DATASETS:
        options = {} if name == "otb" else {"split": "all"}
        sequences = load_dataset(name, tmp_path / name, **options)
        assert sequences and all(len(s) == 3 for s in sequences), name
