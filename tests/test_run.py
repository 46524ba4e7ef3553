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
    assert recorded.tassess == {"kcf": config.tassess.resolve()}
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


def test_the_default_tracker_is_the_ensemble_when_nanotracks_weights_are_found(
    nanotrack_weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from vasr.checkpoints import SHIPPED

    monkeypatch.setenv("VASR_NANOTRACK", str(nanotrack_weights))
    said: list[str] = []
    resolved = RunConfig().resolved(log=said.append)
    assert resolved.tracker == "ensemble" and not [m for m in said if "NanoTrack" in m]
    assert set(resolved.tassess) == {"dcf-accurate", "nanotrack"}
    assert resolved.tassess["nanotrack"].name in {SHIPPED["nanotrack"].name, "tassess-nanotrack.ckpt"}


def test_without_nanotracks_weights_it_runs_dcf_accurate_and_says_so_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("VASR_NANOTRACK", raising=False)
    said: list[str] = []
    resolved = RunConfig().resolved(log=lambda m: said.append(m) if "NanoTrack" in m else None)
    assert resolved.tracker == "dcf-accurate" and list(resolved.tassess) == ["dcf-accurate"]
    assert len(said) == 1 and "annotating with dcf-accurate alone" in said[0] and "VASR_NANOTRACK" in said[0]
    assert RunConfig.from_json(resolved.to_json()).tracker == "dcf-accurate"  # a re-run asks no more


def test_a_sets_nets_are_named_by_member(tmp_path: Path) -> None:
    net = tmp_path / "mine.ckpt"
    with pytest.raises(VasrError, match="one net per tracker; name it"):
        RunConfig(tracker="ensemble", tassess=net).resolved(log=lambda m: None)
    with pytest.raises(VasrError, match="run's trackers are"):
        RunConfig(tracker="ensemble", tassess={"csrt": net}).resolved(log=lambda m: None)
    resolved = RunConfig(tracker="ensemble", tassess={"nanotrack": net}).resolved(log=lambda m: None)
    assert resolved.tassess["nanotrack"] == net.resolve()


def test_a_run_json_written_before_tracker_sets_still_reads(config: RunConfig) -> None:
    record = config.resolved(log=lambda m: None).to_json()
    record["tassess"] = str(config.tassess)  # one path, as earlier runs wrote it
    assert RunConfig.from_json(record).tassess == {"kcf": Path(config.tassess)}


def test_weights_given_as_a_tracker_option_make_auto_the_ensemble(
    nanotrack_weights: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("VASR_NANOTRACK", raising=False)
    config = RunConfig(tracker_options={"weights": str(nanotrack_weights)})
    assert config.resolved(log=lambda m: None).tracker == "ensemble"
