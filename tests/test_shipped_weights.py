"""The T-Assess Net shipped in the package: small, loadable without Lightning, and made by today's recipe
(`make shipped-weights` rebuilds it; ``vasr/weights/tassess.json`` records how)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import yaml

from vasr.checkpoints import (
    SHIPPED_TASSESS,
    load_assessor,
    read_checkpoint,
    shipped_tracker,
    tracker_mismatch,
)
from vasr.cli.publish import SHIP_RECIPE

ROOT = Path(__file__).resolve().parents[1]
RECORD = SHIPPED_TASSESS.with_suffix(".json")


def test_the_shipped_file_is_the_one_its_record_describes() -> None:
    record = json.loads(RECORD.read_text())
    payload = SHIPPED_TASSESS.read_bytes()
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


def test_it_was_trained_with_the_current_training_config() -> None:
    """Change a setting in experiments/tassess.yaml and this fails until `make shipped-weights` ships a net
    made so."""
    record = json.loads(RECORD.read_text())
    config = yaml.safe_load((ROOT / "experiments" / "tassess.yaml").read_text())
    assert settings(record["config"]["model"]) == settings(config["model"])
    assert record["config"]["data"] == config["data"]


def test_the_record_compares_settings_not_their_layout() -> None:
    flat = {"class_path": "M", "init_args": {"channels": 8, "lr": 0.001}}
    injected = {
        "class_path": "M",
        "init_args": {"net": {"class_path": "N", "init_args": {"channels": 8}}, "lr": 0.001},
    }
    assert settings(flat) == settings(injected)
    injected["init_args"]["net"]["init_args"]["channels"] = 4
    assert settings(flat) != settings(injected)


def test_it_loads_as_a_plain_net_with_its_recorded_hyper_parameters() -> None:
    record = json.loads(RECORD.read_text())
    hparams = read_checkpoint(SHIPPED_TASSESS, "T-Assess")["hyper_parameters"]
    assert {k: v for k, v in hparams.items() if not k.startswith("_")} == record["hyper_parameters"]
    net = load_assessor(SHIPPED_TASSESS, "cpu")
    assert not net.training
    assert sum(p.numel() for p in net.parameters()) > 1000


def test_annotate_says_when_the_shipped_net_meets_another_trackers_tracks(tmp_path: Path) -> None:
    trained_on = shipped_tracker()
    assert (
        trained_on
        == yaml.safe_load((ROOT / "experiments" / "tassess.yaml").read_text())["data"]["init_args"]["tracker"]
    )
    assert tracker_mismatch(SHIPPED_TASSESS, trained_on) is None
    note = tracker_mismatch(SHIPPED_TASSESS, "csrt")
    assert note is not None and repr(trained_on) in note and "--tracker csrt" in note
    assert tracker_mismatch(tmp_path / "own.ckpt", "csrt") is None  # a user's own net: we cannot know
