"""The protocol every ablation shares: ``--tracker-option`` changes one setting of the tracker, and the same
tracker annotates the held-out data and tracks what the nets train on."""

from __future__ import annotations

import pytest

from ablations import labour_curve, protocol
from vasr.errors import VasrError
from vasr.tracking.registry import tracker_config


def test_a_tracker_setting_reaches_the_held_out_tracker_and_the_training_data() -> None:
    args = labour_curve.parse_args(["--tracker", "dcf-accurate", "--tracker-option", "exact_solve=false",
                                    "--tracker-option", "lam=0.01"])  # fmt: skip
    config = tracker_config(protocol.build_tracker(args))
    assert config["name"] == "dcf-accurate" and config["exact_solve"] is False and config["lam"] == 0.01
    options = protocol.data_options(args, 0)
    assert options["tracker"] == "dcf-accurate"
    assert options["tracker_options"] == {"exact_solve": False, "lam": 0.01}
    assert protocol.data_options(args, 0, interval=90)["interval"] == 90


def test_without_settings_the_preset_is_as_registered() -> None:
    args = labour_curve.parse_args([])
    assert protocol.tracker_options(args) == {}
    assert tracker_config(protocol.build_tracker(args))["exact_solve"] is True  # dcf-accurate, the default


def test_a_malformed_setting_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        labour_curve.parse_args(["--tracker-option", "exact_solve"])
    assert "'exact_solve': expected KEY=VALUE" in capsys.readouterr().err
    args = labour_curve.parse_args(["--tracker", "dcf"])
    args.tracker_options = ["exact_solve"]
    with pytest.raises(VasrError, match="'exact_solve': expected KEY=VALUE"):
        protocol.build_tracker(args)
