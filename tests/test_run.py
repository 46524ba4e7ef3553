"""The annotation run as a library (`vasr.run`): a typed config in, a run folder out, and the folder records
the config so the review page and ``python -m vasr.run OUT`` can re-run it without the command line."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from vasr.data.sources import DataSource
from vasr.errors import VasrError
from vasr.run import RunConfig, RunFolder, annotate_run, input_sequences


@pytest.fixture
def config(clip: tuple, checkpoints: dict[str, Path], tmp_path: Path) -> RunConfig:
    frames, keyframes, _ = clip
    return RunConfig(
        out=tmp_path / "out",
        frames=frames,
        keyframes=keyframes,
        name="clip",
        tassess=checkpoints["tassess"],
        refiner=None,
        tracker="kcf",
        formats=["json", "lasot"],
        review=False,
        cache=tmp_path / "cache",
    )


def test_a_run_writes_its_folder_and_records_its_settings(config: RunConfig) -> None:
    summary = annotate_run(config, log=lambda message: None)
    folder = RunFolder(config.out)
    assert folder.names() == ["clip"] and folder.json("clip").is_file()
    assert summary["sequences"][0]["status"] == "annotated"
    recorded = folder.config()
    assert recorded.frames == config.frames.resolve() and recorded.tracker == "kcf"
    assert recorded.tassess == config.tassess.resolve()
    assert recorded.out == config.out.resolve() and recorded.corrections == []
    assert json.loads(folder.run_json.read_text())["config"]["formats"] == ["json", "lasot"]


def test_the_recorded_settings_give_the_same_sequences_back(config: RunConfig) -> None:
    annotate_run(config, log=lambda message: None)
    (again,) = input_sequences(RunFolder(config.out).config())
    (first,) = input_sequences(config)
    assert again.name == first.name == "clip" and len(again) == len(first)
    np.testing.assert_array_equal(again.keyframes.indices, first.keyframes.indices)


def test_a_rerun_from_the_folder_alone_reuses_what_did_not_change(config: RunConfig) -> None:
    annotate_run(config, log=lambda message: None)
    summary = annotate_run(RunFolder(config.out).config(), log=lambda message: None)
    assert summary["sequences"][0]["status"] == "reused"


def test_a_folder_without_settings_cannot_be_rerun(tmp_path: Path) -> None:
    with pytest.raises(VasrError, match="run.json"):
        RunFolder(tmp_path).config()


def test_the_config_round_trips_through_json() -> None:
    config = RunConfig(source=DataSource("otb", "/data/clips", fold=1), tracker_options={"memory_reach": 0})
    back = RunConfig.from_json(json.loads(json.dumps(config.to_json())))
    assert back == config


def test_settings_no_run_can_use_are_refused_before_anything_is_written(config: RunConfig) -> None:
    for bad, message in (
        ({"refined_share": 1.5}, "--refined-share"),
        ({"suggest": -1}, "--suggest"),
        ({"adapt_batch_size": 0}, "--adapt-batch-size"),
        ({"keyframes": None}, "--keyframes"),
        ({"tracker_options": {"no_such_setting": 1}}, "no_such_setting"),
    ):
        with pytest.raises(VasrError, match=message):
            annotate_run(RunConfig(**{**vars(config), **bad}), log=lambda message: None)
    assert not (config.out / "json").exists()
