"""The T-Assess Nets shipped in the package, one per tracker of the default set: small, loadable without
Lightning, and made by today's recipe (`make shipped-weights` rebuilds both; each ``.json`` beside its file
records how)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from vasr.checkpoints import (
    SHIPPED,
    SHIPPED_TASSESS,
    load_assessor,
    read_checkpoint,
    shipped_assessor,
    shipped_tracker,
    tracker_mismatch,
)
from vasr.cli.publish import SHIP_RECIPE, merged_config
from vasr.tracking.registry import DEFAULT_TRACKER, SETS

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
CONFIGS = {  # the training configs each shipped net was made with, merged in this order
    "dcf-accurate": [EXPERIMENTS / "tassess.yaml"],
    "nanotrack": [EXPERIMENTS / "tassess.yaml", EXPERIMENTS / "tassess-nanotrack.yaml"],
}
TRACKERS = sorted(SHIPPED)


def record_of(tracker: str) -> dict:
    return json.loads(SHIPPED[tracker].with_suffix(".json").read_text())


def test_every_tracker_of_the_default_set_and_the_fallback_has_a_shipped_net() -> None:
    assert set(SHIPPED) == {*SETS["ensemble"], DEFAULT_TRACKER} and set(CONFIGS) == set(SHIPPED)
    assert shipped_assessor("csrt") == SHIPPED_TASSESS  # any other tracker: dcf-accurate's, with a note


@pytest.mark.parametrize("tracker", TRACKERS)
def test_the_shipped_file_is_the_one_its_record_describes(tracker: str) -> None:
    record = record_of(tracker)
    payload = SHIPPED[tracker].read_bytes()
    assert hashlib.sha256(payload).hexdigest() == record["sha256"] and len(payload) == record["bytes"]
    assert len(payload) < 5 * 2**20  # a few MB at most
    target = SHIP_RECIPE.removeprefix("make ")
    assert record["recipe"] == SHIP_RECIPE and f"\n{target}:" in (ROOT / "Makefile").read_text()


def settings(model: dict) -> dict:
    """A model config's effective settings: the module's and its injected net's in one flat dict (a record
    written before the net was injected lists them flat)."""
    flat = dict(model["init_args"])
    net = flat.pop("net", None)
    if net is not None:
        flat.update(net.get("init_args", {}))
    return {"class_path": model["class_path"], **flat}


@pytest.mark.parametrize("tracker", TRACKERS)
def test_it_was_trained_with_the_current_training_config(tracker: str) -> None:
    """Change a setting in experiments/tassess*.yaml and this fails until `make shipped-weights` ships a net
    made so."""
    record, config = record_of(tracker), merged_config(*CONFIGS[tracker])
    assert settings(record["config"]["model"]) == settings(config["model"])
    assert record["config"]["data"] == config["data"]
    assert shipped_tracker(SHIPPED[tracker]) == tracker == config["data"]["init_args"]["tracker"]


def test_the_record_compares_settings_not_their_layout() -> None:
    flat = {"class_path": "M", "init_args": {"channels": 8, "lr": 0.001}}
    injected = {
        "class_path": "M",
        "init_args": {"net": {"class_path": "N", "init_args": {"channels": 8}}, "lr": 0.001},
    }
    assert settings(flat) == settings(injected)
    injected["init_args"]["net"]["init_args"]["channels"] = 4
    assert settings(flat) != settings(injected)


def test_configs_merge_in_order_key_by_key(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("data:\n  init_args:\n    tracker: dcf\n    interval: 30\nseed: 1\n")
    (tmp_path / "b.yaml").write_text("data:\n  init_args:\n    tracker: nanotrack\n")
    merged = merged_config(tmp_path / "a.yaml", tmp_path / "b.yaml")
    assert merged == {"data": {"init_args": {"tracker": "nanotrack", "interval": 30}}, "seed": 1}


@pytest.mark.parametrize("tracker", TRACKERS)
def test_it_loads_as_a_plain_net_with_its_recorded_hyper_parameters(tracker: str) -> None:
    record = record_of(tracker)
    hparams = read_checkpoint(SHIPPED[tracker], "T-Assess")["hyper_parameters"]
    assert {k: v for k, v in hparams.items() if not k.startswith("_")} == record["hyper_parameters"]
    net = load_assessor(SHIPPED[tracker], "cpu")
    assert not net.training
    assert sum(p.numel() for p in net.parameters()) > 1000


@pytest.mark.parametrize("tracker", TRACKERS)
def test_annotate_says_when_a_shipped_net_meets_another_trackers_tracks(tracker: str, tmp_path: Path) -> None:
    assert tracker_mismatch(SHIPPED[tracker], tracker) is None
    note = tracker_mismatch(SHIPPED[tracker], "csrt")
    assert note is not None and repr(tracker) in note and "--tracker csrt" in note
    assert tracker_mismatch(tmp_path / "own.ckpt", "csrt") is None  # a user's own net: we cannot know
